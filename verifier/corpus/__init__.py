"""Reading a corpus: files into documents, documents into sentence passages with offsets."""

from verifier.corpus.fingerprint import corpus_fingerprint
from verifier.corpus.reading import (
    SUPPORTED_SUFFIXES,
    CorpusInput,
    ReadResult,
    check_corpus_input,
    read_corpus,
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
    "check_corpus_input",
    "corpus_fingerprint",
    "DocumentSplit",
    "document_passages",
    "is_fragment",
    "split_document",
    "read_corpus",
    "split_sentences",
]
