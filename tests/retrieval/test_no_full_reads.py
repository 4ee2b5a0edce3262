"""Opening a store, checking a claim and opening a private workspace read only the passages they judge.

A store of 50M passages cannot be read whole: the store here counts every
passage read through its ``passages``, so the pipeline is held to the
passages a search found.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from tests.fakes import FakeEmbedder, FakeJudge
from verifier import Verifier, VerifierConfig
from verifier.retrieval import DENSE, HYBRID, LEXICAL, VectorStore
from verifier.types import Passage

TOP_K = 3
CORPUS = {
    f"town{n}.txt": (
        f"The library of town {n} opened in {1900 + n} on Main Street. "
        f"Its bridge over the river was built in {1800 + n}. "
        f"The school of town {n} has {100 + n} pupils."
    )
    for n in range(40)
}


class _CountedPassages(Sequence[Passage]):
    def __init__(self, passages: Sequence[Passage], reads: list[int]) -> None:
        self._passages = passages
        self._reads = reads

    def __len__(self) -> int:
        return len(self._passages)

    def __getitem__(self, position: Any) -> Any:
        found = self._passages[position]
        self._reads.append(len(found) if isinstance(position, slice) else 1)
        return found

    def __iter__(self) -> Iterator[Passage]:
        for passage in self._passages:
            self._reads.append(1)
            yield passage


class ReadCountingStore:
    """A store whose passages, read one by one or all, are counted in ``reads``."""

    def __init__(self, store: VectorStore) -> None:
        self._store = store
        self.reads: list[int] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def __len__(self) -> int:
        return len(self._store)

    @property
    def passages(self) -> Sequence[Passage]:
        return _CountedPassages(self._store.passages, self.reads)


@pytest.fixture(scope="module")
def indexed() -> Verifier:
    return Verifier.from_corpus(CORPUS, embedder=FakeEmbedder(), judge=FakeJudge())


@pytest.mark.parametrize("retrieval", [DENSE, LEXICAL, HYBRID])
def test_checking_a_claim_reads_at_most_top_k_passages(indexed, retrieval):
    store = ReadCountingStore(indexed.index)
    assert len(store) == 120
    verifier = Verifier(
        store,
        embedder=indexed.embedder,
        judge=FakeJudge(),
        config=VerifierConfig(top_k=TOP_K, retrieval=retrieval),
    )
    assert verifier.stats.documents == 40 and verifier.load_report.passages == 120
    assert sum(store.reads) == 0
    verdict = verifier.verify("The library of town 7 opened in 1907.")
    assert verdict.evidence
    assert 0 < sum(store.reads) <= TOP_K


def test_a_private_workspace_opens_and_checks_without_reading_the_shared_store(indexed):
    store = ReadCountingStore(indexed.index)
    shared = Verifier(store, embedder=indexed.embedder, judge=FakeJudge())
    private = shared.workspace()
    assert private.stats.documents == 40
    assert sum(store.reads) == 0
    private.add({"mine.txt": "The ferry of town 7 sails at noon every day."})
    assert private.stats.documents == 41
    private.verify("The ferry of town 7 sails at noon.", top_k=TOP_K)
    assert sum(store.reads) <= TOP_K
