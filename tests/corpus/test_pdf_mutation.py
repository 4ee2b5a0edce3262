"""Randomly damaged PDFs, on a fixed seed: each one is read or skipped with a reason, never a crash.

Slow (a few hundred pypdf parses): ``pytest -m slow tests/corpus/test_pdf_mutation.py``.
``VERIFIER_PDF_MUTANTS`` sets how many (default 600).
"""

from __future__ import annotations

import io
import logging
import os
import random
from pathlib import Path

import pytest
from pypdf import PdfWriter

from tests.corpus.test_reading import _tiny_pdf
from verifier.corpus import read_corpus

MUTANTS = int(os.environ.get("VERIFIER_PDF_MUTANTS", "600"))
SEED = 20260110
BATCH = 50


def _written_pdf(encrypt: bool) -> bytes:
    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(300, 300)
    writer.add_metadata({"/Title": "Quarterly report"})
    if encrypt:
        writer.encrypt("", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _mutate(data: bytes, rng: random.Random) -> bytes:
    """Flip, delete, duplicate or splice a few byte ranges, or cut the file short."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        where = rng.randrange(len(out))
        kind = rng.choice(("flip", "delete", "duplicate", "insert", "truncate", "digits"))
        if kind == "flip":
            for offset in range(rng.randint(1, 8)):
                if where + offset < len(out):
                    out[where + offset] = rng.randrange(256)
        elif kind == "delete":
            del out[where : where + rng.randint(1, 64)]
        elif kind == "duplicate":
            out[where:where] = out[where : where + rng.randint(1, 200)] * rng.randint(1, 50)
        elif kind == "insert":
            out[where:where] = rng.choice(
                [b"<<", b">>", b"[", b"]", b" 0 R ", b"/Filter /JBIG2Decode", b"999999999", b"\x00"]
            )
        elif kind == "truncate":
            del out[max(16, where) :]
        else:
            out[where:where] = str(rng.randint(-(10**12), 10**12)).encode()
        if not out:
            out = bytearray(b"%PDF")
    return bytes(out)


@pytest.mark.slow
def test_mutated_pdfs_are_read_or_skipped_never_fatal(tmp_path, caplog):
    rng = random.Random(SEED)
    seeds = [_tiny_pdf("The bridge opened in 2019."), _written_pdf(False), _written_pdf(True)]
    read = skipped = 0
    with caplog.at_level(logging.ERROR):
        for start in range(0, MUTANTS, BATCH):
            folder = tmp_path / f"batch{start}"
            folder.mkdir()
            (folder / "good.txt").write_text("The ferry runs at night.", encoding="utf-8")
            names = set()
            for number in range(start, min(start + BATCH, MUTANTS)):
                name = f"m{number}.pdf"
                (folder / name).write_bytes(_mutate(rng.choice(seeds), rng))
                names.add(name)
            result = read_corpus(folder)
            got = {Path(document.source).name for document in result.documents}
            lost = {Path(item.path).name for item in result.skipped}
            assert "good.txt" in got
            assert (got | lost) - {"good.txt"} == names
            read += len(got) - 1
            skipped += len(lost)
    print(f"\n{MUTANTS} mutated PDFs: {read} read, {skipped} skipped with a reason")
    assert read + skipped == MUTANTS
