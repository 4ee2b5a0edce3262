"""Splitting a document's text into sentence passages with character offsets.

Pure Python (pysbd, a rule-based splitter that needs no download). Text is
first cut at line breaks, so a sentence never spans two paragraphs, then each
paragraph is split into sentences.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from verifier.types import Document, Passage

_PARAGRAPH = re.compile(r"[^\n]+")
# How often (in characters of text) a long split reports its progress.
PROGRESS_EVERY_CHARS = 256 * 1024
_SPACE = re.compile(r"\s+")
# Sentences shorter than this (after stripping) carry no claim: "—", "1.", "Photo".
MIN_PASSAGE_CHARS = 12


@dataclass(frozen=True)
class Span:
    """A stripped piece of text and where it sits in the original."""

    text: str
    start: int
    end: int


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False, char_span=True)


def split_sentences(text: str, progress: Callable[[int], None] | None = None) -> list[Span]:
    """Split text into sentences, keeping offsets into ``text``.

    ``progress``, when given, is called with the characters done so far, every
    ``PROGRESS_EVERY_CHARS`` or so: a large file takes minutes to split.

    Example:
        >>> [span.text for span in split_sentences("It rained. We stayed in.\\nNext day.")]
        ['It rained.', 'We stayed in.', 'Next day.']
    """
    spans: list[Span] = []
    reported = 0
    for paragraph in _PARAGRAPH.finditer(text):
        if progress is not None and paragraph.start() - reported >= PROGRESS_EVERY_CHARS:
            reported = paragraph.start()
            progress(reported)
        if not paragraph.group().strip():
            continue
        for piece in _segmenter().segment(paragraph.group()):
            raw = paragraph.group()[piece.start : piece.end]
            stripped = raw.strip()
            if not stripped:
                continue
            start = paragraph.start() + piece.start + (len(raw) - len(raw.lstrip()))
            spans.append(Span(stripped, start, start + len(stripped)))
    return spans


def normalise(text: str) -> str:
    """Whitespace-collapsed, case-folded text: the key for duplicate detection."""
    return _SPACE.sub(" ", text).strip().casefold()


def document_passages(
    document: Document,
    context_sentences: int = 1,
    progress: Callable[[int], None] | None = None,
) -> list[Passage]:
    """Split a document into passages, skipping exact duplicates within it.

    Each passage keeps up to ``context_sentences`` neighbours on each side as
    context for the NLI judge. The same sentence in two documents is two
    sources and stays two. ``progress`` is as for :func:`split_sentences`.
    """
    sentences = split_sentences(document.text, progress)
    passages = []
    seen: set[str] = set()
    for position, span in enumerate(sentences):
        key = normalise(span.text)
        if len(span.text) < MIN_PASSAGE_CHARS or key in seen:
            continue
        seen.add(key)
        before = sentences[max(0, position - context_sentences) : position]
        after = sentences[position + 1 : position + 1 + context_sentences]
        passages.append(
            Passage(
                doc_id=document.doc_id,
                source=document.source,
                title=document.title,
                text=span.text,
                start=span.start,
                end=span.end,
                context_before=" ".join(item.text for item in before),
                context_after=" ".join(item.text for item in after),
            )
        )
    return passages


def iter_passages(documents: list[Document]) -> Iterator[Passage]:
    for document in documents:
        yield from document_passages(document)
