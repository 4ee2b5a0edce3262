"""The Milvus passage store: Milvus Lite in a local file, or a server by URI.

A store is two collections: ``<name>`` holds each passage's vector, its
metadata, its position in insertion order and its BM25 tokens (Milvus's own
full-text search: a ``terms`` field of the tokens of
:func:`verifier.retrieval.lexical.tokenize`, which a BM25 function turns into
a sparse vector; a collection made before it, or on a server older than Milvus
2.5, which has no BM25 function, is searched by vector only); ``<name>_meta`` holds the
embedder id, the dimension, the source file hashes, the sources a user
uploaded and one row per document.
Milvus Lite searches the vectors exactly (FLAT); a server searches an HNSW graph
(``hnsw_m``, ``hnsw_ef_construction`` and ``hnsw_ef`` set it).
Each passage's primary key is a hash of its document, offsets and text, so
adding the same passages again (say, after an interrupted add) skips those
already stored. Passages stay in the collection: opening one reads only its
counts, and passages are read by position when asked for.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import logging
import re
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, overload

import numpy as np

from verifier.errors import IndexFormatError, StoreError
from verifier.retrieval.lexical import lexical_text, tokenize
from verifier.retrieval.store import Chunk
from verifier.types import Passage

logger = logging.getLogger(__name__)

BATCH_SIZE = 512
_READ_PAGE = 16384
"""The most rows one Milvus query returns: the page size when reading every passage."""
_PAGE = 1024
"""Passages read together when one is asked for by position."""
_CACHED_PAGES = 8
_FOUND_KEPT = 8 * _PAGE
"""Passages kept from the last searches (dense and BM25 lists of a batch of claims)."""
_TERMS = "terms"
_TERMS_BM25 = "terms_bm25"
_TEXT_CHARS = 65535
_KEY_CHARS = 64
_META_SUFFIX = "_meta"
_EMBEDDER = "embedder_id"
_DIMENSION = "dimension"
_FILE_PREFIX = "file:"
_UPLOADED_PREFIX = "uploaded:"
_DOCUMENT_PREFIX = "document:"
_LITE_VERSION = "milvus_lite"
"""How Milvus Lite's version string starts (a server's is ``v2.3.5`` and the like)."""
_FIRST_WITH_BM25 = (2, 5)
HNSW_M = 16
"""Graph neighbours per vector on a server: Milvus's usual default."""
HNSW_EF_CONSTRUCTION = 200
"""Candidates kept while building the graph."""
HNSW_EF = 64
"""Candidates kept while searching (at least ``k``): recall against speed."""
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


def has_bm25(server_version: str) -> bool:
    """Whether Milvus of ``server_version`` has the BM25 function: Milvus Lite and servers from 2.5.

    The first ``major.minor`` in the string is the version, so that a managed
    service's longer string ("... Compatible with Milvus 2.5") reads as its Milvus.

    Example:
        >>> has_bm25("v2.3.5-lite"), has_bm25("v2.5.4"), has_bm25("milvus_lite-3.2.2")
        (False, True, True)
    """
    if server_version.startswith(_LITE_VERSION):
        return True
    found = re.search(r"(\d+)\.(\d+)", server_version)
    return found is not None and (int(found[1]), int(found[2])) >= _FIRST_WITH_BM25


def _document_key(doc_id: str) -> str:
    return _DOCUMENT_PREFIX + hashlib.sha256(doc_id.encode("utf-8")).hexdigest()


