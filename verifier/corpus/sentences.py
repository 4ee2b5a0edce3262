"""Splitting a document's text into sentence passages with character offsets.

Pure Python (pysbd, a rule-based splitter that needs no download). Text is
first cut at line breaks, so a sentence never spans two paragraphs, then each
paragraph is split into sentences. pysbd reads about 360k characters a second
on one core, so a text of :data:`PARALLEL_SPLIT_CHARS` or more is split in
pieces cut at line breaks by worker processes (``verifier.corpus.split_worker``,
fresh interpreters, so safe beside threads and without re-running the caller's
script), one per free core; the sentences are the same either way.
"""

from __future__ import annotations

import logging
import re
import struct
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from verifier.threads import automatic_threads
from verifier.types import Document, Passage

logger = logging.getLogger(__name__)

_PARAGRAPH = re.compile(r"[^\n]+")
# How often (in characters of text) a long split reports its progress.
PROGRESS_EVERY_CHARS = 256 * 1024
# Texts at least this long are split by worker processes, in pieces of about SPLIT_PIECE_CHARS.
PARALLEL_SPLIT_CHARS = 4 * 1024 * 1024
SPLIT_PIECE_CHARS = 1024 * 1024
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


def split_sentences(
    text: str, progress: Callable[[int], None] | None = None, workers: int | None = None
) -> list[Span]:
    """Split text into sentences, keeping offsets into ``text``.

    ``progress``, when given, is called with the characters done so far, every
    ``PROGRESS_EVERY_CHARS`` or so: a large file takes minutes to split.
    ``workers`` processes split a long text (``None``: one per free core for a
    text of :data:`PARALLEL_SPLIT_CHARS` or more, else none); 1 splits here.

    Example:
        >>> [span.text for span in split_sentences("It rained. We stayed in.\\nNext day.")]
        ['It rained.', 'We stayed in.', 'Next day.']
    """
    if workers is None:
        workers = automatic_threads() if len(text) >= PARALLEL_SPLIT_CHARS else 1
    if workers > 1:
        try:
            return _split_in_workers(text, progress, workers)
        except (OSError, RuntimeError) as error:  # no processes allowed here, or a worker died
            logger.warning("splitting in one process: workers failed (%s)", error)
    return _split_here(text, progress)


def _split_here(text: str, progress: Callable[[int], None] | None = None) -> list[Span]:
    """:func:`split_sentences` in this process."""
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


def _pieces(text: str, size: int | None = None) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of consecutive pieces of about ``size`` characters, cut after a line break.

    Example:
        >>> list(_pieces("ab\\ncd\\nef", size=4))
        [(0, 6), (6, 8)]
    """
    size = SPLIT_PIECE_CHARS if size is None else size
    start = 0
    while start < len(text):
        cut = text.find("\n", start + size)
        end = len(text) if cut < 0 else cut + 1
        yield start, end
        start = end


def piece_offsets(piece: str) -> list[int]:
    """A worker's job: each sentence's start and end in ``piece``, flattened."""
    return [offset for span in _split_here(piece) for offset in (span.start, span.end)]


_LENGTH = struct.Struct("<Q")


def write_frame(stream, payload: bytes) -> None:
    """One length-prefixed message on a worker's pipe."""
    stream.write(_LENGTH.pack(len(payload)) + payload)


def read_frame(stream) -> bytes | None:
    """The next length-prefixed message, or ``None`` at the end of the stream."""
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    (size,) = _LENGTH.unpack(head)
    payload = stream.read(size)
    if len(payload) < size:
        raise RuntimeError("a sentence-splitting worker stopped mid-message")
    return payload


def _split_in_workers(
    text: str, progress: Callable[[int], None] | None, workers: int
) -> list[Span]:
    """:func:`split_sentences` by ``workers`` processes, pieces dealt round-robin, read in order."""
    bounds = list(_pieces(text))
    count = min(workers, len(bounds))
    command = [sys.executable, "-m", "verifier.corpus.split_worker"]
    processes = [
        subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        for _ in range(count)
    ]

    def feed(worker: int) -> None:
        stream = processes[worker].stdin
        try:
            for start, end in bounds[worker::count]:
                write_frame(stream, text[start:end].encode("utf-8", "surrogatepass"))
            stream.close()
        except (BrokenPipeError, ValueError):  # the worker died; the reader reports it
            pass

    feeders = [threading.Thread(target=feed, args=(w,), daemon=True) for w in range(count)]
    for feeder in feeders:
        feeder.start()
    spans: list[Span] = []
    finished = False
    try:
        for number, (start, end) in enumerate(bounds):
            frame = read_frame(processes[number % count].stdout)
            if frame is None:
                raise RuntimeError("a sentence-splitting worker ended early")
            offsets = struct.unpack(f"<{len(frame) // 8}q", frame)
            for first, last in zip(offsets[::2], offsets[1::2], strict=True):
                spans.append(Span(text[start + first : start + last], start + first, start + last))
            if progress is not None:
                progress(end)
        finished = True
    finally:
        for process in processes:
            if not finished:
                process.kill()
            process.stdout.close()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for feeder in feeders:
            feeder.join(timeout=10)
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
