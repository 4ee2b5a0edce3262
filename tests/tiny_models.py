"""A tiny random BERT NLI classifier on disk, for tests of loading and exporting (seconds, not minutes)."""

from __future__ import annotations

from pathlib import Path


def save_tiny_nli(folder: Path, seed: int = 0, initializer_range: float = 0.5) -> Path:
    """Write a 2-layer, 32-wide BERT classifier with NLI labels and a real tokenizer to ``folder``.

    The default weights are wide-ranging, so that labels are clear-cut; int8
    cannot follow them, and such a model fails the int8 self-check. With
    ``initializer_range=0.02`` (BERT's own) the model quantises well.
    """
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    from verifier.registry import embedder_path

    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=30522,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        num_labels=3,
        id2label={0: "entailment", 1: "neutral", 2: "contradiction"},
        label2id={"entailment": 0, "neutral": 1, "contradiction": 2},
        initializer_range=initializer_range,
    )
    BertForSequenceClassification(config).save_pretrained(folder)
    BertTokenizerFast.from_pretrained(embedder_path()).save_pretrained(folder)
    return folder
