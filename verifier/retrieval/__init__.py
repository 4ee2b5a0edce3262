"""Finding the passages for a claim: the embedder, the stores, BM25 and fusing the two rankings."""

from verifier.retrieval.embedder import Embedder, TextEncoder
from verifier.retrieval.faiss_store import INDEX_TYPES, PassageIndex
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
from verifier.retrieval.store import VectorStore

__all__ = [
    "BOTH",
    "DENSE",
    "DENSE_WEIGHT",
    "FUSION_DEPTH",
    "HYBRID",
    "INDEX_TYPES",
    "LEXICAL",
    "RETRIEVAL_MODES",
    "TOKENIZER",
    "Embedder",
    "Candidate",
    "LayeredStore",
    "LexicalIndex",
    "MilvusStore",
    "PassageIndex",
    "TextEncoder",
    "VectorStore",
    "fuse",
    "lexical_text",
    "tokenize",
]
