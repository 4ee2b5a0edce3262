"""Finding the passages for a claim: the embedder, the stores, BM25 and fusing the two rankings."""

from verifier.retrieval.embedder import Embedder, TextEncoder
from verifier.retrieval.faiss_store import AUTO, INDEX_TYPES, FaissStore, choose_index_type
from verifier.retrieval.fusion import (
    BOTH,
    DENSE,
    DENSE_WEIGHT,
    FUSION_DEPTH,
    HYBRID,
    LEXICAL,
    RETRIEVAL_MODES,
    Candidate,
    fuse,
)
from verifier.retrieval.layered import LayeredStore
from verifier.retrieval.lexical import TOKENIZER, LexicalIndex, lexical_text, tokenize
from verifier.retrieval.milvus_store import MilvusStore
from verifier.retrieval.opening import STORE_KINDS, open_store, recorded_embedder, store_kind
from verifier.retrieval.store import VectorStore

__all__ = [
    "AUTO",
    "BOTH",
    "DENSE",
    "DENSE_WEIGHT",
    "FUSION_DEPTH",
    "HYBRID",
    "INDEX_TYPES",
    "LEXICAL",
    "RETRIEVAL_MODES",
    "TOKENIZER",
    "STORE_KINDS",
    "Candidate",
    "Embedder",
    "FaissStore",
    "LayeredStore",
    "LexicalIndex",
    "MilvusStore",
    "TextEncoder",
    "VectorStore",
    "choose_index_type",
    "fuse",
    "lexical_text",
    "open_store",
    "recorded_embedder",
    "store_kind",
    "tokenize",
]
