"""A private overlay over a shared store: searches both, adds only to the overlay."""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import overload

import numpy as np

from verifier.errors import IndexWriteError
from verifier.retrieval.store import Chunk, VectorStore
from verifier.types import Passage


class _Joined(Sequence[Passage]):
    """The base's passages followed by the overlay's, without copying either."""

    def __init__(self, base: Sequence[Passage], overlay: Sequence[Passage]) -> None:
        self._base = base
        self._overlay = overlay

    def __len__(self) -> int:
        return len(self._base) + len(self._overlay)

    @overload
    def __getitem__(self, position: int) -> Passage: ...
    @overload
    def __getitem__(self, position: slice) -> list[Passage]: ...
    def __getitem__(self, position: int | slice) -> Passage | list[Passage]:
        if isinstance(position, slice):
            return [self[i] for i in range(*position.indices(len(self)))]
        if position < 0:
            position += len(self)
        if position < len(self._base):
            return self._base[position]
        return self._overlay[position - len(self._base)]

    def __iter__(self) -> Iterator[Passage]:
        yield from self._base
        yield from self._overlay


class LayeredStore:
    """A shared store that is only read, with a private store on top that takes every add.

    Positions below ``len(base)`` are the base's passages, the rest the
    overlay's; a search merges both stores' hits by score. The caller holds
    one lock over both while adding or searching (the pipeline's index lock),
    so the base does not grow between a search and reading its passages.

    Args:
        base: the shared store (never written through this object).
        overlay: the private store, of the same dimension.
    """

    def __init__(self, base: VectorStore, overlay: VectorStore) -> None:
        if overlay.dimension != base.dimension:
            raise ValueError(
                f"the overlay's dimension {overlay.dimension} differs from the base's "
                f"{base.dimension}"
            )
        self.base = base
        self.overlay = overlay
        self.dimension = base.dimension
        self.index_type = base.index_type
        self.embedder_id = base.embedder_id

    @property
    def passages(self) -> Sequence[Passage]:  # type: ignore[override]
        return _Joined(self.base.passages, self.overlay.passages)

    @property
    def files(self) -> ChainMap[str, str]:  # type: ignore[override]
        """Source hashes of both stores; an update goes to the overlay's."""
        return ChainMap(self.overlay.files, self.base.files)

    @property
    def uploaded(self) -> set[str]:  # type: ignore[override]
        """The overlay's uploads: everything added through this store."""
        return self.overlay.uploaded

    def __len__(self) -> int:
        return len(self.base) + len(self.overlay)

    @property
    def documents(self) -> int:
        """Both stores' counts: an add leaves out what the base holds, so none is counted twice."""
        return self.base.documents + self.overlay.documents

    def add(self, vectors: np.ndarray, passages: Sequence[Passage]) -> None:
        self.overlay.add(vectors, passages)

    def remove(self, sources: Collection[str]) -> int:
        """Drop overlay sources; the shared base is never changed through this store.

        Raises:
            ValueError: a source is the base's.
        """
        shared = sorted(source for source in sources if source in self.base.files)
        if shared:
            raise ValueError(
                f"{shared[0]} is in the shared corpus; a private workspace removes only its own"
            )
        return self.overlay.remove(sources)

    def add_chunks(
        self, chunks: Iterable[Chunk], count: int, lock: AbstractContextManager[object]
    ) -> None:
        self.overlay.add_chunks(chunks, count, lock)

    def unstored(self, passages: Sequence[Passage]) -> list[Passage]:
        return self.overlay.unstored(self.base.unstored(passages))

    def _merged(
        self, base: list[list[tuple[int, float]]], overlay: list[list[tuple[int, float]]], k: int
    ) -> list[list[tuple[int, float]]]:
        """Each query's hits in both stores, the overlay's at its positions here, best ``k`` first."""
        offset = len(self.base)
        merged = []
        for base_hits, overlay_hits in zip(base, overlay, strict=True):
            hits = base_hits + [(offset + position, score) for position, score in overlay_hits]
            merged.append(sorted(hits, key=lambda hit: -hit[1])[:k])
        return merged

    def search(self, vectors: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
        return self._merged(self.base.search(vectors, k), self.overlay.search(vectors, k), k)

    @property
    def has_lexical(self) -> bool:
        return self.base.has_lexical and self.overlay.has_lexical

    def lexical_search(self, texts: Sequence[str], k: int) -> list[list[tuple[int, float]]]:
        """Both stores' BM25 hits merged by score (each store's statistics are its own)."""
        return self._merged(
            self.base.lexical_search(texts, k), self.overlay.lexical_search(texts, k), k
        )

    def vectors(self, positions: Sequence[int]) -> np.ndarray:
        offset = len(self.base)
        rows = np.empty((len(positions), self.dimension), dtype=np.float32)
        base = [n for n, position in enumerate(positions) if position < offset]
        overlay = [n for n, position in enumerate(positions) if position >= offset]
        if base:
            rows[base] = self.base.vectors([positions[n] for n in base])
        if overlay:
            rows[overlay] = self.overlay.vectors([positions[n] - offset for n in overlay])
        return rows

    def save(self, location: str | Path | None = None) -> str:
        raise IndexWriteError("a private workspace is never saved; it lives only in memory")
