"""Reading a corpus (files, folders or in-memory texts) into documents.

Supported formats: ``.txt``, ``.md``, ``.html``/``.htm`` (visible text only),
``.pdf`` (text layer), ``.docx``, ``.odt`` and ``.epub`` (:mod:`verifier.corpus.office`),
``.jsonl`` and ``.csv`` (one document per row: a text column, optional title
and id columns). A file that cannot be read is reported
in ``skipped`` with the reason and the rest of the load goes on.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from verifier.corpus.office import OfficeFileError, read_docx, read_epub, read_odt
from verifier.errors import CorpusError
from verifier.progress import Progress, progress_callback
from verifier.records import json_objects, line_number
from verifier.text import strip_controls
from verifier.types import Document, SkippedFile

logger = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (
    ".txt",
    ".md",
    ".html",
    ".htm",
    ".pdf",
    ".docx",
    ".odt",
    ".epub",
    ".jsonl",
    ".csv",
)
TEXT_FIELDS = ("text", "content", "body", "passage", "sentence")
TITLE_FIELDS = ("title", "headline", "name")
ID_FIELDS = ("id", "doc_id", "_id", "uid")
MAX_FILE_BYTES = 200 * 1024 * 1024
_TITLE_MAX_CHARS = 200
_REASON_MAX_CHARS = 300

CorpusInput = str | Path | Sequence[str | Path] | Mapping[str, str]


@dataclass(frozen=True)
class ReadResult:
    """Documents read, files skipped, and a content hash of each file read."""

    documents: tuple[Document, ...]
    skipped: tuple[SkippedFile, ...]
    file_hashes: dict[str, str]


class _Unreadable(Exception):
    """A file that must be skipped; the message is the reason shown to the user."""


def _first_line_title(text: str) -> str:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:_TITLE_MAX_CHARS]
    return ""


def _decode(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise _Unreadable("looks like a binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _Unreadable(f"not valid UTF-8 text ({error.reason} at byte {error.start})") from error


def _text_problem(text: str) -> str | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return f"not valid text (a lone surrogate at character {error.start + 1})"
    return None


def _html_text(data: bytes) -> str:
    """The visible text of an HTML page, one line per block."""
    return _read_html(data)[0]


def _read_html(data: bytes) -> tuple[str, str]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_decode(data), "html.parser")
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    title_tag = soup.find("title") or soup.find("h1")
    title = title_tag.get_text(" ", strip=True) if title_tag else ""
    if soup.head is not None:
        soup.head.decompose()
    lines = [line.strip() for line in soup.get_text("\n").splitlines()]
    text = "\n".join(line for line in lines if line)
    return text, title or _first_line_title(text)


def _read_pdf(data: bytes) -> tuple[str, str]:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise _Unreadable("PDF is encrypted with a password")
        pages = [page.extract_text() or "" for page in reader.pages]
        metadata_title = (reader.metadata.title if reader.metadata else None) or ""
    except (DependencyError, FileNotDecryptedError) as error:
        raise _Unreadable(f"PDF is encrypted and cannot be read here ({error})") from error
    except RecursionError as error:
        raise _Unreadable("not a readable PDF (its objects nest or loop too deeply)") from error
    # pypdf raises many types on damaged files (its own, ValueError, KeyError,
    # NotImplementedError for unsupported filters...): each means "unreadable".
    except (
        PyPdfError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
        NotImplementedError,
        AssertionError,
        ZeroDivisionError,
        OverflowError,
    ) as error:
        raise _Unreadable(f"not a readable PDF ({type(error).__name__}: {error})") from error
    text = "\n\n".join(page.strip() for page in pages if page.strip())
    if not text:
        raise _Unreadable("PDF has no text layer (scanned images are not read)")
    return text, str(metadata_title).strip() or _first_line_title(text)


def _pick(row: Mapping[str, object], fields: Sequence[str], what: str, number: int) -> str | None:
    """The first non-blank of ``fields`` in ``row``; numbers are taken as text, nothing else."""
    lowered = {str(key).lower(): value for key, value in row.items()}
    for field in fields:
        value = lowered.get(field)
        if value is None or isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            value = str(value)
        if not isinstance(value, str):
            raise _Unreadable(
                f"row {number}: the {what} {field!r} is a {type(value).__name__}, not text"
            )
        problem = _text_problem(value)
        if problem is not None:
            raise _Unreadable(f"row {number}: the {what} {field!r} is {problem}")
        if value.strip():
            return value
    return None


def _row_documents(rows: Iterable[tuple[int, Mapping[str, object]]], source: str) -> list[Document]:
    documents = []
    seen_ids: set[str] = set()
    for number, row in rows:
        text = _pick(row, TEXT_FIELDS, "text", number)
        if text is None:
            raise _Unreadable(
                f"row {number} has no text column (expected one of {', '.join(TEXT_FIELDS)})"
            )
        row_id = _pick(row, ID_FIELDS, "id", number) or str(number)
        # Rows sharing an id stay separate documents: the later ones are named by their row.
        doc_id = f"{source}#{row_id}"
        if doc_id in seen_ids:
            doc_id = f"{source}#{row_id}@row{number}"
        seen_ids.add(doc_id)
        documents.append(
            Document(
                doc_id=doc_id,
                source=source,
                title=_pick(row, TITLE_FIELDS, "title", number) or _first_line_title(text),
                text=text,
            )
        )
    if not documents:
        raise _Unreadable("the file has no rows of text (a header only, or blank)")
    return documents


def _csv_rows(text: str) -> Iterable[tuple[int, Mapping[str, object]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        if not reader.fieldnames:
            raise _Unreadable("CSV file has no header row")
        for row in reader:
            yield reader.line_num, row
    except csv.Error as error:
        raise _Unreadable(f"not a readable CSV file (line {reader.line_num}: {error})") from error


_OFFICE_READERS = {
    ".docx": read_docx,
    ".odt": read_odt,
    ".epub": lambda data: read_epub(data, _html_text),
}


def read_file(path: Path, source: str) -> list[Document]:
    """Read one file into documents; raises ``_Unreadable`` with the reason."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise _Unreadable(
            f"unsupported format {suffix or '(no extension)'!r}; "
            f"supported: {', '.join(SUPPORTED_SUFFIXES)}"
        )
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise _Unreadable(
            f"file is {size / 2**20:.0f} MiB, over the {MAX_FILE_BYTES // 2**20} MiB limit"
        )
    data = path.read_bytes()
    if suffix == ".pdf":
        text, title = _read_pdf(data)
    elif suffix in _OFFICE_READERS:
        try:
            text, title = _OFFICE_READERS[suffix](data)
        except OfficeFileError as error:
            raise _Unreadable(str(error)) from error
    elif suffix in {".html", ".htm"}:
        text, title = _read_html(data)
    elif suffix == ".jsonl":
        rows = json_objects(_decode(data).splitlines(), source, _Unreadable)
        return _row_documents(((line_number(where), row) for where, row in rows), source)
    elif suffix == ".csv":
        return _row_documents(_csv_rows(_decode(data)), source)
    else:
        text = _decode(data)
        title = _first_line_title(text)
    if not text.strip():
        raise _Unreadable("file is empty")
    return [Document(doc_id=source, source=source, title=title, text=text)]


