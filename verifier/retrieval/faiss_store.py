"""The FAISS passage store, and saving / loading it as a directory.

An index directory holds ``CURRENT`` (the name of the live version) and one
folder per version with ``index.faiss``, ``passages.jsonl``, the BM25 index
in ``lexical/`` and ``manifest.json``. A save writes a new version folder and
then swaps ``CURRENT`` with an atomic rename, so a crash mid-save leaves the
old index usable. Passages are JSON, never pickle; the manifest records the
embedder, dimension, counts, format version, source file hashes and checksums
of every data file, which loading verifies, and which sources a user uploaded
(version 3). A version 1 folder (saved before the lexical index) still loads,
and is searched by vector only; a version 2 folder loads with no uploads.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import re
import shutil
import tempfile
from collections.abc import Collection, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from verifier.errors import IndexFormatError, IndexWriteError
from verifier.records import write_atomically
from verifier.retrieval.lexical import FILES as LEXICAL_FILES
from verifier.retrieval.lexical import SETTINGS_FILE as LEXICAL_SETTINGS
from verifier.retrieval.lexical import LexicalIndex, lexical_text
from verifier.retrieval.store import Chunk
from verifier.types import Passage

logger = logging.getLogger(__name__)

FORMAT_VERSION = 3
# Version 1 had no lexical index; it loads, searched by vector only. Version 2
# did not record uploads; it loads with none.
_READABLE_VERSIONS = (1, 2, FORMAT_VERSION)
INDEX_TYPES = ("flat", "hnsw", "ivf")
AUTO = "auto"
"""An index type chosen by the size of the first add (:func:`choose_index_type`)."""
FLAT_UP_TO = 100_000
"""The most passages searched exactly; past this, HNSW (recall about 0.99, far faster)."""
_CURRENT = "CURRENT"
_MANIFEST = "manifest.json"
_FAISS = "index.faiss"
_PASSAGES = "passages.jsonl"
_LEXICAL = "lexical"
_LEXICAL_CHECKSUMS = frozenset(f"{_LEXICAL}/{name}" for name in LEXICAL_FILES)
# Written first into every version folder, so a save only ever deletes folders it made.
_VERSION_MARK = ".verifier-index-version"
_VERSION_NAME = re.compile(r"v-[A-Za-z0-9_]{1,64}")
_TEMPORARY_NAME = re.compile(r"v-[a-z0-9_]{8}")
_MAX_DIMENSION = 65536
_MAX_CURRENT_BYTES = 256
HNSW_NEIGHBOURS = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128
IVF_PROBE_FRACTION = 0.05
# k-means sees at most this many vectors per list: enough for good centroids, far faster at 1M.
IVF_TRAINING_POINTS_PER_LIST = 64


@dataclass(frozen=True)
class Manifest:
    """What an index directory holds and how it was built."""

    format_version: int
    embedder_id: str
    dimension: int
    index_type: str
    passages: int
    documents: int
    files: dict[str, str]
    checksums: dict[str, str]
    uploaded: tuple[str, ...] = ()
    """The sources a user uploaded (the rest came with the server)."""

    @classmethod
    def from_dict(cls, data: object, where: Path) -> Manifest:
        """Read a manifest's JSON, checking each field's type and range.

        Raises:
            IndexFormatError: naming the field at fault.
        """
        if not isinstance(data, dict):
            raise IndexFormatError(f"index manifest at {where} is corrupt: not a JSON object")
        missing = sorted(_MANIFEST_FIELDS - _OPTIONAL_FIELDS - set(data))
        unknown = sorted(set(data) - _MANIFEST_FIELDS)
        if missing or unknown:
            raise IndexFormatError(
                f"index manifest at {where} is corrupt: "
                + "; ".join(
                    part
                    for part in (
                        f"missing {', '.join(missing)}" if missing else "",
                        f"unknown {', '.join(unknown)}" if unknown else "",
                    )
                    if part
                )
            )

        def bad(name: str, expected: str) -> IndexFormatError:
            return IndexFormatError(
                f"index manifest at {where} is corrupt: {name} must be {expected}, "
                f"got {str(data[name])[:80]!r}"
            )

        for name in ("format_version", "dimension", "passages", "documents"):
            value = data[name]
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise bad(name, "a whole number, 0 or more")
        if data["dimension"] < 1 or data["dimension"] > _MAX_DIMENSION:
            raise bad("dimension", f"between 1 and {_MAX_DIMENSION}")
        if data["documents"] > data["passages"]:
            raise bad("documents", "at most the number of passages")
        if not isinstance(data["embedder_id"], str):
            raise bad("embedder_id", "text")
        if data["index_type"] not in (*INDEX_TYPES, AUTO):
            raise bad("index_type", f"one of {', '.join((*INDEX_TYPES, AUTO))}")
        for name in ("files", "checksums"):
            value = data[name]
            if not isinstance(value, dict) or not all(
                isinstance(key, str) and isinstance(item, str) for key, item in value.items()
            ):
                raise bad(name, "an object of text to text")
        if (
            not set(data["checksums"]) <= {_FAISS, _PASSAGES} | _LEXICAL_CHECKSUMS
            or _PASSAGES not in data["checksums"]
        ):
            raise bad("checksums", f"checksums of {_PASSAGES} (and {_FAISS}, {_LEXICAL}/)")
        uploaded = data.get("uploaded", [])
        if not isinstance(uploaded, list) or not all(
            isinstance(source, str) and source in data["files"] for source in uploaded
        ):
            raise bad("uploaded", "a list of the sources in files")
        return cls(**{**data, "uploaded": tuple(uploaded)})

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": self.format_version,
            "embedder_id": self.embedder_id,
            "dimension": self.dimension,
            "index_type": self.index_type,
            "passages": self.passages,
            "documents": self.documents,
            "files": dict(self.files),
            "checksums": dict(self.checksums),
            "uploaded": list(self.uploaded),
        }


_MANIFEST_FIELDS = frozenset(Manifest.__dataclass_fields__)
_OPTIONAL_FIELDS = frozenset({"uploaded"})


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _ivf_lists(count: int) -> int:
    """Inverted lists for IVF: ~4·sqrt(n), with at least 39 training points per list."""
    return max(1, min(int(4 * math.sqrt(count)), count // 39))


def choose_index_type(count: int) -> str:
    """The index for a store whose first add holds ``count`` passages: exact while that is cheap."""
    return "flat" if count <= FLAT_UP_TO else "hnsw"


def _identity(passage: Passage) -> tuple[str, int, int, str]:
    return (passage.doc_id, passage.start, passage.end, passage.text)


class FlatStaging:
    """A flat FAISS index of ``count`` zero vectors and a writable view of them.

    Filled a chunk at a time as passages are embedded, it becomes the index's
    storage (:meth:`FaissStore.add_chunks`): the vectors are allocated once,
    at their final size, where adding chunk by chunk would grow the storage by
    doubling and copy it.
    """

    def __init__(self, dimension: int, count: int) -> None:
        import faiss

        self.faiss = faiss.IndexFlatIP(dimension)
        self.faiss.codes.resize(count * dimension * np.dtype(np.float32).itemsize)
        self.faiss.ntotal = count
        # A view into the index's own memory: it lives as long as self.faiss.
        self.vectors = faiss.rev_swig_ptr(self.faiss.get_xb(), count * dimension).reshape(
            count, dimension
        )


class FaissStore:
    """The FAISS store: passages and their unit vectors in memory, searchable by inner product (= cosine).

    Args:
        dimension: vector size.
        index_type: ``"flat"`` (exact), ``"hnsw"`` (graph, approximate),
            ``"ivf"`` (inverted lists, approximate; trained on the first add),
            or ``None`` / ``"auto"`` to pick by the size of the first add
            (:func:`choose_index_type`).
        embedder_id: the model that made the vectors, checked on load.
        location: the folder :meth:`save` writes to by default.
    """

    def __init__(
        self,
        dimension: int,
        index_type: str | None = None,
        embedder_id: str = "",
        *,
        location: str | Path | None = None,
    ) -> None:
        index_type = index_type or AUTO
        if index_type not in (*INDEX_TYPES, AUTO):
            raise ValueError(
                f"index_type must be one of {(*INDEX_TYPES, AUTO)}, got {index_type!r}"
            )
        if dimension < 1:
            raise ValueError(f"dimension must be positive, got {dimension}")
        self.dimension = dimension
        self.index_type = index_type
        self.embedder_id = embedder_id
        self.location = None if location is None else Path(location)
        self.passages: list[Passage] = []
        self.files: dict[str, str] = {}
        self.uploaded: set[str] = set()
        # Counted as passages are added, so neither a count nor an add reads them all.
        self._doc_ids: set[str] = set()
        self._identities: set[tuple[str, int, int, str]] = set()
        self._faiss = None
        # None only for an index loaded from a folder saved without one.
        self._lexical: LexicalIndex | None = LexicalIndex.build([])

    def __len__(self) -> int:
        return len(self.passages)

    @property
    def documents(self) -> int:
        return len(self._doc_ids)

    @staticmethod
    def is_index_folder(location: str | Path) -> bool:
        """Whether ``location`` holds a saved index (its ``CURRENT`` file)."""
        return (Path(location) / _CURRENT).is_file()

    @staticmethod
    def recorded_embedder(location: str | Path) -> str | None:
        """The embedder id a saved index records; ``None`` where there is no readable one.

        Only a peek, so that a caller can open the index with the embedder that
        made it: :meth:`load` checks the whole folder and reports what is wrong.
        """
        try:
            _, data = _manifest_data(Path(location))
        except IndexFormatError:
            return None
        recorded = data.get("embedder_id") if isinstance(data, dict) else None
        return recorded if isinstance(recorded, str) and recorded else None

    def _settle_index_type(self, count: int) -> None:
        """Pick the index type by the first add's size, where none was asked for."""
        if self.index_type == AUTO and self._faiss is None:
            self.index_type = choose_index_type(count)
            logger.info("picked a %s index for %d passages", self.index_type, count)

    def _extend(self, passages: Sequence[Passage]) -> None:
        self.passages.extend(passages)
        self._doc_ids.update(passage.doc_id for passage in passages)
        self._identities.update(_identity(passage) for passage in passages)
        self._index_words(passages)

    def _new_faiss(self, training: np.ndarray):
        import faiss

        if self.index_type == "flat":
            return faiss.IndexFlatIP(self.dimension)
        if self.index_type == "hnsw":
            index = faiss.IndexHNSWFlat(self.dimension, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            return index
        lists = _ivf_lists(len(training))
        quantizer = faiss.IndexFlatIP(self.dimension)
        index = faiss.IndexIVFFlat(quantizer, self.dimension, lists, faiss.METRIC_INNER_PRODUCT)
        sample = IVF_TRAINING_POINTS_PER_LIST * lists
        if len(training) > sample:
            rows = np.random.default_rng(0).choice(len(training), sample, replace=False)
            training = training[np.sort(rows)]
        index.train(training)
        return index

    def _set_search_parameters(self) -> None:
        """Search-time knobs that a FAISS file does not keep."""
        if self.index_type == "hnsw" and self._faiss is not None:
            self._faiss.hnsw.efSearch = HNSW_EF_SEARCH
        if self.index_type == "ivf" and self._faiss is not None:
            self._faiss.nprobe = max(1, math.ceil(self._faiss.nlist * IVF_PROBE_FRACTION))
            # So a passage found by BM25 alone can be given its cosine (:meth:`vectors`).
            self._faiss.make_direct_map()

    def _index_words(self, added: Sequence[Passage]) -> None:
        """Tokenise the passages just added into the lexical index (it refits once, when next searched).

        An index read from disk keeps no tokens, so on its first add every
        passage is tokenised once; after that only the new ones are.
        """
        if self._lexical is None:
            return
        if self._lexical.can_grow:
            self._lexical.add([lexical_text(passage) for passage in added])
        else:
            self._lexical = LexicalIndex.build([lexical_text(p) for p in self.passages])

    @property
    def has_lexical(self) -> bool:
        """Whether a BM25 index covers the passages (not in a folder saved before it existed)."""
        return self._lexical is not None

    def add(self, vectors: np.ndarray, passages: Sequence[Passage]) -> None:
        """Append passages with their vectors (shape ``(len(passages), dimension)``)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape != (len(passages), self.dimension):
            raise ValueError(
                f"expected vectors of shape ({len(passages)}, {self.dimension}), got {vectors.shape}"
            )
        if not passages:
            return
        self._settle_index_type(len(passages))
        if self._faiss is None:
            self._faiss = self._new_faiss(vectors)
            self._set_search_parameters()
        self._faiss.add(vectors)
        self._extend(passages)

    def add_chunks(
        self, chunks: Iterable[Chunk], count: int, lock: AbstractContextManager[object]
    ) -> None:
        """Store ``count`` passages once every chunk is in: a failure part-way adds nothing.

        The vectors are written in place, into a flat index's own storage
        (held once, never copied) or into one array that other indexes take in
        a single add (an IVF index is trained on its first add and must see
        the whole corpus).
        """
        if not count:
            return
        with lock:
            self._settle_index_type(count)
        staging = FlatStaging(self.dimension, count) if self.index_type == "flat" else None
        vectors = (
            staging.vectors
            if staging is not None
            else np.empty((count, self.dimension), dtype=np.float32)
        )
        passages: list[Passage] = []
        for chunk_vectors, chunk in chunks:
            vectors[len(passages) : len(passages) + len(chunk)] = chunk_vectors
            passages.extend(chunk)
        if len(passages) != count:
            raise ValueError(f"expected {count} passages in the chunks, got {len(passages)}")
        with lock:
            if staging is None:
                self.add(vectors, passages)
            elif self._faiss is None or self._faiss.ntotal == 0:
                # An empty index takes the staged vectors as they are.
                self._faiss = staging.faiss
                self._extend(passages)
            else:
                self._faiss.add(staging.vectors)
                self._extend(passages)

    def unstored(self, passages: Sequence[Passage]) -> list[Passage]:
        """The passages not in this index, in order, each once."""
        seen: set[tuple[str, int, int, str]] = set()
        pending = []
        for passage in passages:
            identity = _identity(passage)
            if identity not in seen and identity not in self._identities:
                seen.add(identity)
                pending.append(passage)
        return pending

    def remove(self, sources: Collection[str]) -> int:
        """Drop every passage of ``sources`` and their records; returns the passages dropped.

        The FAISS index is rebuilt from the vectors kept (an IVF index is
        trained again on them), so positions stay 0..n-1 in order.
        """
        gone = set(sources)
        keep = [n for n, passage in enumerate(self.passages) if passage.source not in gone]
        dropped = len(self.passages) - len(keep)
        if dropped:
            vectors = self.vectors(keep)
            kept = [self.passages[n] for n in keep]
            self.passages, self._doc_ids, self._identities = [], set(), set()
            self._faiss = None
            if self._lexical is not None:
                self._lexical = LexicalIndex.build([])
            if keep:
                self._faiss = self._new_faiss(vectors)
                self._set_search_parameters()
                self._faiss.add(vectors)
            self._extend(kept)
        for source in gone:
            self.files.pop(source, None)
        self.uploaded -= gone
        return dropped

    def search(self, vectors: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
        """The ``k`` nearest passages of each query vector, as (position, cosine) pairs."""
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.dimension)
        if self._faiss is None or not self.passages:
            return [[] for _ in range(len(vectors))]
        scores, positions = self._faiss.search(vectors, min(k, len(self.passages)))
        return [
            [(int(p), float(s)) for p, s in zip(row_p, row_s, strict=True) if p >= 0]
            for row_p, row_s in zip(positions, scores, strict=True)
        ]

    def lexical_search(self, texts: Sequence[str], k: int) -> list[list[tuple[int, float]]]:
        """Each text's ``k`` best passages by BM25, as (position, score) pairs; none without an index."""
        if self._lexical is None:
            return [[] for _ in texts]
        return self._lexical.search(texts, k)

    def vectors(self, positions: Sequence[int]) -> np.ndarray:
        """The stored unit vectors of the passages at ``positions``, one row each."""
        if not len(positions):
            return np.empty((0, self.dimension), dtype=np.float32)
        return self._faiss.reconstruct_batch(np.asarray(positions, dtype=np.int64))

    def save(self, location: str | Path | None = None) -> str:
        """Write the index to a folder atomically; returns the version folder.

        ``location`` is the folder; ``None`` is the one the store was opened
        at. Afterwards only the older version folders this library wrote
        (marked as such) are removed; anything else in the folder is left alone.

        Raises:
            ValueError: no ``location``, and the store was not opened at one.
            IndexWriteError: the folder is a file, or cannot be written.
        """
        if location is None and self.location is None:
            raise ValueError("this FAISS store lives in memory: give a folder to save it to")
        root = Path(location if location is not None else self.location)
        try:
            root.mkdir(parents=True, exist_ok=True)
            version = Path(tempfile.mkdtemp(prefix="v-", dir=root))
        except FileExistsError as error:
            raise IndexWriteError(
                f"cannot write the index to {root}: a file is in the way (give a folder)"
            ) from error
        except OSError as error:
            raise IndexWriteError(
                f"cannot write the index to {root}: {error.strerror or error}"
            ) from error
        try:
            self._write_version(version)
            write_atomically(root / _CURRENT, version.name)
        except OSError as error:
            shutil.rmtree(version, ignore_errors=True)
            raise IndexWriteError(
                f"cannot write the index to {root}: {error.strerror or error}"
            ) from error
        except BaseException:
            shutil.rmtree(version, ignore_errors=True)
            raise
        for old in root.glob("v-*"):
            if old != version:
                _remove_if_own(old)
        logger.info("saved %d passages to %s", len(self.passages), version)
        return str(version)

    def _write_version(self, version: Path) -> None:
        import faiss

        (version / _VERSION_MARK).write_text(f"{FORMAT_VERSION}\n", encoding="utf-8")
        if self._faiss is not None:
            faiss.write_index(self._faiss, str(version / _FAISS))
        with (version / _PASSAGES).open("w", encoding="utf-8") as handle:
            for passage in self.passages:
                handle.write(json.dumps(passage.to_dict(), ensure_ascii=False) + "\n")
        if self._lexical is not None:
            (version / _LEXICAL).mkdir()
            self._lexical.save(version / _LEXICAL)
        checksums = {
            path.relative_to(version).as_posix(): _sha256(path)
            for path in sorted(version.rglob("*"))
            if path.is_file() and path.name != _VERSION_MARK
        }
        manifest = Manifest(
            format_version=FORMAT_VERSION,
            embedder_id=self.embedder_id,
            dimension=self.dimension,
            index_type=self.index_type,
            passages=len(self.passages),
            documents=self.documents,
            files=self.files,
            checksums=checksums,
            uploaded=tuple(sorted(self.uploaded & set(self.files))),
        )
        (version / _MANIFEST).write_text(json.dumps(manifest.to_dict(), indent=2), encoding="utf-8")
        for path in version.rglob("*"):
            if path.is_file():
                with path.open("rb") as handle:
                    os.fsync(handle.fileno())

    @classmethod
    def load(
        cls,
        directory: str | Path,
        *,
        embedder_id: str | None = None,
        dimension: int | None = None,
    ) -> FaissStore:
        """Read an index directory, checking its manifest and checksums.

        Raises:
            IndexFormatError: missing, corrupt, or built with another embedder
                or dimension than expected.
        """
        import faiss

        root, version, manifest = _checked_version(directory, embedder_id, dimension)
        index = cls(manifest.dimension, manifest.index_type, manifest.embedder_id, location=root)
        try:
            with (version / _PASSAGES).open(encoding="utf-8") as handle:
                index.passages = [
                    Passage.from_dict(json.loads(line)) for line in handle if line.strip()
                ]
        except (
            json.JSONDecodeError,
            KeyError,
            ValueError,
            TypeError,
            AttributeError,
            RecursionError,
        ) as error:
            raise IndexFormatError(f"passages at {version} are corrupt: {error}") from error
        if _FAISS in manifest.checksums:
            try:
                index._faiss = faiss.read_index(str(version / _FAISS))
            except RuntimeError as error:
                raise IndexFormatError(f"FAISS file at {version} is corrupt: {error}") from error
        count = index._faiss.ntotal if index._faiss is not None else 0
        if count != len(index.passages) or count != manifest.passages:
            raise IndexFormatError(
                f"index at {root} is inconsistent: {count} vectors, {len(index.passages)} passages, "
                f"manifest says {manifest.passages}"
            )
        if index._faiss is not None and index._faiss.d != manifest.dimension:
            raise IndexFormatError(f"FAISS file at {version} has dimension {index._faiss.d}")
        index._set_search_parameters()
        index._doc_ids = {passage.doc_id for passage in index.passages}
        index._identities = {_identity(passage) for passage in index.passages}
        index.files = dict(manifest.files)
        index.uploaded = set(manifest.uploaded)
        if f"{_LEXICAL}/{LEXICAL_SETTINGS}" in manifest.checksums:
            index._lexical = LexicalIndex.load(version / _LEXICAL, len(index.passages))
        else:
            index._lexical = None
            logger.info(
                "index at %s was saved without a lexical (BM25) index: retrieval is dense only; "
                "index the corpus again for hybrid retrieval",
                root,
            )
        return index


def _checked_version(
    directory: str | Path, embedder_id: str | None, dimension: int | None
) -> tuple[Path, Path, Manifest]:
    """The index folder, its live version folder and manifest, each file checked against its checksum.

    Raises:
        IndexFormatError: missing, corrupt, or built with another embedder or dimension.
    """
    root = Path(directory)
    version, data = _manifest_data(root)
    manifest = Manifest.from_dict(data, version)
    if manifest.format_version not in _READABLE_VERSIONS:
        raise IndexFormatError(
            f"index at {root} has format version {manifest.format_version}; "
            f"this version of the library reads {', '.join(map(str, _READABLE_VERSIONS))}: "
            "rebuild it"
        )
    if embedder_id is not None and manifest.embedder_id != embedder_id:
        raise IndexFormatError(
            f"index at {root} was built with embedder {manifest.embedder_id!r}, "
            f"but {embedder_id!r} is in use: rebuild it"
        )
    if dimension is not None and manifest.dimension != dimension:
        raise IndexFormatError(
            f"index at {root} has dimension {manifest.dimension}, the embedder gives {dimension}"
        )
    if manifest.index_type not in (*INDEX_TYPES, AUTO):
        raise IndexFormatError(f"index at {root} has unknown type {manifest.index_type!r}")
    for name, expected in manifest.checksums.items():
        path = version / name
        if not path.is_file():
            raise IndexFormatError(f"index at {root} is missing {name}")
        if _sha256(path) != expected:
            raise IndexFormatError(
                f"index at {root} is corrupt: {name} does not match its checksum"
            )
    return root, version, manifest


def _manifest_data(root: Path) -> tuple[Path, Any]:
    """The live version folder of the index at ``root`` and its manifest, parsed, unchecked.

    Raises:
        IndexFormatError: no index there, or its pointer or manifest cannot be read.
    """
    if not root.is_dir():
        raise IndexFormatError(f"index directory not found: {root}")
    pointer = root / _CURRENT
    if not pointer.is_file():
        raise IndexFormatError(f"{root} is not an index directory (no {_CURRENT} file)")
    version = root / _current_version(pointer)
    try:
        return version, json.loads((version / _MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise IndexFormatError(f"index at {root} has no manifest ({error.filename})") from error
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as error:
        raise IndexFormatError(f"index manifest at {version} is corrupt: {error}") from error
    except OSError as error:
        raise IndexFormatError(
            f"cannot read the index manifest at {version}: {error.strerror or error}"
        ) from error


def _current_version(pointer: Path) -> str:
    """The version folder ``CURRENT`` names: one plain folder name, nothing else.

    Raises:
        IndexFormatError: the file is not short UTF-8 text naming a ``v-...``
            folder beside it (an absolute path or ``..`` would load an index
            from elsewhere).
    """
    try:
        raw = pointer.read_bytes()[: _MAX_CURRENT_BYTES + 1]
        name = raw.decode("utf-8").strip()
    except UnicodeDecodeError as error:
        raise IndexFormatError(f"{pointer} is corrupt: not text") from error
    except OSError as error:
        raise IndexFormatError(f"cannot read {pointer}: {error.strerror or error}") from error
    if len(raw) > _MAX_CURRENT_BYTES or not _VERSION_NAME.fullmatch(name):
        raise IndexFormatError(
            f"{pointer} is corrupt: it must hold one version folder name like 'v-abc123', "
            f"got {name[:80]!r}"
        )
    if not (pointer.parent / name).is_dir() or (pointer.parent / name).is_symlink():
        raise IndexFormatError(
            f"index at {pointer.parent} is incomplete (no manifest): {pointer.name} names "
            f"{name!r}, which is not a folder beside it"
        )
    return name


def _remove_if_own(folder: Path) -> None:
    """Delete an old version folder this library wrote; leave anything else.

    The marker goes last, so a save killed while deleting leaves a folder the
    next save still knows as its own. An empty folder named as ``mkdtemp``
    names them (a save killed before its first file) is removed too.
    """
    if folder.is_symlink() or not folder.is_dir():
        return
    if _is_own_version(folder):
        for path in folder.iterdir():
            if path.name == _VERSION_MARK:
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        (folder / _VERSION_MARK).unlink(missing_ok=True)
    elif not _TEMPORARY_NAME.fullmatch(folder.name):
        return
    # Fails unless empty: something not ours stays.
    with contextlib.suppress(OSError):
        folder.rmdir()


def _is_own_version(folder: Path) -> bool:
    """Whether ``folder`` is a version folder this library wrote (marker or manifest)."""
    if folder.is_symlink() or not folder.is_dir() or not _VERSION_NAME.fullmatch(folder.name):
        return False
    if (folder / _VERSION_MARK).is_file():
        return True
    # Versions saved before the marker existed: a manifest of ours.
    try:
        data = json.loads((folder / _MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and _MANIFEST_FIELDS - _OPTIONAL_FIELDS <= set(data) <= (
        _MANIFEST_FIELDS
    )
