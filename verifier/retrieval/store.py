"""What the pipeline needs of a passage store.

Two stores answer it: :class:`~verifier.retrieval.faiss_store.FaissStore` (a
FAISS index in memory, saved as a folder) and
:class:`~verifier.retrieval.milvus_store.MilvusStore` (a Milvus collection).
The pipeline holds a ``VectorStore`` and never asks which;
:func:`verifier.retrieval.opening.open_store` opens either by its URI.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

import numpy as np

from verifier.types import Passage

Chunk = tuple[np.ndarray, Sequence[Passage]]
"""Passages and their unit vectors, one row each, as they come from the embedder."""


class VectorStore(Protocol):
    """Passages and their unit vectors, searchable by cosine and by BM25.

    ``files`` maps each source file to the hash of the content indexed from it,
    so adding a corpus again skips what is already there; ``uploaded`` names
    the sources a user uploaded, which :meth:`remove` may take out again. A passage is known by
    its document, offsets and text, so an add cut short can be finished by
    adding the same passages again.
    """

    dimension: int
    index_type: str
    embedder_id: str
    files: dict[str, str]
    uploaded: set[str]

    @property
    def passages(self) -> Sequence[Passage]:
        """The stored passages in position order (a store may read them as asked for)."""
        ...

    def __len__(self) -> int: ...

    @property
    def documents(self) -> int:
        """Distinct documents stored, counted as they are added (never by reading passages)."""
        ...

    def add(self, vectors: np.ndarray, passages: Sequence[Passage]) -> None:
        """Store one chunk of passages with their vectors (shape ``(len(passages), dimension)``)."""
        ...

    def add_chunks(
        self, chunks: Iterable[Chunk], count: int, lock: AbstractContextManager[object]
    ) -> None:
        """Store ``count`` passages that arrive as chunks while they are embedded.

        The store holds ``lock`` only while it changes, so searches go on
        while the chunks are made. A store may keep each chunk as it comes
        (so an interrupted add keeps what it stored) or keep them all for one
        add at the end (so a failure leaves the store as it was).
        """
        ...

    def remove(self, sources: Collection[str]) -> int:
        """Drop the passages of ``sources`` and their file records; returns the passages dropped."""
        ...

    def unstored(self, passages: Sequence[Passage]) -> list[Passage]:
        """The passages not stored yet, in order, each once: what an add still has to do."""
        ...

    def search(self, vectors: np.ndarray, k: int) -> list[list[tuple[int, float]]]: ...

    @property
    def has_lexical(self) -> bool:
        """Whether :meth:`lexical_search` searches anything (a store saved before it does not)."""
        ...

    def lexical_search(self, texts: Sequence[str], k: int) -> list[list[tuple[int, float]]]:
        """Each text's ``k`` best passages by BM25, as (position, score) pairs, best first."""
        ...

    def vectors(self, positions: Sequence[int]) -> np.ndarray:
        """The stored unit vectors at ``positions``: the cosine of a passage BM25 alone found."""
        ...

    def save(self, location: str | Path | None = None) -> str:
        """Make what was added durable, and say where it is.

        ``None`` is where the store was opened. A store kept in a folder (FAISS)
        may be written to another ``location``; one that lives in one place (a
        Milvus collection) refuses any other.
        """
        ...
