"""Opening a passage store by its URI: a folder for FAISS, a ``.db`` file or ``milvus://`` for Milvus."""

from __future__ import annotations

from pathlib import Path

from verifier.registry import EMBEDDER_ALIASES
from verifier.retrieval.faiss_store import FaissStore
from verifier.retrieval.milvus_store import HNSW_EF, MilvusStore

MILVUS_SCHEME = "milvus://"
STORE_KINDS = ("faiss", "milvus")


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
    hnsw_ef: int = HNSW_EF,
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
        hnsw_ef: candidates kept while searching a Milvus server's HNSW index.
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
            raise ValueError(
                f"a Milvus collection's index is Milvus's (FLAT in Milvus Lite, HNSW on a "
                f"server); index_type {index_type!r} is FAISS's"
            )
        text = str(uri)
        if text.startswith(MILVUS_SCHEME):
            text = "http://" + text.removeprefix(MILVUS_SCHEME)
        return MilvusStore(
            text, dimension, embedder_id, collection=collection, token=token, hnsw_ef=hnsw_ef
        )
    if not create or FaissStore.is_index_folder(uri):
        return FaissStore.load(uri, embedder_id=embedder_id, dimension=dimension)
    return FaissStore(dimension, index_type, embedder_id, location=uri)


def recorded_embedder(uri: str | Path | None) -> str | None:
    """The embedder a saved FAISS index at ``uri`` was built with, where it loads here.

    That is an id the project knows (``EMBEDDER_ALIASES``) or a folder that
    exists; ``None`` otherwise, and for a Milvus collection, which is opened
    with the embedder asked for and refused if it holds another's vectors.
    """
    if uri is None or store_kind(uri) != "faiss":
        return None
    recorded = FaissStore.recorded_embedder(uri)
    if recorded is None or not (recorded in EMBEDDER_ALIASES or Path(recorded).is_dir()):
        return None
    return recorded
