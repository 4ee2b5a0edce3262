"""Large files: splitting reports its progress, and a 50 MB text file fits the time and memory budget."""

from __future__ import annotations

import re
import resource
import time

import pytest

from eval.bench_large_file import big_text
from tests.fakes import FakeEmbedder, FakeJudge
from verifier import Verifier, VerifierConfig
from verifier.corpus import document_passages, read_corpus


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


class _FailingEmbedder(FakeEmbedder):
    """Fails on its n-th call, as a model that runs out of memory part-way would."""

    def __init__(self, fail_on_call: int) -> None:
        super().__init__()
        self.fail_on_call = fail_on_call

    def encode(self, texts, *, progress=False):
        if self.calls + 1 == self.fail_on_call:
            self.calls += 1
            raise MemoryError("out of memory")
        return super().encode(texts, progress=progress)


@pytest.mark.parametrize("index_type", ["flat", "hnsw"])
def test_an_add_that_fails_part_way_leaves_the_index_as_it_was(tmp_path, index_type):
    (tmp_path / "first.txt").write_text("The ferry left the quay at noon today.", encoding="utf-8")
    (tmp_path / "big.txt").write_text(big_text(400_000), encoding="utf-8")
    embedder = _FailingEmbedder(fail_on_call=3)
    verifier = Verifier.from_corpus(
        tmp_path / "first.txt",
        embedder=embedder,
        judge=FakeJudge(),
        config=VerifierConfig(decision="thresholds"),
        index_type=index_type,
    )
    before = list(verifier.passages)
    with pytest.raises(MemoryError):
        verifier.add(tmp_path / "big.txt")
    assert verifier.passages == before
    assert len(verifier.index) == len(before)
    assert verifier.index.search(embedder.encode(["ferry quay noon"]), 3)[0][0][0] == 0

    embedder.fail_on_call = 0
    report = verifier.add(tmp_path / "big.txt")
    assert report.passages > 2048, "the big file spans several embedding chunks"
    assert len(verifier.index) == len(before) + report.passages
    last = verifier.passages[-1]
    hits = verifier.index.search(embedder.encode([last.text]), 1)[0]
    found = embedder.encode([verifier.passages[hits[0][0]].text])[0]
    assert hits[0][1] > 0.999 and float(found @ embedder.encode([last.text])[0]) > 0.999


def test_a_new_flat_index_keeps_the_vectors_it_was_filled_with(tmp_path, monkeypatch):
    """The staged vectors become the index's storage: no add copies them."""
    from verifier.retrieval import FaissStore

    (tmp_path / "big.txt").write_text(big_text(400_000), encoding="utf-8")
    monkeypatch.setattr(FaissStore, "add", lambda *args: pytest.fail("vectors were copied"))
    embedder = FakeEmbedder()
    verifier = Verifier.from_corpus(
        tmp_path / "big.txt",
        embedder=embedder,
        judge=FakeJudge(),
        config=VerifierConfig(decision="thresholds"),
    )
    assert embedder.calls > 1, "the passages were embedded in several chunks"
    assert len(verifier.index) == len(verifier.passages) > 2048
