"""What the pipeline needs of a passage store: FAISS today, others beside it."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from verifier.types import Passage


class VectorStore(Protocol):
    """Passages and their unit vectors, searchable by cosine and by BM25, saved as a directory.

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
    def documents(self) -> int: ...

    def add(self, vectors: np.ndarray, passages: Sequence[Passage]) -> None: ...

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

    def save(self, directory: str | Path) -> Path: ...
