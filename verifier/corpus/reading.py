"""Reading a corpus (files, folders or in-memory texts) into documents.

Supported formats: ``.txt``, ``.md``, ``.html``/``.htm`` (visible text only),
``.pdf`` (text layer), ``.jsonl`` and ``.csv`` (one document per row: a text
column, optional title and id columns). A file that cannot be read is reported
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

from verifier.errors import CorpusError
from verifier.records import json_objects, line_number
from verifier.types import Document, SkippedFile

logger = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".jsonl", ".csv")
TEXT_FIELDS = ("text", "content", "body", "passage", "sentence")
TITLE_FIELDS = ("title", "headline", "name")
ID_FIELDS = ("id", "doc_id", "_id", "uid")
MAX_FILE_BYTES = 200 * 1024 * 1024
_TITLE_MAX_CHARS = 200

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
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
        metadata_title = (reader.metadata.title if reader.metadata else None) or ""
    except (PdfReadError, ValueError, KeyError, TypeError) as error:
        raise _Unreadable(f"not a readable PDF ({error})") from error
    text = "\n\n".join(page.strip() for page in pages if page.strip())
    if not text:
        raise _Unreadable("PDF has no text layer (scanned images are not read)")
    return text, str(metadata_title).strip() or _first_line_title(text)


def _pick(row: Mapping[str, object], fields: Sequence[str]) -> str | None:
    lowered = {str(key).lower(): value for key, value in row.items()}
    for field in fields:
        value = lowered.get(field)
        if value is not None and str(value).strip():
            return str(value)
    return None


def _row_documents(rows: Iterable[tuple[int, Mapping[str, object]]], source: str) -> list[Document]:
    documents = []
    for number, row in rows:
        text = _pick(row, TEXT_FIELDS)
        if text is None:
            raise _Unreadable(
                f"row {number} has no text column (expected one of {', '.join(TEXT_FIELDS)})"
            )
        row_id = _pick(row, ID_FIELDS) or str(number)
        documents.append(
            Document(
                doc_id=f"{source}#{row_id}",
                source=source,
                title=_pick(row, TITLE_FIELDS) or _first_line_title(text),
                text=text,
            )
        )
    return documents


def _csv_rows(text: str) -> Iterable[tuple[int, Mapping[str, object]]]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise _Unreadable("CSV file has no header row")
    yield from enumerate(reader, start=2)


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
    """The file itself, or every file below a folder but hidden ones, sorted."""
    if path.is_file():
        return [path]
    return sorted(
        item
        for item in path.rglob("*")
        if item.is_file() and not any(part.startswith(".") for part in item.relative_to(path).parts)
    )


def display_name(file: Path, root: Path) -> str:
    """How a file is named in passages: relative to its folder, with the folder's name."""
    if root.is_dir():
        return str(Path(root.name) / file.relative_to(root))
    return file.name


def read_corpus(corpus: CorpusInput) -> ReadResult:
    """Read paths or in-memory texts into documents.

    Args:
        corpus: a file or folder path; a sequence of paths; or a mapping of
            document name to text.

    Raises:
        CorpusError: a path does not exist, or nothing readable was found.
    """
    if isinstance(corpus, Mapping):
        documents = []
        for name, text in corpus.items():
            if not isinstance(text, str):
                raise CorpusError(f"document {name!r} is not text")
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
    documents: list[Document] = []
    skipped: list[SkippedFile] = []
    hashes: dict[str, str] = {}
    for root in map(Path, roots):
        if not root.exists():
            raise CorpusError(f"corpus path does not exist: {root}")
        for file in files_under(root):
            source = display_name(file, root)
            try:
                read = read_file(file, source)
                hashes[source] = hashlib.sha256(file.read_bytes()).hexdigest()
            except _Unreadable as error:
                logger.warning("skipping %s: %s", file, error)
                skipped.append(SkippedFile(str(file), str(error)))
                continue
            except OSError as error:
                logger.warning("skipping %s: %s", file, error)
                skipped.append(
                    SkippedFile(str(file), f"cannot read file ({error.strerror or error})")
                )
                continue
            documents.extend(read)
    if not documents:
        reasons = "; ".join(f"{item.path}: {item.reason}" for item in skipped[:5])
        raise CorpusError(
            "the corpus is empty: no readable documents found"
            + (f" ({reasons})" if reasons else "")
        )
    return ReadResult(tuple(documents), tuple(skipped), hashes)