class _StoredPassages(Sequence[Passage]):
    """A collection's passages by position, read a page at a time as they are asked for.

    The passages the last search found and the last few pages read are
    kept, so memory does not grow with the collection; iterating reads every
    passage, the most a query returns at a time.

    Args:
        read: the passages at positions ``low`` to ``high - 1``, in order.
        count: the passages stored.
    """

    def __init__(self, read: Callable[[int, int], list[Passage]], count: int) -> None:
        self._read = read
        self._count = count
        self._pages: OrderedDict[int, list[Passage]] = OrderedDict()
        self._found: OrderedDict[int, Passage] = OrderedDict()

    def found(self, passages: dict[int, Passage]) -> None:
        """The passages a search returned, by position: reading them asks nothing more.

        The last searches' passages are kept (both lists of a hybrid search), up to ``_FOUND_KEPT``.
        """
        for position, passage in passages.items():
            self._found[position] = passage
            self._found.move_to_end(position)
        while len(self._found) > _FOUND_KEPT:
            self._found.popitem(last=False)

    def grew(self, added: int) -> None:
        """Count passages just stored; the last page read before them is partial, so dropped."""
        self._pages.pop(self._count // _PAGE, None)
        self._count += added

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, position: int) -> Passage: ...
    @overload
    def __getitem__(self, position: slice) -> list[Passage]: ...
    def __getitem__(self, position: int | slice) -> Passage | list[Passage]:
        if isinstance(position, slice):
            return [self[i] for i in range(*position.indices(self._count))]
        if position < 0:
            position += self._count
        if not 0 <= position < self._count:
            raise IndexError(f"passage position {position} out of range (0 to {self._count - 1})")
        if position in self._found:
            return self._found[position]
        number, offset = divmod(position, _PAGE)
        page = self._pages.get(number)
        if page is None:
            page = self._read(number * _PAGE, min((number + 1) * _PAGE, self._count))
            self._pages[number] = page
            if len(self._pages) > _CACHED_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(number)
        return page[offset]

    def __iter__(self) -> Iterator[Passage]:
        count = self._count
        for low in range(0, count, _READ_PAGE):
            yield from self._read(low, min(low + _READ_PAGE, count))

    def __eq__(self, other: object) -> bool:
        """Equal to any sequence of the same passages in the same order (a list, say)."""
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]


