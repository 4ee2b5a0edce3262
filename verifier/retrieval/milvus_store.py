"""The Milvus passage store: Milvus Lite in a local file, or a cluster by URI.

A store is two collections: ``<name>`` holds each passage's vector, its
metadata and its position in insertion order; ``<name>_meta`` holds the
embedder id, the dimension and the source file hashes. Each passage's primary
key is a hash of its document, offsets and text, so adding the same passages
again (say, after an interrupted add) skips those already stored.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from verifier.errors import IndexFormatError, StoreError
from verifier.types import Passage

logger = logging.getLogger(__name__)

BATCH_SIZE = 512
_READ_PAGE = 16384
"""The most rows one Milvus query returns."""
_TEXT_CHARS = 65535
_KEY_CHARS = 64
_META_SUFFIX = "_meta"
_EMBEDDER = "embedder_id"
_DIMENSION = "dimension"
_FILE_PREFIX = "file:"
_PASSAGE_FIELDS = (
    "doc_id",
    "source",
    "title",
    "text",
    "start",
    "end",
    "context_before",
    "context_after",
)


def passage_key(passage: Passage) -> str:
    """A passage's primary key: the same passage always gets the same key."""
    identity = json.dumps([passage.doc_id, passage.start, passage.end, passage.text])
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()