def files_under(path: Path) -> list[Path]:
    """The file itself, or every file (and broken link) below a folder but hidden ones, sorted.

    A link whose target is missing is listed, so that it is reported as skipped
    rather than silently left out.
    """
    if not path.is_dir():
        return [path]
    return sorted(
        item
        for item in path.rglob("*")
        if (item.is_file() or (item.is_symlink() and not item.exists()))
        and not any(part.startswith(".") for part in item.relative_to(path).parts)
    )


def display_name(file: Path, root: Path) -> str:
    """How a file is named in passages: relative to its folder, with the folder's name."""
    if root.is_dir():
        return str(Path(root.name) / file.relative_to(root))
    return file.name


def _within(path: Path, roots: Sequence[Path]) -> bool:
    resolved = path.resolve()
    return any(resolved == root or root in resolved.parents for root in roots)


def _clean_reason(reason: str) -> str:
    """A reason fit to show: one line, no control characters, at most 300 characters."""
    text = " ".join(strip_controls(reason).split())
    return text if len(text) <= _REASON_MAX_CHARS else text[: _REASON_MAX_CHARS - 1] + "…"


def _read_one(file: Path, source: str, confine_to: Sequence[Path] | None) -> list[Document]:
    """Read one file for :func:`read_corpus`; raises ``_Unreadable`` with the reason."""
    if file.is_symlink() and not file.exists():
        raise _Unreadable("broken link: its target does not exist")
    if confine_to is not None and not _within(file, confine_to):
        raise _Unreadable("links to a place outside the folders allowed for indexing")
    try:
        return read_file(file, source)
    except _Unreadable:
        raise
    except OSError as error:
        raise _Unreadable(f"cannot read file ({error.strerror or error})") from error
    except RecursionError as error:
        raise _Unreadable("cannot read file: its structure nests too deeply") from error
    except UnicodeError as error:
        raise _Unreadable(f"not valid text ({error})") from error
    except Exception as error:  # noqa: BLE001 - one bad file must never stop a load
        logger.exception("unexpected error reading %s", file)
        raise _Unreadable(f"cannot read file ({type(error).__name__}: {error})") from error


