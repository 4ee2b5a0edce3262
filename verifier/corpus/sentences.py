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
# Fewer words than this is a byline, a button or a label ("2 Min Read", "Share this Post").
MIN_STATEMENT_WORDS = 4
# A line without end punctuation whose longer words are mostly capitalised is a heading.
HEADING_CAPITALISED_SHARE = 0.6
_WORDS = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*")
_CAPTION = re.compile(r"^(?:file\s+)?(?:photo|image|picture|video|graphic)\s*:", re.IGNORECASE)
_END_PUNCTUATION = tuple(".!?:;\"'”’»)…")


@dataclass(frozen=True, slots=True)
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


def is_fragment(text: str) -> bool:
    """Whether a sentence is page furniture rather than a statement worth judging.

    Measurable rules: fewer than :data:`MIN_STATEMENT_WORDS` words; a markdown
    heading (``# ...``); a photo caption ("FILE PHOTO: ..."); or a heading: no
    end punctuation and at least :data:`HEADING_CAPITALISED_SHARE` of its words
    of four or more letters capitalised. A document's title stays its
    ``title``, and a dropped line still serves as context for its neighbours.

    Example:
        >>> [is_fragment(t) for t in ["2 Min Read", "Strategic Gains in Kursk Limiting Offensives",
        ...  "Russia had 11,000 troops in Kursk in August."]]
        [True, True, False]
    """
    words = _WORDS.findall(text)
    if len(words) < MIN_STATEMENT_WORDS or text.lstrip().startswith("#"):
        return True
    if _CAPTION.match(text.strip()):
        return True
    if text.rstrip().endswith(_END_PUNCTUATION):
        return False
    long_words = [word for word in words if len(word) >= 4 and word[0].isalpha()]
    capitalised = sum(word[0].isupper() for word in long_words)
    return bool(long_words) and capitalised >= HEADING_CAPITALISED_SHARE * len(long_words)


@dataclass(frozen=True)
class DocumentSplit:
    """A document's passages, and how many of its sentences were dropped as fragments."""

    passages: list[Passage]
    fragments: int


def normalise(text: str) -> str:
    """Whitespace-collapsed, case-folded text: the key for duplicate detection."""
    return _SPACE.sub(" ", text).strip().casefold()


def document_passages(
    document: Document,
    context_sentences: int = 1,
    progress: Callable[[int], None] | None = None,
) -> list[Passage]:
    """Split a document into passages (see :func:`split_document`)."""
    return split_document(document, context_sentences, progress).passages


def split_document(
    document: Document,
    context_sentences: int = 1,
    progress: Callable[[int], None] | None = None,
) -> DocumentSplit:
    """Split a document into passages, skipping exact duplicates and fragments.

    Each passage keeps up to ``context_sentences`` neighbours on each side as
    context for the NLI judge. The same sentence in two documents is two
    sources and stays two. Sentences that :func:`is_fragment` calls page
    furniture are not passages, and are counted. ``progress`` is as for
    :func:`split_sentences`.
    """
    sentences = split_sentences(document.text, progress)
    passages = []
    fragments = 0
    seen: set[str] = set()
    for position, span in enumerate(sentences):
        key = normalise(span.text)
        if len(span.text) < MIN_PASSAGE_CHARS or key in seen:
            continue
        seen.add(key)
        if is_fragment(span.text):
            fragments += 1
            continue
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
    return DocumentSplit(passages, fragments)


def iter_passages(documents: list[Document]) -> Iterator[Passage]:
    for document in documents:
        yield from document_passages(document)