class MilvusStore:
    """Passages and their unit vectors in a Milvus collection, searched by inner product.

    Args:
        uri: a local file path (Milvus Lite, embedded) or ``http(s)://host:port``.
        dimension: vector size.
        embedder_id: the model that made the vectors; a collection made with
            another is refused.
        collection: the collection name.
        token: credentials for a cluster (``"user:password"`` or an API key).
        progress: called with (passages stored, passages in this add) after each batch.

    Raises:
        StoreError: pymilvus is not installed, or ``uri`` cannot be opened.
        IndexFormatError: the collection was made with another embedder or dimension.

    Example:
        >>> store = MilvusStore("index.db", dimension=384, embedder_id="all-MiniLM-L6-v2")
        >>> verifier = Verifier.from_corpus("demo_corpus/", store=store)
    """

    index_type = "flat"

    def __init__(
        self,
        uri: str | Path,
        dimension: int,
        embedder_id: str,
        *,
        collection: str = "passages",
        token: str = "",
        batch_size: int = BATCH_SIZE,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        if dimension < 1:
            raise ValueError(f"dimension must be positive, got {dimension}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        try:
            from pymilvus import MilvusClient, MilvusException
        except ImportError as error:
            raise StoreError(
                'the Milvus store needs pymilvus and milvus-lite: pip install -e ".[milvus]"'
            ) from error

        self.uri = str(uri)
        self.dimension = dimension
        self.embedder_id = embedder_id
        self.collection = collection
        self.batch_size = batch_size
        self.progress = progress
        self.files: dict[str, str] = {}
        try:
            self._client = MilvusClient(self.uri, token=token)
        except MilvusException as error:
            raise StoreError(f"cannot open Milvus at {self.uri!r}: {error.message}") from error
        self._meta = collection + _META_SUFFIX
        if self._client.has_collection(collection):
            # A collection made by another process is released until loaded.
            self._client.load_collection(collection)
            self._check_meta()
        else:
            self._create()
        self.passages: list[Passage] = self._read_passages()

    def __len__(self) -> int:
        return len(self.passages)

    @property
    def documents(self) -> int:
        return len({passage.doc_id for passage in self.passages})

    def close(self) -> None:
        self._client.close()

    def _create(self) -> None:
        from pymilvus import DataType

        schema = self._client.create_schema(auto_id=False)
        schema.add_field("key", DataType.VARCHAR, is_primary=True, max_length=_KEY_CHARS)
        schema.add_field("position", DataType.INT64)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=self.dimension)
        for name in _PASSAGE_FIELDS:
            if name in ("start", "end"):
                schema.add_field(name, DataType.INT64)
            else:
                schema.add_field(name, DataType.VARCHAR, max_length=_TEXT_CHARS)
        index = self._client.prepare_index_params()
        index.add_index("vector", index_type="FLAT", metric_type="IP")
        self._create_collection(self.collection, schema, index)

        meta = self._client.create_schema(auto_id=False)
        meta.add_field("key", DataType.VARCHAR, is_primary=True, max_length=_TEXT_CHARS)
        meta.add_field("value", DataType.VARCHAR, max_length=_TEXT_CHARS)
        # Milvus requires a vector field in every collection; this one is unused.
        meta.add_field("unused", DataType.FLOAT_VECTOR, dim=2)
        meta_index = self._client.prepare_index_params()
        meta_index.add_index("unused", index_type="FLAT", metric_type="L2")
        self._create_collection(self._meta, meta, meta_index)
        self._write_meta({_EMBEDDER: self.embedder_id, _DIMENSION: str(self.dimension)})

    def _create_collection(self, name: str, schema: Any, index: Any) -> None:
        # Not waiting for the index to build: Milvus Lite cannot answer the
        # timestamp request that waiting makes (and logs a traceback for it).
        self._client.create_collection(name, schema=schema)
        self._client.create_index(name, index, sync=False)
        self._client.load_collection(name)

    def _write_meta(self, entries: dict[str, str]) -> None:
        rows = [{"key": k, "value": v, "unused": [0.0, 0.0]} for k, v in entries.items()]
        if rows:
            self._client.upsert(self._meta, rows)

    def _check_meta(self) -> None:
        if not self._client.has_collection(self._meta):
            raise IndexFormatError(
                f"Milvus collection {self.collection!r} at {self.uri} has no {self._meta!r} "
                "collection recording its embedder: it was not made by this library"
            )
        self._client.load_collection(self._meta)
        rows = self._client.query(self._meta, filter='key != ""', output_fields=["key", "value"])
        meta = {row["key"]: row["value"] for row in rows}
        stored = meta.get(_EMBEDDER)
        if stored != self.embedder_id:
            raise IndexFormatError(
                f"Milvus collection {self.collection!r} at {self.uri} was built with embedder "
                f"{stored!r}, but {self.embedder_id!r} is in use: rebuild it or use another collection"
            )
        if meta.get(_DIMENSION) != str(self.dimension):
            raise IndexFormatError(
                f"Milvus collection {self.collection!r} at {self.uri} has dimension "
                f"{meta.get(_DIMENSION)}, the embedder gives {self.dimension}"
            )
        self.files = {
            key.removeprefix(_FILE_PREFIX): value
            for key, value in meta.items()
            if key.startswith(_FILE_PREFIX)
        }

    def _read_passages(self) -> list[Passage]:
        """Every stored passage, in position order, read a page at a time."""
        rows = self._client.query(self.collection, filter="", output_fields=["count(*)"])
        count = int(rows[0]["count(*)"])
        passages: list[Passage] = []
        # Each query scans the collection, so pages are as large as Milvus returns.
        for low in range(0, count, _READ_PAGE):
            page = self._client.query(
                self.collection,
                filter=f"position >= {low} and position < {low + _READ_PAGE}",
                output_fields=["position", *_PASSAGE_FIELDS],
            )
            page.sort(key=lambda row: row["position"])
            passages.extend(Passage.from_dict(row) for row in page)
        if len(passages) != count:
            raise IndexFormatError(
                f"Milvus collection {self.collection!r} at {self.uri} is inconsistent: "
                f"{count} entities, {len(passages)} at positions 0 to {count - 1}"
            )
        return passages

    def _stored_keys(self, keys: list[str]) -> set[str]:
        rows = self._client.get(self.collection, ids=keys, output_fields=["key"])
        return {row["key"] for row in rows}

    def unstored(self, passages: Sequence[Passage]) -> list[Passage]:
        """The passages not in the collection, in order, each once; asked a batch at a time."""
        seen: set[str] = set()
        pending = []
        for offset in range(0, len(passages), self.batch_size):
            batch = passages[offset : offset + self.batch_size]
            keys = [passage_key(passage) for passage in batch]
            seen |= self._stored_keys(keys)
            for key, passage in zip(keys, batch, strict=True):
                if key not in seen:
                    seen.add(key)
                    pending.append(passage)
        return pending

    def add(self, vectors: np.ndarray, passages: Sequence[Passage]) -> None:
        """Store passages with their vectors, a batch at a time, skipping those already stored.

        Each batch is stored whole or not at all, so an add that stops part way
        can be run again with the same passages to finish it.
        """
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape != (len(passages), self.dimension):
            raise ValueError(
                f"expected vectors of shape ({len(passages)}, {self.dimension}), got {vectors.shape}"
            )
        seen: set[str] = set()
        for offset in range(0, len(passages), self.batch_size):
            batch = passages[offset : offset + self.batch_size]
            keys = [passage_key(passage) for passage in batch]
            stored = self._stored_keys(keys)
            rows: list[dict[str, Any]] = []
            added: list[Passage] = []
            for row_number, (key, passage) in enumerate(zip(keys, batch, strict=True)):
                if key in stored or key in seen:
                    continue
                seen.add(key)
                rows.append(
                    {
                        "key": key,
                        "position": len(self.passages) + len(added),
                        "vector": vectors[offset + row_number].tolist(),
                        **passage.to_dict(),
                    }
                )
                added.append(passage)
            if rows:
                self._client.insert(self.collection, rows)
                self.passages.extend(added)
            if self.progress is not None:
                self.progress(offset + len(batch), len(passages))
        logger.info("Milvus collection %r holds %d passages", self.collection, len(self.passages))

    def search(self, vectors: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
        """The ``k`` nearest passages of each query vector, as (position, cosine) pairs."""
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.dimension)
        if not self.passages or not len(vectors):
            return [[] for _ in range(len(vectors))]
        results = self._client.search(
            self.collection,
            data=vectors.tolist(),
            limit=min(k, len(self.passages)),
            output_fields=["position"],
            search_params={"metric_type": "IP"},
        )
        return [
            [(int(hit["entity"]["position"]), float(hit["distance"])) for hit in row]
            for row in results
        ]

    def save(self, directory: str | Path | None = None) -> Path:
        """Record the source file hashes in the collection; the passages are stored already.

        ``directory`` is unused: the collection at ``uri`` is where the store lives.
        """
        self._write_meta({_FILE_PREFIX + source: digest for source, digest in self.files.items()})
        self._client.flush(self.collection)
        self._client.flush(self._meta)
        return Path(self.uri)
