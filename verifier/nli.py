"""The NLI judge: a cross-encoder that labels (premise, claim) pairs.

Checkpoints disagree on the order of entailment / neutral / contradiction, so
the order is read from ``config.id2label`` (or the registry's table for
checkpoints that only say ``LABEL_0``...) and a model whose labels cannot be
mapped is refused.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from models.registry import KNOWN_LABEL_ORDERS, resolve_nli_model
from verifier.errors import ModelLabelError, ModelLoadError
from verifier.types import CONTRADICTION, ENTAILMENT, NEUTRAL, NLIScores

logger = logging.getLogger(__name__)

_LABEL_SYNONYMS = {
    "entailment": ENTAILMENT,
    "entailed": ENTAILMENT,
    "entails": ENTAILMENT,
    "supports": ENTAILMENT,
    "neutral": NEUTRAL,
    "not_enough_info": NEUTRAL,
    "nei": NEUTRAL,
    "contradiction": CONTRADICTION,
    "contradicts": CONTRADICTION,
    "contradictory": CONTRADICTION,
    "refutes": CONTRADICTION,
}


class Judge(Protocol):
    """Anything that scores (premise, hypothesis) pairs; fakes implement it in tests."""

    def predict(
        self, pairs: Sequence[tuple[str, str]], batch_size: int | None = None
    ) -> list[NLIScores]: ...


def map_labels(id2label: Mapping[int | str, str], model_name: str = "") -> dict[str, int]:
    """Find which output index holds entailment, neutral and contradiction.

    Args:
        id2label: ``config.id2label`` of the checkpoint.
        model_name: its path or hub id, to look up checkpoints that only say
            ``LABEL_0``...

    Returns:
        ``{"entailment": i, "neutral": j, "contradiction": k}``.

    Raises:
        ModelLabelError: the labels are not exactly those three, in any order
            and any capitalisation.

    Example:
        >>> map_labels({0: "CONTRADICTION", 1: "Entailment", 2: "neutral"})
        {'contradiction': 0, 'entailment': 1, 'neutral': 2}
    """
    names = {int(index): str(label) for index, label in id2label.items()}
    if all(re.fullmatch(r"LABEL_\d+", name) for name in names.values()):
        known = KNOWN_LABEL_ORDERS.get(model_name)
        if known is not None and len(names) == len(known):
            names = dict(enumerate(known))
    mapping: dict[str, int] = {}
    for index, name in sorted(names.items()):
        canonical = _LABEL_SYNONYMS.get(re.sub(r"[\s-]+", "_", name.strip().lower()))
        if canonical is None or canonical in mapping:
            mapping = {}
            break
        mapping[canonical] = index
    if len(names) != 3 or set(mapping) != {ENTAILMENT, NEUTRAL, CONTRADICTION}:
        raise ModelLabelError(
            f"cannot map the NLI model's labels {sorted(names.values())} to "
            "entailment / neutral / contradiction; set config.id2label to name all three"
        )
    return mapping


class NLIJudge:
    """A transformers sequence-classification NLI model, loaded lazily.

    Args:
        model: a local path, a hub id or a registry alias; ``None`` is the
            project's shipped model.
        device: ``"cpu"``, ``"cuda"`` or ``"auto"``.
        batch_size: pairs per forward pass.
        max_length: tokens per pair; longer pairs lose the end of the premise first.

    Example:
        >>> judge = NLIJudge()
        >>> judge.predict([("The council met on Monday.", "The council met.")])[0].label
        'entailment'
    """

    def __init__(
        self,
        model: str | Path | None = None,
        *,
        device: str = "cpu",
        batch_size: int = 32,
        max_length: int = 256,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if max_length < 16:
            raise ValueError(f"max_length must be at least 16, got {max_length}")
        if device not in {"cpu", "cuda", "auto"}:
            raise ValueError(f"device must be 'cpu', 'cuda' or 'auto', got {device!r}")
        self.model_name = resolve_nli_model(model)
        self.device = device
        self.batch_size = batch_size
        self.max_length = max_length
        self._model = None
        self._tokenizer = None
        self._label_index: dict[str, int] = {}
        self._lock = threading.Lock()

    @property
    def label_index(self) -> dict[str, int]:
        self.warm_up()
        return dict(self._label_index)

    def warm_up(self) -> None:
        """Load the tokenizer and model once; safe to call from several threads."""
        with self._lock:
            if self._model is not None:
                return
            import torch
            from transformers import AutoModelForSequenceClassification, AutoTokenizer

            local = Path(self.model_name).exists()
            if not local and Path(self.model_name).is_absolute():
                raise ModelLoadError(f"NLI model directory not found: {self.model_name}")
            try:
                tokenizer = AutoTokenizer.from_pretrained(self.model_name)
                model = AutoModelForSequenceClassification.from_pretrained(self.model_name)
            except (OSError, ValueError) as error:
                raise ModelLoadError(
                    f"cannot load NLI model {self.model_name!r}: {error}"
                ) from error
            self._label_index = map_labels(model.config.id2label, self.model_name)
            device = self.device
            if device == "auto":
                device = "cuda" if torch.cuda.is_available() else "cpu"
            model.to(device=device, dtype=torch.float32).eval()
            self._tokenizer = tokenizer
            self._torch_device = device
            self._model = model

    def predict(
        self, pairs: Sequence[tuple[str, str]], batch_size: int | None = None
    ) -> list[NLIScores]:
        """Score (premise, hypothesis) pairs.

        Pairs are sorted by length so each batch pads little, then returned in
        the order given.
        """
        if not pairs:
            return []
        self.warm_up()
        import torch

        size = batch_size or self.batch_size
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
        results: list[NLIScores | None] = [None] * len(pairs)
        entail = self._label_index[ENTAILMENT]
        neutral = self._label_index[NEUTRAL]
        contra = self._label_index[CONTRADICTION]
        with torch.inference_mode():
            for offset in range(0, len(order), size):
                chunk = order[offset : offset + size]
                with self._lock:  # a fast tokenizer may not be used by two threads at once
                    encoded = self._tokenizer(
                        [pairs[i][0] for i in chunk],
                        [pairs[i][1] for i in chunk],
                        padding=True,
                        truncation="longest_first",
                        max_length=self.max_length,
                        return_tensors="pt",
                    ).to(self._torch_device)
                probabilities = self._model(**encoded).logits.float().softmax(dim=-1).cpu().tolist()
                for i, row in zip(chunk, probabilities, strict=True):
                    results[i] = NLIScores(
                        entailment=float(row[entail]),
                        neutral=float(row[neutral]),
                        contradiction=float(row[contra]),
                    )
        return results  # type: ignore[return-value]
