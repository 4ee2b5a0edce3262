"""Large files: splitting reports its progress, and a 50 MB text file fits the time and memory budget."""

from __future__ import annotations

import random
import re
import resource
import time

import pytest

from tests.fakes import FakeEmbedder, FakeJudge
from verifier import Verifier, VerifierConfig
from verifier.corpus import document_passages, read_corpus

SENTENCE = "The {0} ferry number {1} left the quay at {2} o'clock on day {3}."


def big_text(chars: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    words = ("harbour", "night", "morning", "island", "river", "council", "old", "new")
    pieces, size = [], 0
    while size < chars:
        line = " ".join(
            SENTENCE.format(rng.choice(words), rng.randint(1, 10**6), rng.randint(1, 12), n)
            for n in range(rng.randint(3, 8))
        )
        pieces.append(line + "\n\n")
        size += len(line) + 2
    return "".join(pieces)


def test_splitting_and_embedding_report_progress(tmp_path):
    (tmp_path / "big.txt").write_text(big_text(700_000), encoding="utf-8")
    events: list[tuple[int, int, str]] = []
    Verifier.from_corpus(
        tmp_path / "big.txt",
        embedder=FakeEmbedder(),
        judge=FakeJudge(),
        config=VerifierConfig(decision="thresholds"),
        progress=lambda done, total, stage: events.append((done, total, stage)),
    )
    splitting = [(done, total) for done, total, stage in events if stage.startswith("splitting")]
    embedding = [(done, total) for done, total, stage in events if stage.startswith("embedding")]
    assert len(splitting) >= 3, "a 700 kB file reports while it is split, not only at the end"
    assert [done for done, _ in splitting] == sorted(done for done, _ in splitting)
    assert splitting[-1][0] == splitting[-1][1]
    assert embedding and embedding[-1][0] == embedding[-1][1]


@pytest.mark.slow
def test_a_50_mb_text_file_is_read_and_split_in_time_and_memory(tmp_path):
    """Reading and splitting only (embedding is measured with the real model; see the README)."""
    path = tmp_path / "fifty.txt"
    path.write_text(big_text(50 * 1024 * 1024), encoding="utf-8")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.monotonic()
    read = read_corpus(path)
    passages = [p for document in read.documents for p in document_passages(document)]
    seconds = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\n50 MB text: read and split in {seconds:.0f} s into {len(passages)} passages; "
        f"peak RSS {peak:.0f} MB (was {before:.0f} MB before)"
    )
    assert re.search(r"ferry number \d+", passages[-1].text)
    assert seconds < 15 * 60
    assert peak < 2048
