"""Reading a corpus: files into documents, documents into sentence passages with offsets."""

from verifier.corpus.fingerprint import corpus_fingerprint
from verifier.corpus.reading import (
    SUPPORTED_SUFFIXES,
    CorpusInput,
    ReadResult,
    read_corpus,
    validate_corpus_input,
)
from verifier.corpus.sentences import (
    MIN_PASSAGE_CHARS,
    DocumentSplit,
    Span,
    document_passages,
    is_fragment,
    split_document,
    split_sentences,
)

__all__ = [
    "MIN_PASSAGE_CHARS",
    "SUPPORTED_SUFFIXES",
    "CorpusInput",
    "ReadResult",
    "Span",
    "validate_corpus_input",
    "corpus_fingerprint",
    "DocumentSplit",
    "document_passages",
    "is_fragment",
    "split_document",
    "read_corpus",
    "split_sentences",
]