class MilvusStore:
    """Passages and their unit vectors in a Milvus collection, searched by inner product.

    Milvus Lite searches exactly (``index_type`` ``"flat"``); a new collection on
    a server gets an HNSW index (``"hnsw"``), and a server's existing collection
    keeps the index it was made with.

    Args:
        uri: a local file path (Milvus Lite, embedded) or ``http(s)://host:port``.
        dimension: vector size.
        embedder_id: the model that made the vectors; a collection made with
            another is refused.
        collection: the collection name.
        token: credentials for a cluster (``"user:password"`` or an API key).
        progress: called with (passages stored, passages in this add) after each batch.
        hnsw_m: graph neighbours per vector of a new HNSW index (more: better
            recall, more memory).
        hnsw_ef_construction: candidates kept while building a new HNSW index.
        hnsw_ef: candidates kept while searching an HNSW index (raised to ``k``
            when ``k`` is larger): more is better recall and slower.

    Raises:
        ValueError: a size or HNSW setting is not positive.
        StoreError: pymilvus is not installed, or ``uri`` cannot be opened.
        IndexFormatError: the collection was made with another embedder or dimension.

    Example:
        >>> store = MilvusStore("index.db", dimension=384, embedder_id="all-MiniLM-L6-v2")
        >>> verifier = Verifier.open(store, "demo_corpus/")
    """

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
        hnsw_m: int = HNSW_M,
        hnsw_ef_construction: int = HNSW_EF_CONSTRUCTION,
        hnsw_ef: int = HNSW_EF,
    ) -> None:
        for name, value in (
            ("dimension", dimension),
            ("batch_size", batch_size),
            ("hnsw_m", hnsw_m),
            ("hnsw_ef_construction", hnsw_ef_construction),
            ("hnsw_ef", hnsw_ef),
        ):
            if value < 1:
                raise ValueError(f"{name} must be positive, got {value}")
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
        self.hnsw_m = hnsw_m
        self.hnsw_ef_construction = hnsw_ef_construction
        self.hnsw_ef = hnsw_ef
        self.files: dict[str, str] = {}
        self.uploaded: set[str] = set()
        self._documents = 0
        self._lexical = True
        try:
            self._client = MilvusClient(self.uri, token=token)
        except MilvusException as error:
            raise StoreError(f"cannot open Milvus at {self.uri!r}: {error.message}") from error
        self._meta = collection + _META_SUFFIX
        self.server_version = self._client.get_server_version()
        if self._client.has_collection(collection):
            # A collection made by another process is released until loaded.
            self._client.load_collection(collection)
            self._validate_meta()
            described = self._client.describe_index(collection, "vector")
            self.index_type = described["index_type"].lower()
            fields = self._client.describe_collection(collection)["fields"]
            self._lexical = _TERMS_BM25 in {field["name"] for field in fields}
            if not self._lexical:
                logger.info(
                    "Milvus collection %r at %s was made without BM25 terms: retrieval is "
                    "dense only; index into a new collection for hybrid retrieval",
                    collection,
                    self.uri,
                )
        else:
            lite = self.server_version.startswith(_LITE_VERSION)
            self.index_type = "flat" if lite else "hnsw"
            self._lexical = has_bm25(self.server_version)
            if not self._lexical:
                logger.info(
                    "Milvus %s at %s has no BM25 function (it came in 2.5): retrieval over "
                    "collection %r is dense only",
                    self.server_version,
                    self.uri,
                    collection,
                )
            self._create()
        rows = self._client.query(collection, filter="", output_fields=["count(*)"])
        self._passages = _StoredPassages(self._read_positions, int(rows[0]["count(*)"]))
        if self._passages and not self._documents:
            self._record_documents_of_an_old_collection()

    @property
    def has_lexical(self) -> bool:
        """Whether the collection has BM25 terms (one made before them has not)."""
        return self._lexical

    @property
    def passages(self) -> Sequence[Passage]:
        """The stored passages in position order, read from the collection as asked for."""
        return self._passages

    def __len__(self) -> int:
        return len(self._passages)

    @property
    def documents(self) -> int:
        """Distinct documents among the stored passages, counted as they are added."""
        return self._documents

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
        if self.index_type == "hnsw":
            index.add_index(
                "vector",
                index_type="HNSW",
                metric_type="IP",
                params={"M": self.hnsw_m, "efConstruction": self.hnsw_ef_construction},
            )
        else:
            index.add_index("vector", index_type="FLAT", metric_type="IP")
        if self._lexical:
            self._add_bm25_terms(schema, index)
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

    @staticmethod
    def _add_bm25_terms(schema: Any, index: Any) -> None:
        from pymilvus import DataType, Function, FunctionType

        # Tokens joined by spaces: Milvus's standard analyzer keeps each whole ("1.2", "50,000").
        schema.add_field(
            _TERMS,
            DataType.VARCHAR,
            max_length=_TEXT_CHARS,
            enable_analyzer=True,
            analyzer_params={"tokenizer": "standard"},
        )
        schema.add_field(_TERMS_BM25, DataType.SPARSE_FLOAT_VECTOR)
        schema.add_function(
            Function(
                name="bm25",
                function_type=FunctionType.BM25,
                input_field_names=[_TERMS],
                output_field_names=[_TERMS_BM25],
            )
        )
        index.add_index(_TERMS_BM25, index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")

    def _create_collection(self, name: str, schema: Any, index: Any) -> None:
        # Not waiting for the index to build: Milvus Lite cannot answer the
        # timestamp request that waiting makes (and logs a traceback for it).
        # Session consistency: a client's reads see its own writes (a server's
        # default, Bounded, may not yet), without waiting on others' as Strong does.
        self._client.create_collection(name, schema=schema, consistency_level="Session")
        self._client.create_index(name, index, sync=False)
        self._client.load_collection(name)

    def _write_meta(self, entries: dict[str, str]) -> None:
        rows = [{"key": k, "value": v, "unused": [0.0, 0.0]} for k, v in entries.items()]
        if rows:
            self._client.upsert(self._meta, rows)

    def _validate_meta(self) -> None:
        if not self._client.has_collection(self._meta):
            raise IndexFormatError(
                f"Milvus collection {self.collection!r} at {self.uri} has no {self._meta!r} "
                "collection recording its embedder: it was not made by this library"
            )
        self._client.load_collection(self._meta)
        documents = f'key like "{_DOCUMENT_PREFIX}%"'
        rows = self._client.query(self._meta, filter=documents, output_fields=["count(*)"])
        self._documents = int(rows[0]["count(*)"])
        rows = self._client.query(
            self._meta, filter=f"not ({documents})", output_fields=["key", "value"]
        )
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
        self.uploaded = {
            key.removeprefix(_UPLOADED_PREFIX) for key in meta if key.startswith(_UPLOADED_PREFIX)
        }

    def _read_positions(self, low: int, high: int) -> list[Passage]:
        """The passages at positions ``low`` to ``high - 1``, in order (at most ``_READ_PAGE``)."""
        rows = self._client.query(
            self.collection,
            filter=f"position >= {low} and position < {high}",
            output_fields=["position", *_PASSAGE_FIELDS],
        )
        if len(rows) != high - low:
            raise IndexFormatError(
                f"Milvus collection {self.collection!r} at {self.uri} is inconsistent: "
                f"{len(rows)} entities at positions {low} to {high - 1}"
            )
        rows.sort(key=lambda row: row["position"])
        return [Passage.from_dict(row) for row in rows]

    def _record_documents_of_an_old_collection(self) -> None:
        """Record the documents of a collection made before they were recorded; once."""
        logger.info("recording the documents of Milvus collection %r", self.collection)
        for low in range(0, len(self._passages), _READ_PAGE):
            rows = self._client.query(
                self.collection,
                filter=f"position >= {low} and position < {low + _READ_PAGE}",
                output_fields=["doc_id"],
            )
            self._record_documents({row["doc_id"] for row in rows})

    def _record_documents(self, doc_ids: set[str]) -> None:
        """Add a row for each document not recorded yet, and count it."""
        keys = {_document_key(doc_id): doc_id for doc_id in doc_ids}
        if not keys:
            return
        known = self._client.get(self._meta, ids=list(keys), output_fields=["key"])
        for row in known:
            del keys[row["key"]]
        self._write_meta(keys)
        self._documents += len(keys)

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
                        "position": len(self._passages) + len(added),
                        "vector": vectors[offset + row_number].tolist(),
                        **passage.to_dict(),
                    }
                )
                added.append(passage)
            if self._lexical:
                terms = tokenize([lexical_text(passage) for passage in added])
                for row, tokens in zip(rows, terms, strict=True):
                    row[_TERMS] = " ".join(tokens)[:_TEXT_CHARS]
            if rows:
                # Documents first: an add stopped between the two leaves no passage uncounted.
                self._record_documents({passage.doc_id for passage in added})
                self._client.insert(self.collection, rows)
                self._passages.grew(len(rows))
            if self.progress is not None:
                self.progress(offset + len(batch), len(passages))
        logger.info("Milvus collection %r holds %d passages", self.collection, len(self._passages))

    def remove(self, sources: Collection[str]) -> int:
        """Delete every passage of ``sources`` and their records; returns the passages deleted.

        The passages after the first one deleted move down to close the gap
        (upserted with their new positions), so positions stay 0..n-1 in order.
        """
        gone = sorted(set(sources))
        if not gone:
            return 0
        names = json.dumps(gone)
        doomed = self._client.query(
            self.collection,
            filter=f"source in {names}",
            output_fields=["key", "position", "doc_id"],
        )
        if doomed:
            removed = sorted(int(row["position"]) for row in doomed)
            fields = ["key", "position", "vector", *_PASSAGE_FIELDS]
            if self._lexical:
                fields.append(_TERMS)
            later = self._client.query(
                self.collection,
                filter=f"position > {removed[0]} and not (source in {names})",
                output_fields=fields,
            )
            self._client.delete(self.collection, ids=[row["key"] for row in doomed])
            for row in later:
                row["position"] = int(row["position"]) - bisect.bisect(removed, row["position"])
            for offset in range(0, len(later), self.batch_size):
                self._client.upsert(self.collection, later[offset : offset + self.batch_size])
            doc_ids = {row["doc_id"] for row in doomed}
            self._client.delete(self._meta, ids=[_document_key(doc_id) for doc_id in doc_ids])
            self._documents -= len(doc_ids)
            self._passages = _StoredPassages(
                self._read_positions, len(self._passages) - len(removed)
            )
        self._client.delete(
            self._meta,
            ids=[prefix + source for source in gone for prefix in (_FILE_PREFIX, _UPLOADED_PREFIX)],
        )
        for source in gone:
            self.files.pop(source, None)
        self.uploaded -= set(gone)
        self._client.flush(self.collection)
        self._client.flush(self._meta)
        return len(doomed)

    def add_chunks(
        self, chunks: Iterable[Chunk], count: int, lock: AbstractContextManager[object]
    ) -> None:
        """Store each chunk as it comes, so a rerun adds only what an interrupted add had not."""
        for vectors, passages in chunks:
            with lock:
                self.add(vectors, passages)

    def search(self, vectors: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
        """The ``k`` nearest passages of each query vector, as (position, cosine) pairs."""
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.dimension)
        if not self._passages or not len(vectors):
            return [[] for _ in range(len(vectors))]
        limit = min(k, len(self._passages))
        search_params: dict[str, Any] = {"metric_type": "IP"}
        if self.index_type == "hnsw":
            # Milvus refuses an ef below the number of hits asked for.
            search_params["params"] = {"ef": max(self.hnsw_ef, limit)}
        # The passages come with the hits: reading a page by position scans the collection.
        results = self._client.search(
            self.collection,
            data=vectors.tolist(),
            anns_field="vector",
            limit=limit,
            output_fields=["position", *_PASSAGE_FIELDS],
            search_params=search_params,
        )
        self._passages.found(
            {
                int(hit["entity"]["position"]): Passage.from_dict(hit["entity"])
                for row in results
                for hit in row
            }
        )
        return [
            [(int(hit["entity"]["position"]), float(hit["distance"])) for hit in row]
            for row in results
        ]

    def lexical_search(self, texts: Sequence[str], k: int) -> list[list[tuple[int, float]]]:
        """Each text's ``k`` best passages by Milvus's BM25, as (position, score) pairs, best first."""
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        if not self._lexical or not self._passages or not texts:
            return [[] for _ in texts]
        results = self._client.search(
            self.collection,
            data=[" ".join(tokens) for tokens in tokenize(texts)],
            anns_field=_TERMS_BM25,
            limit=min(k, len(self._passages)),
            output_fields=["position", *_PASSAGE_FIELDS],
            search_params={"metric_type": "BM25"},
        )
        self._passages.found(
            {
                int(hit["entity"]["position"]): Passage.from_dict(hit["entity"])
                for row in results
                for hit in row
            }
        )
        # Milvus Lite reports a BM25 score negated, a server as it is: the order is best first.
        return [
            [(int(hit["entity"]["position"]), abs(float(hit["distance"]))) for hit in row]
            for row in results
        ]

    def vectors(self, positions: Sequence[int]) -> np.ndarray:
        """The stored unit vectors of the passages at ``positions``, one row each."""
        rows = np.empty((len(positions), self.dimension), dtype=np.float32)
        if not len(positions):
            return rows
        wanted = sorted({int(position) for position in positions})
        found = self._client.query(
            self.collection,
            filter=f"position in {wanted}",
            output_fields=["position", "vector"],
        )
        by_position = {int(row["position"]): row["vector"] for row in found}
        missing = sorted(set(wanted) - set(by_position))
        if missing:
            raise IndexFormatError(
                f"Milvus collection {self.collection!r} at {self.uri} has no passage at "
                f"positions {missing[:5]}"
            )
        for n, position in enumerate(positions):
            rows[n] = by_position[int(position)]
        return rows

    def save(self, location: str | Path | None = None) -> str:
        """Record the source file hashes in the collection and flush it; returns its URI.

        Raises:
            ValueError: ``location`` is given and is not this store's URI: a
                collection lives where it was opened.
        """
        if location is not None and str(location) != self.uri:
            raise ValueError(
                f"a Milvus collection is saved where it lives ({self.uri}), not to {location}"
            )
        self._write_meta({_FILE_PREFIX + source: digest for source, digest in self.files.items()})
        self._write_meta({_UPLOADED_PREFIX + source: "" for source in self.uploaded})
        self._client.flush(self.collection)
        self._client.flush(self._meta)
        return self.uri
