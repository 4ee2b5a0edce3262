"""What the pipeline needs of a passage store, and opening one by its URI.

Two stores answer it: :class:`~verifier.retrieval.faiss_store.FaissStore` (a
FAISS index in memory, saved as a folder) and
:class:`~verifier.retrieval.milvus_store.MilvusStore` (a Milvus collection).
The pipeline holds a ``VectorStore`` and never asks which.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from verifier.types import Passage

if TYPE_CHECKING:
    from verifier.retrieval.faiss_store import FaissStore
    from verifier.retrieval.milvus_store import MilvusStore

Chunk = tuple[np.ndarray, Sequence[Passage]]
"""Passages and their unit vectors, one row each, as they come from the embedder."""

MILVUS_SCHEME = "milvus://"
STORE_KINDS = ("faiss", "milvus")


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


def store_kind(uri: str | Path) -> str:
    """``"milvus"`` for ``milvus://``, ``http(s)://`` or a ``.db`` file; ``"faiss"`` for a folder."""
    text = str(uri)
    if text.startswith((MILVUS_SCHEME, "http://", "https://")) or text.endswith(".db"):
        return "milvus"
    return "faiss"


def open_store(
    uri: str | Path,
    *,
    dimension: int,
    embedder_id: str,
    kind: str | None = None,
    index_type: str | None = None,
    collection: str = "passages",
    token: str = "",
    create: bool = True,
) -> FaissStore | MilvusStore:
    """The store at ``uri``, opened for reading and adding; a new, empty one where none is yet.

    Args:
        uri: a folder (a FAISS index written by ``save``), a Milvus Lite file
            ending in ``.db``, or a Milvus server as ``milvus://host:port``
            (or ``http(s)://host:port``).
        dimension: the embedder's vector size; a store of another is refused.
        embedder_id: the embedder in use; a store made with another is refused.
        kind: ``"faiss"`` or ``"milvus"`` where the URI does not say (a Milvus
            Lite file named otherwise); ``None`` reads it from the URI.
        index_type: a new FAISS store's index (see ``FaissStore``); ``None``
            picks one by the size of the first add.
        collection: the Milvus collection's name.
        token: a Milvus server's credentials.
        create: make a new FAISS store where ``uri`` holds none (else that is an
            error); a Milvus collection is always made where it is missing.

    Raises:
        ValueError: ``kind`` is not a store kind, or ``index_type`` is given for Milvus.
        IndexFormatError: the store was made with another embedder or dimension, or is corrupt.
        StoreError: pymilvus is missing, or the Milvus URI cannot be opened.
    """
    kind = kind or store_kind(uri)
    if kind not in STORE_KINDS:
        raise ValueError(f"kind must be one of {STORE_KINDS}, got {kind!r}")
    if kind == "milvus":
        if index_type not in (None, "flat"):
            raise ValueError(f"a Milvus collection is searched exactly; index_type {index_type!r}")
        from verifier.retrieval.milvus_store import MilvusStore

        text = str(uri)
        if text.startswith(MILVUS_SCHEME):
            text = "http://" + text.removeprefix(MILVUS_SCHEME)
        return MilvusStore(text, dimension, embedder_id, collection=collection, token=token)
    from verifier.retrieval.faiss_store import FaissStore

    if not create or FaissStore.is_index_folder(uri):
        return FaissStore.load(uri, embedder_id=embedder_id, dimension=dimension)
    return FaissStore(dimension, index_type, embedder_id, location=uri)
