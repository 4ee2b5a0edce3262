"""Word (``.docx``), OpenDocument (``.odt``) and EPUB files into plain text and a title.

Each format is a zip of XML parts. A ``.docx`` is read with ``python-docx``
(paragraphs and table cells in document order); ``.odt`` and ``.epub`` with
the standard library's zip and XML readers (an EPUB's chapters are HTML, read
in its reading order as :mod:`verifier.corpus.reading` reads HTML). Paragraphs
become lines, so sentence offsets are offsets into that extracted text as for
any other format. A file that is not what it claims, or would unpack to more
than ``MAX_UNPACKED_BYTES``, raises :class:`OfficeFileError` with the reason.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Callable, Iterator
from xml.etree import ElementTree

MAX_UNPACKED_BYTES = 256 * 1024 * 1024
"""The most a document may unpack to: a small zip can expand a thousandfold."""

_ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_ODF_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_DUBLIN_CORE = "http://purl.org/dc/elements/1.1/"
_CONTAINER = "urn:oasis:names:tc:opendocument:xmlns:container"
_OPF = "http://www.idpf.org/2007/opf"


class OfficeFileError(Exception):
    """The file cannot be read; the message is the reason shown to the user."""


def _zip(data: bytes, kind: str) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise OfficeFileError(f"not a readable {kind} file (not a zip archive)") from error
    if sum(item.file_size for item in archive.infolist()) > MAX_UNPACKED_BYTES:
        raise OfficeFileError(
            f"the {kind} file unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MiB"
        )
    return archive


def _part(archive: zipfile.ZipFile, name: str, kind: str) -> bytes:
    try:
        return archive.read(name)
    except KeyError as error:
        raise OfficeFileError(f"not a readable {kind} file (it has no {name})") from error
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as error:
        raise OfficeFileError(f"not a readable {kind} file ({name} is damaged)") from error


def _xml(data: bytes, name: str, kind: str) -> ElementTree.Element:
    # Entity declarations are what XML bombs are made of; no office document needs them.
    if b"<!ENTITY" in data:
        raise OfficeFileError(f"{kind} file refused: {name} declares XML entities")
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise OfficeFileError(f"not a readable {kind} file ({name}: {error})") from error


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")[:200]


def _joined(lines: Iterator[str]) -> str:
    return "\n".join(line for line in (" ".join(line.split()) for line in lines) if line)


def read_docx(data: bytes) -> tuple[str, str]:
    """A Word document's text (one line per paragraph or table cell) and its title."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table

    _zip(data, "Word").close()

    seen_cells: set[object] = set()

    def lines(container) -> Iterator[str]:
        for block in container.iter_inner_content():
            if not isinstance(block, Table):
                yield block.text
                continue
            for row in block.rows:
                for cell in row.cells:
                    # A merged cell is listed once per grid square it spans.
                    if cell._tc not in seen_cells:
                        seen_cells.add(cell._tc)
                        yield from lines(cell)

    try:
        document = docx.Document(io.BytesIO(data))
        text = _joined(lines(document))
        title = document.core_properties.title or ""
    except PackageNotFoundError as error:
        raise OfficeFileError("not a readable Word file (no document inside)") from error
    except (KeyError, ValueError, zipfile.BadZipFile) as error:
        raise OfficeFileError(f"not a readable Word file ({type(error).__name__})") from error
    return text, title.strip() or _first_line(text)


def _odf_lines(element: ElementTree.Element) -> Iterator[str]:
    """Each paragraph and heading under ``element`` as one line, spaces and tabs kept."""
    paragraph_tags = {f"{{{_ODF_TEXT}}}p", f"{{{_ODF_TEXT}}}h"}

    def inline(node: ElementTree.Element) -> Iterator[str]:
        if node.text:
            yield node.text
        for child in node:
            if child.tag == f"{{{_ODF_TEXT}}}s":
                yield " " * int(child.get(f"{{{_ODF_TEXT}}}c", "1") or 1)
            elif child.tag in (f"{{{_ODF_TEXT}}}tab", f"{{{_ODF_TEXT}}}line-break"):
                yield " "
            elif child.tag != f"{{{_ODF_TEXT}}}note":
                yield from inline(child)
            if child.tail:
                yield child.tail

    for child in element:
        if child.tag in paragraph_tags:
            yield "".join(inline(child))
        else:
            yield from _odf_lines(child)


def read_odt(data: bytes) -> tuple[str, str]:
    """An OpenDocument text's paragraphs (one line each) and its title."""
    archive = _zip(data, "OpenDocument")
    content = _xml(_part(archive, "content.xml", "OpenDocument"), "content.xml", "OpenDocument")
    body = content.find(f"{{{_ODF_OFFICE}}}body")
    text = _joined(_odf_lines(body)) if body is not None else ""
    title = ""
    if "meta.xml" in archive.namelist():
        meta = _xml(_part(archive, "meta.xml", "OpenDocument"), "meta.xml", "OpenDocument")
        found = meta.find(f".//{{{_DUBLIN_CORE}}}title")
        title = (found.text or "") if found is not None else ""
    return text, title.strip() or _first_line(text)


def read_epub(data: bytes, html_text: Callable[[bytes], str]) -> tuple[str, str]:
    """An EPUB's chapters in reading order, each read by ``html_text``, and its title."""
    archive = _zip(data, "EPUB")
    container = _xml(
        _part(archive, "META-INF/container.xml", "EPUB"), "META-INF/container.xml", "EPUB"
    )
    rootfile = container.find(f".//{{{_CONTAINER}}}rootfile")
    package_path = rootfile.get("full-path", "") if rootfile is not None else ""
    if not package_path:
        raise OfficeFileError("not a readable EPUB file (its container names no package)")
    package = _xml(_part(archive, package_path, "EPUB"), package_path, "EPUB")
    folder = posixpath.dirname(package_path)
    manifest = {
        item.get("id"): item.get("href", "")
        for item in package.iter(f"{{{_OPF}}}item")
        if "html" in item.get("media-type", "")
    }
    chapters = []
    for itemref in package.iter(f"{{{_OPF}}}itemref"):
        href = manifest.get(itemref.get("idref"))
        if href:
            name = posixpath.normpath(posixpath.join(folder, href.split("#")[0]))
            chapters.append(html_text(_part(archive, name, "EPUB")))
    found = package.find(f".//{{{_DUBLIN_CORE}}}title")
    title = (found.text or "") if found is not None else ""
    text = "\n\n".join(chapter for chapter in chapters if chapter.strip())
    return text, title.strip() or _first_line(text)