def validate_corpus_input(corpus: object) -> None:
    """Raise ``CorpusError`` unless ``corpus`` is a path, a list of paths or a mapping."""
    valid = isinstance(corpus, str | Path | Mapping) or (
        isinstance(corpus, Sequence)
        and not isinstance(corpus, bytes)
        and all(isinstance(item, str | Path) for item in corpus)
    )
    if not valid:
        raise CorpusError(
            "the corpus must be a path, a list of paths or a {name: text} mapping, "
            f"got {type(corpus).__name__}"
        )


def read_corpus(
    corpus: CorpusInput,
    *,
    confine_to: Sequence[Path] | None = None,
    require_documents: bool = True,
    progress: Progress = False,
) -> ReadResult:
    """Read paths or in-memory texts into documents.

    Every file is read on its own: one that cannot be read (damaged, encrypted,
    of an unknown type, a broken link...) is listed in ``skipped`` with the
    reason, and the others are read.

    Args:
        corpus: a file or folder path; a sequence of paths; or a mapping of
            document name to text.
        confine_to: when given, files whose real path (links followed) lies
            outside these folders are skipped, so a link cannot reach beyond them.
        require_documents: whether finding no readable file is an error (it is
            for a new corpus; files added to one are only reported as skipped).
        progress: reports the files read, stage ``"reading files"``.

    Raises:
        CorpusError: the corpus is of the wrong type, a path does not exist,
            or nothing readable was found (with ``require_documents``).
    """
    validate_corpus_input(corpus)
    if isinstance(corpus, Mapping):
        documents = []
        for name, text in corpus.items():
            if not isinstance(text, str):
                raise CorpusError(f"document {str(name)[:80]!r} is not text")
            problem = _text_problem(text)
            if problem is not None:
                raise CorpusError(f"document {str(name)[:80]!r}: {problem}")
            if text.strip():
                documents.append(Document(str(name), str(name), _first_line_title(text), text))
        hashes = {
            str(name): hashlib.sha256(text.encode()).hexdigest() for name, text in corpus.items()
        }
        if not documents:
            raise CorpusError("the corpus is empty: every document given is blank")
        return ReadResult(tuple(documents), (), hashes)

    roots = [corpus] if isinstance(corpus, str | Path) else list(corpus)
    if not roots:
        raise CorpusError("no corpus paths given")
    confined = None if confine_to is None else [Path(root).resolve() for root in confine_to]
    documents: list[Document] = []
    skipped: list[SkippedFile] = []
    hashes: dict[str, str] = {}
    for root in map(Path, roots):
        if not root.exists() and not root.is_symlink():
            raise CorpusError(f"corpus path does not exist: {root}")
    listed = [(file, root) for root in map(Path, roots) for file in files_under(root)]
    step = progress_callback(progress, len(listed), "reading files")
    for done, (file, root) in enumerate(listed):
        step(done)
        source = display_name(file, root)
        try:
            read = _read_one(file, source, confined)
            hashes[source] = hashlib.sha256(file.read_bytes()).hexdigest()
        except _Unreadable as error:
            reason = _clean_reason(str(error))
            logger.warning("skipping %s: %s", file, reason)
            skipped.append(SkippedFile(str(file), reason))
            continue
        except OSError as error:
            logger.warning("skipping %s: %s", file, error)
            skipped.append(SkippedFile(str(file), f"cannot read file ({error.strerror or error})"))
            continue
        documents.extend(read)
    step(len(listed))
    if not documents and require_documents:
        reasons = "; ".join(f"{item.path}: {item.reason}" for item in skipped[:5])
        raise CorpusError(
            "the corpus is empty: no readable documents found"
            + (f" ({reasons})" if reasons else "")
        )
    return ReadResult(tuple(documents), tuple(skipped), hashes)
