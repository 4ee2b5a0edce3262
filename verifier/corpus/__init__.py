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
    Span,
    document_passages,
    split_sentences,
)
from verifier.corpus.vocabulary import LowercaseWords

__all__ = [
    "MIN_PASSAGE_CHARS",
    "SUPPORTED_SUFFIXES",
    "CorpusInput",
    "LowercaseWords",
    "ReadResult",
    "Span",
    "check_corpus_input",
    "corpus_fingerprint",
    "document_passages",
    "read_corpus",
    "split_sentences",
]
