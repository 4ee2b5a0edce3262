"""Skip, don't abort: every reader error is caught per file and listed with its reason."""

from __future__ import annotations

import io
import json
from pathlib import Path
from unittest import mock

import pytest
from pypdf import PdfWriter
from pypdf.errors import DependencyError, LimitReachedError

from tests.corpus.test_reading import _tiny_pdf, write
from verifier.corpus import read_corpus
from verifier.errors import CorpusError


def reasons(tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    result = read_corpus(tmp_path)
    return (
        sorted(Path(document.source).name for document in result.documents),
        {Path(item.path).name: item.reason for item in result.skipped},
    )


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt("secret", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_a_password_protected_pdf_is_skipped_with_its_reason(tmp_path):
    write(tmp_path / "locked.pdf", encrypted_pdf())
    write(tmp_path / "ok.txt", "The bridge opened in 2019.")
    read, skipped = reasons(tmp_path)
    assert read == ["ok.txt"]
    assert "encrypted with a password" in skipped["locked.pdf"]


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (DependencyError("cryptography>=3.1 is required for AES algorithm"), "encrypted"),
        (NotImplementedError("unsupported filter /JBIG2Decode"), "NotImplementedError"),
        (LimitReachedError("limit reached"), "LimitReachedError"),
        (RecursionError("maximum recursion depth exceeded"), "nest or loop"),
        (MemoryError(), "MemoryError"),
    ],
)
def test_every_pdf_reader_error_skips_only_that_file(tmp_path, error, expected):
    write(tmp_path / "odd.pdf", _tiny_pdf("Text."))
    write(tmp_path / "ok.txt", "The bridge opened in 2019.")
    with mock.patch("pypdf.PdfReader", side_effect=error):
        read, skipped = reasons(tmp_path)
    assert read == ["ok.txt"]
    assert expected in skipped["odd.pdf"]


def test_an_unexpected_reader_crash_skips_only_that_file(tmp_path, caplog):
    write(tmp_path / "a.md", "# A\nFirst text.")
    write(tmp_path / "b.txt", "Second text.")
    real = __import__("verifier.corpus.reading", fromlist=["read_file"]).read_file

    def crash_on_markdown(path, source):
        if path.suffix == ".md":
            raise RuntimeError("boom \x1b[31m")
        return real(path, source)

    with mock.patch("verifier.corpus.reading.read_file", side_effect=crash_on_markdown):
        read, skipped = reasons(tmp_path)
    assert read == ["b.txt"]
    assert skipped["a.md"] == "cannot read file (RuntimeError: boom [31m)"


def test_a_csv_field_over_the_csv_limit_is_skipped(tmp_path):
    write(tmp_path / "huge.csv", "id,text\n1," + "x" * (200 * 1024) + "\n")
    write(tmp_path / "ok.csv", "id,text\n1,The ferry runs at night.\n")
    read, skipped = reasons(tmp_path)
    assert read == ["ok.csv"]
    assert "field larger than field limit" in skipped["huge.csv"]


def test_a_header_only_csv_and_a_broken_link_are_listed(tmp_path):
    write(tmp_path / "header.csv", "id,title,text\n")
    (tmp_path / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    write(tmp_path / "ok.txt", "The bridge opened in 2019.")
    read, skipped = reasons(tmp_path)
    assert read == ["ok.txt"]
    assert "header only" in skipped["header.csv"]
    assert "broken link" in skipped["gone.txt"]


@pytest.mark.parametrize("value", [["a", "list"], {"a": 1}, True])
def test_jsonl_text_that_is_not_a_string_is_refused(tmp_path, value):
    write(tmp_path / "rows.jsonl", json.dumps({"id": 1, "text": value}) + "\n")
    write(tmp_path / "ok.txt", "The bridge opened in 2019.")
    read, skipped = reasons(tmp_path)
    assert read == ["ok.txt"]
    if value is True:
        assert "no text column" in skipped["rows.jsonl"]
    else:
        assert f"is a {type(value).__name__}, not text" in skipped["rows.jsonl"]


def test_jsonl_rows_sharing_an_id_stay_apart(tmp_path):
    rows = [{"id": "same", "text": "First row text."}, {"id": "same", "text": "Second row."}]
    write(tmp_path / "rows.jsonl", "".join(json.dumps(row) + "\n" for row in rows))
    documents = read_corpus(tmp_path / "rows.jsonl").documents
    assert [d.text for d in documents] == ["First row text.", "Second row."]
    assert len({d.doc_id for d in documents}) == 2


def test_reasons_are_one_clean_line(tmp_path):
    write(tmp_path / "bad.jsonl", '{"text": "\\ud800 lone"}\n')
    write(tmp_path / "ok.txt", "The bridge opened in 2019.")
    _, skipped = reasons(tmp_path)
    assert "lone surrogate" in skipped["bad.jsonl"]


def test_a_corpus_of_the_wrong_type_is_a_clear_error():
    from verifier.pipeline import verify

    for corpus in (5, None, b"bytes", [1, 2]):
        with pytest.raises(CorpusError, match="must be a path"):
            read_corpus(corpus)
    with pytest.raises(CorpusError, match=r"verify\(claim, corpus, top_k\).*got int"):
        verify("The bridge opened.", 5)
