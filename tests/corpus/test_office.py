"""Word, OpenDocument and EPUB files, built small in each test."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest

from verifier.corpus import office, read_corpus, split_document


def word_file(path: Path, paragraphs: list[str], *, title: str = "", table=None) -> Path:
    document = docx.Document()
    document.core_properties.title = title
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for row, values in zip(grid.rows, table, strict=True):
            for cell, value in zip(row.cells, values, strict=True):
                cell.text = value
    document.save(path)
    return path


def odt_file(path: Path, body: str, title: str = "") -> Path:
    text_ns = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    office_ns = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    content = (
        f'<office:document-content xmlns:office="{office_ns}" xmlns:text="{text_ns}">'
        f"<office:body><office:text>{body}</office:text></office:body></office:document-content>"
    )
    meta = (
        f'<office:document-meta xmlns:office="{office_ns}" '
        f'xmlns:dc="http://purl.org/dc/elements/1.1/"><office:meta><dc:title>{title}</dc:title>'
        "</office:meta></office:document-meta>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", content)
        archive.writestr("meta.xml", meta)
    return path


def epub_file(path: Path, chapters: list[str], title: str) -> Path:
    container = (
        '<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container" version="1.0">'
        '<rootfiles><rootfile full-path="OEBPS/book.opf" '
        'media-type="application/oebps-package+xml"/></rootfiles></container>'
    )
    items = "".join(
        f'<item id="c{n}" href="text/c{n}.xhtml" media-type="application/xhtml+xml"/>'
        for n in range(len(chapters))
    )
    # The spine, not the manifest, gives the reading order.
    spine = "".join(f'<itemref idref="c{n}"/>' for n in reversed(range(len(chapters))))
    package = (
        '<package xmlns="http://www.idpf.org/2007/opf" version="3.0">'
        f'<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{title}</dc:title>'
        f"</metadata><manifest>{items}</manifest><spine>{spine}</spine></package>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip")
        archive.writestr("META-INF/container.xml", container)
        archive.writestr("OEBPS/book.opf", package)
        for n, chapter in enumerate(chapters):
            archive.writestr(
                f"OEBPS/text/c{n}.xhtml",
                f"<html><head><title>x</title></head><body><p>{chapter}</p></body></html>",
            )
    return path


def test_a_word_document_is_read_with_its_tables_and_title(tmp_path):
    word_file(
        tmp_path / "minutes.docx",
        ["The council met on Monday.", "", "The budget of 4 million dollars passed."],
        title="March minutes",
        table=[["Item", "Vote"], ["Depot", "7 to 2"]],
    )
    (document,) = read_corpus(tmp_path / "minutes.docx").documents
    assert document.title == "March minutes"
    assert document.text.splitlines() == [
        "The council met on Monday.",
        "The budget of 4 million dollars passed.",
        "Item",
        "Vote",
        "Depot",
        "7 to 2",
    ]


def test_a_word_documents_passages_are_offsets_into_its_text(tmp_path):
    word_file(
        tmp_path / "note.docx",
        ["The bridge opened in 2019 after two years of work.", "It cost 12 million dollars."],
    )
    (document,) = read_corpus(tmp_path / "note.docx").documents
    passages = split_document(document).passages
    assert [p.text for p in passages] == [
        "The bridge opened in 2019 after two years of work.",
        "It cost 12 million dollars.",
    ]
    for passage in passages:
        assert document.text[passage.start : passage.end] == passage.text
    # With no title set, the first line names it, as for a text file.
    assert document.title == "The bridge opened in 2019 after two years of work."


def test_an_opendocument_text_is_read_with_spaces_and_headings(tmp_path):
    odt_file(
        tmp_path / "report.odt",
        '<text:h text:outline-level="1">Annual report</text:h>'
        "<text:p>The library lent<text:s/> <text:span>40,000</text:span> books.</text:p>"
        "<text:list><text:list-item><text:p>Opening hours grew.</text:p></text:list-item>"
        "</text:list>",
        title="Library 2023",
    )
    (document,) = read_corpus(tmp_path / "report.odt").documents
    assert document.title == "Library 2023"
    assert document.text.splitlines() == [
        "Annual report",
        "The library lent 40,000 books.",
        "Opening hours grew.",
    ]


def test_an_epub_is_read_in_spine_order(tmp_path):
    epub_file(tmp_path / "book.epub", ["First chapter text.", "Second chapter text."], "A book")
    (document,) = read_corpus(tmp_path / "book.epub").documents
    assert document.title == "A book"
    assert document.text == "Second chapter text.\n\nFirst chapter text."


@pytest.mark.parametrize("name", ["fake.docx", "fake.odt", "fake.epub"])
def test_a_text_file_named_as_an_office_file_is_skipped_alone(tmp_path, name):
    (tmp_path / name).write_text("just text, not a zip", encoding="utf-8")
    word_file(tmp_path / "good.docx", ["A readable paragraph here."])
    result = read_corpus(tmp_path)
    assert [Path(d.source).name for d in result.documents] == ["good.docx"]
    ((skipped),) = result.skipped
    assert Path(skipped.path).name == name
    assert "not a zip archive" in skipped.reason


def test_a_zip_without_the_expected_part_is_skipped_with_its_reason(tmp_path):
    with zipfile.ZipFile(tmp_path / "empty.odt", "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    with zipfile.ZipFile(tmp_path / "empty.docx", "w") as archive:
        archive.writestr("readme.txt", "nothing")
    (tmp_path / "good.txt").write_text("A readable sentence.", encoding="utf-8")
    reasons = {Path(item.path).name: item.reason for item in read_corpus(tmp_path).skipped}
    assert reasons["empty.odt"] == "not a readable OpenDocument file (it has no content.xml)"
    assert reasons["empty.docx"].startswith("not a readable Word file")


def test_xml_entities_and_oversized_archives_are_refused(tmp_path, monkeypatch):
    with zipfile.ZipFile(tmp_path / "bomb.odt", "w") as archive:
        archive.writestr("content.xml", '<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>')
    word_file(tmp_path / "big.docx", ["A paragraph that unpacks larger than allowed."])
    (tmp_path / "good.txt").write_text("A readable sentence.", encoding="utf-8")
    monkeypatch.setattr(office, "MAX_UNPACKED_BYTES", 20_000)
    reasons = {Path(item.path).name: item.reason for item in read_corpus(tmp_path).skipped}
    assert "declares XML entities" in reasons["bomb.odt"]
    assert "unpacks to more than" in reasons["big.docx"]
