from __future__ import annotations

import pytest

from verifier.errors import ModelLabelError, ModelLoadError
from verifier.judging import NLIJudge, map_labels


@pytest.mark.parametrize(
    "id2label",
    [
        {0: "entailment", 1: "neutral", 2: "contradiction"},
        {0: "CONTRADICTION", 1: "ENTAILMENT", 2: "NEUTRAL"},
        {"0": "Contradiction", "1": "Neutral", "2": "Entailment"},
        {2: "entailment", 0: "neutral", 1: "contradiction"},
    ],
)
def test_any_order_and_capitalisation_maps(id2label):
    mapping = map_labels(id2label)
    names = {int(k): v.lower() for k, v in id2label.items()}
    assert {label: names[index] for label, index in mapping.items()} == {
        "entailment": "entailment",
        "neutral": "neutral",
        "contradiction": "contradiction",
    }


def test_generic_labels_use_the_registry_table_for_known_checkpoints():
    mapping = map_labels({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}, "roberta-large-mnli")
    assert mapping == {"contradiction": 0, "neutral": 1, "entailment": 2}


@pytest.mark.parametrize(
    "id2label",
    [
        {0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"},
        {0: "entailment", 1: "not_entailment"},
        {0: "entailment", 1: "entailment", 2: "contradiction"},
        {0: "positive", 1: "negative", 2: "neutral"},
        {0: "entailment", 1: "neutral", 2: "contradiction", 3: "other"},
    ],
)
def test_unmappable_label_layouts_are_refused_with_their_names(id2label):
    with pytest.raises(ModelLabelError, match="cannot map the NLI model's labels"):
        map_labels(id2label)


def test_a_model_with_unmappable_labels_is_refused_on_load(tmp_path):
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    from verifier.registry import embedder_path

    config = BertConfig(
        vocab_size=30522,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        num_labels=3,
    )
    BertForSequenceClassification(config).save_pretrained(tmp_path)
    BertTokenizerFast.from_pretrained(embedder_path()).save_pretrained(tmp_path)
    with pytest.raises(ModelLabelError, match="LABEL_0"):
        NLIJudge(tmp_path).warm_up()


def test_a_missing_model_directory_is_a_clear_error(tmp_path):
    with pytest.raises(ModelLoadError, match="not found"):
        NLIJudge(tmp_path / "no-model").warm_up()


def test_judge_settings_are_validated():
    with pytest.raises(ValueError, match="batch_size"):
        NLIJudge(batch_size=0)
    with pytest.raises(ValueError, match="device"):
        NLIJudge(device="tpu")
