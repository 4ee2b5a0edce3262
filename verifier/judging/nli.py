"""The NLI judge: a transformers cross-encoder that labels (premise, claim) pairs.

The output order of entailment / neutral / contradiction is read from the
checkpoint's labels (:mod:`verifier.judging.labels`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

from verifier.errors import ModelLoadError
from verifier.judging.backbones import INSTALL_HINT, backbone_path
from verifier.judging.labels import map_labels
from verifier.registry import resolve_nli_model
from verifier.types import CONTRADICTION, ENTAILMENT, NEUTRAL, NLIScores

logger = logging.getLogger(__name__)


ADAPTER_CONFIG = "adapter_config.json"


def load_adapter_model(folder: Path):
    """A classifier rebuilt from a LoRA adapter folder over its backbone (``peft``).

    The folder holds ``adapter_config.json`` (whose ``base_model_name_or_path``
    is a backbone name of :mod:`verifier.judging.backbones` or a folder), the
    adapter and head weights, ``config.json`` with the labels, and the tokenizer.
    The adapter is merged into the backbone, so judging costs what the plain
    backbone costs.

    Raises:
        ModelLoadError: peft is missing, or the backbone cannot be found.
    """
    import json

    from transformers import AutoConfig, AutoModelForSequenceClassification

    try:
        from peft import PeftModel
    except ImportError as error:
        raise ModelLoadError(f"the judge in {folder} is a LoRA adapter; {INSTALL_HINT}") from error
    adapter = json.loads((folder / ADAPTER_CONFIG).read_text(encoding="utf-8"))
    backbone = backbone_path(str(adapter.get("base_model_name_or_path", "")))
    labels = AutoConfig.from_pretrained(folder)
    base = AutoModelForSequenceClassification.from_pretrained(
        backbone,
        num_labels=len(labels.id2label),
        id2label=labels.id2label,
        label2id=labels.label2id,
    )
    return PeftModel.from_pretrained(base, folder).merge_and_unload()


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
                if local and (Path(self.model_name) / ADAPTER_CONFIG).is_file():
                    model = load_adapter_model(Path(self.model_name))
                else:
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
