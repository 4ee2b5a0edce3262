"""Finding the passages nearest a claim: the embedder and the vector store."""

from verifier.retrieval.embedder import Embedder, TextEncoder
from verifier.retrieval.faiss_store import INDEX_TYPES, PassageIndex
from verifier.retrieval.layered import LayeredStore
from verifier.retrieval.milvus_store import MilvusStore
from verifier.retrieval.store import VectorStore

__all__ = [
    "INDEX_TYPES",
    "Embedder",
    "LayeredStore",
    "MilvusStore",
    "PassageIndex",
    "TextEncoder",
    "VectorStore",
]
