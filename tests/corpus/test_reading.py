from __future__ import annotations

import json
from pathlib import Path

import pytest

from verifier.corpus import read_corpus
from verifier.errors import CorpusError


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_reads_every_supported_text_format(tmp_path):
    write(tmp_path / "a.txt", "Plain headline\nThe council met on Monday.")
    write(tmp_path / "b.md", "# Markdown title\n\nThe budget passed.")
    write(
        tmp_path / "c.html",
        "<html><head><title>Page title</title><script>var x = 'secret script';</script></head>"
        "<body><p>The mayor spoke.</p><style>p {color: red}</style></body></html>",
    )
    write(
        tmp_path / "d.jsonl",
        json.dumps({"id": "r1", "title": "Row title", "text": "A row of text."}) + "\n",
    )
    write(tmp_path / "e.csv", 'id,title,text\n7,CSV title,"A csv row, with a comma."\n')
    result = read_corpus(tmp_path)
    by_title = {document.title: document for document in result.documents}
    assert set(by_title) == {
        "Plain headline",
        "Markdown title",
        "Page title",
        "Row title",
        "CSV title",
    }
    assert "secret script" not in by_title["Page title"].text
    assert "color" not in by_title["Page title"].text
    assert "The mayor spoke." in by_title["Page title"].text
    assert by_title["Row title"].doc_id.endswith("#r1")
    assert by_title["CSV title"].text == "A csv row, with a comma."
    assert result.skipped == ()
    assert len(result.file_hashes) == 5


def test_reads_the_text_layer_of_a_pdf(tmp_path):
    pdf = _tiny_pdf("The bridge opened in 2019.")
    write(tmp_path / "report.pdf", pdf)
    result = read_corpus(tmp_path / "report.pdf")
    assert "The bridge opened in 2019." in result.documents[0].text


def test_unreadable_files_are_reported_and_the_rest_is_read(tmp_path):
    write(tmp_path / "good.txt", "A readable sentence.")
    write(tmp_path / "binary.txt", b"\x00\x01\x02 not text")
    write(tmp_path / "latin.txt", "caf\xe9".encode("latin-1"))
    write(tmp_path / "image.png", b"\x89PNG")
    write(tmp_path / "broken.pdf", b"%PDF-1.4 garbage")
    write(tmp_path / "bad.jsonl", "{not json}\n")
    write(tmp_path / "empty.txt", "   ")
    result = read_corpus(tmp_path)
    assert [d.source for d in result.documents] == [f"{tmp_path.name}/good.txt"]
    reasons = {Path(item.path).name: item.reason for item in result.skipped}
    assert "binary" in reasons["binary.txt"]
    assert "UTF-8" in reasons["latin.txt"]
    assert "unsupported format '.png'" in reasons["image.png"]
    assert "PDF" in reasons["broken.pdf"]
    assert "bad.jsonl:1" in reasons["bad.jsonl"]
    assert "empty" in reasons["empty.txt"]


def test_hidden_files_are_ignored(tmp_path):
    write(tmp_path / ".hidden.txt", "Secret sentence here.")
    write(tmp_path / "shown.txt", "Visible sentence here.")
    assert [d.source for d in read_corpus(tmp_path).documents] == [f"{tmp_path.name}/shown.txt"]


def test_missing_path_is_an_error_naming_it(tmp_path):
    with pytest.raises(CorpusError, match="does not exist: .*nowhere"):
        read_corpus(tmp_path / "nowhere")


def test_a_corpus_with_nothing_readable_is_an_error_with_reasons(tmp_path):
    write(tmp_path / "x.bin", b"\x00")
    with pytest.raises(CorpusError, match="no readable documents.*unsupported format"):
        read_corpus(tmp_path)


def test_empty_folder_and_empty_texts_are_errors(tmp_path):
    with pytest.raises(CorpusError, match="empty"):
        read_corpus(tmp_path)
    with pytest.raises(CorpusError, match="empty"):
        read_corpus({"a": "  "})
    with pytest.raises(CorpusError, match="no corpus paths"):
        read_corpus([])


def test_in_memory_texts_become_documents():
    result = read_corpus({"note-1": "First line\nSecond line."})
    assert result.documents[0].doc_id == "note-1"
    assert result.documents[0].title == "First line"


def test_jsonl_row_without_a_text_column_is_reported(tmp_path):
    write(tmp_path / "rows.jsonl", json.dumps({"title": "no text"}) + "\n")
    write(tmp_path / "ok.txt", "Readable text here.")
    result = read_corpus(tmp_path)
    assert "no text column" in result.skipped[0].reason


def _tiny_pdf(text: str) -> bytes:
    """A one-page PDF with a text layer, written by hand (no PDF writer needed)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)
