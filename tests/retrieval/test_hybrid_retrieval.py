"""Hybrid retrieval through the pipeline: the rare name is found, old index folders still load."""

from __future__ import annotations

import json
import logging
import re
import shutil
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tests.fakes import FakeEmbedder, FakeJudge
from verifier import Verifier, VerifierConfig
from verifier.retrieval import FaissStore
from verifier.types import Passage

PLACES = ("Kharkiv", "Sumy", "Odesa", "Kherson", "Dnipro", "Lviv", "Poltava", "Mykolaiv", "Izium")
CLAIM = "Syrskyi said drone attacks on the front line grew."


class NameBlindEmbedder(FakeEmbedder):
    """Bag of words that ignores capitalised words: a rare name moves the vector not at all."""

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        return super().encode([re.sub(r"\b[A-Z]\w*", "", text) for text in texts])


def war_corpus() -> dict[str, str]:
    corpus = {}
    for number, place in enumerate(PLACES):
        corpus[f"front{number}.txt"] = f"On the front line near {place}, drone attacks grew."
        corpus[f"aid{number}.txt"] = f"Aid convoys reached {place} after the shelling stopped."
    corpus["general.txt"] = "Syrskyi said attacks on the line grew."
    return corpus


def in_mode(verifier: Verifier, retrieval: str) -> Verifier:
    return verifier.with_config(replace(verifier.config, retrieval=retrieval))


@pytest.fixture(scope="module")
def verifier() -> Verifier:
    return Verifier.from_corpus(war_corpus(), embedder=NameBlindEmbedder(), judge=FakeJudge())


def test_the_passage_naming_the_rare_name_is_found_outside_the_dense_top_5(verifier):
    dense = [hit.passage.source for hit in in_mode(verifier, "dense").retrieve(CLAIM, 20)]
    assert dense.index("general.txt") >= 5
    hybrid = in_mode(verifier, "hybrid").retrieve(CLAIM, 5)
    assert "general.txt" in [hit.passage.source for hit in hybrid]


def test_hybrid_is_the_default_and_each_hit_says_which_list_found_it(verifier):
    assert VerifierConfig().retrieval == "hybrid"
    hits = verifier.retrieve(CLAIM, 5)
    assert {hit.retrieved_by for hit in hits} <= {"dense", "lexical", "both"}
    assert all(hit.retrieved_by == "dense" for hit in in_mode(verifier, "dense").retrieve(CLAIM))
    assert all(
        hit.retrieved_by == "lexical" for hit in in_mode(verifier, "lexical").retrieve(CLAIM)
    )


def test_a_hit_carries_its_cosine_however_it_was_found(verifier):
    vector = verifier.embedder.encode([CLAIM])[0]
    for hit in in_mode(verifier, "lexical").retrieve(CLAIM, 5):
        text_vector = verifier.embedder.encode([hit.passage.text])[0]
        assert hit.score == pytest.approx(float(text_vector @ vector), abs=1e-5)


def test_the_evidence_says_which_list_found_it(verifier):
    verdict = verifier.verify(CLAIM)
    origins = {hit.passage: hit.retrieved_by for hit in verifier.retrieve(CLAIM)}
    assert [item.retrieved_by for item in verdict.evidence] == [
        origins[item.passage] for item in verdict.evidence
    ]
    assert verdict.to_dict()["evidence"][0]["retrieved_by"] in {"dense", "lexical", "both"}


def test_a_workspace_searches_the_words_of_both_layers(verifier):
    private = in_mode(verifier.workspace(), "lexical")
    private.add({"upload.txt": "Zaluzhnyi reviewed the drone attacks."})
    sources = [hit.passage.source for hit in private.retrieve("Zaluzhnyi reviewed attacks", 3)]
    assert sources[0] == "upload.txt"
    assert "general.txt" in [
        hit.passage.source for hit in private.retrieve("Syrskyi said attacks grew", 3)
    ]


def test_an_unknown_retrieval_mode_is_refused():
    with pytest.raises(ValueError, match="retrieval must be one of"):
        VerifierConfig(retrieval="sparse")


def as_version_1(root: Path) -> None:
    """Make a saved index look like one saved before the lexical index existed."""
    version = root / (root / "CURRENT").read_text().strip()
    shutil.rmtree(version / "lexical")
    manifest = json.loads((version / "manifest.json").read_text())
    manifest["format_version"] = 1
    manifest["checksums"] = {
        name: digest for name, digest in manifest["checksums"].items() if "/" not in name
    }
    (version / "manifest.json").write_text(json.dumps(manifest))


def test_an_index_folder_saved_before_bm25_loads_dense_only_and_says_so_once(
    verifier, tmp_path, caplog
):
    verifier.save(tmp_path / "ix")
    as_version_1(tmp_path / "ix")
    with caplog.at_level(logging.INFO, logger="verifier"):
        old = Verifier.open(tmp_path / "ix", embedder=NameBlindEmbedder(), judge=FakeJudge())
        hits = old.retrieve(CLAIM, 5)
        old.verify(CLAIM)
    said = [record for record in caplog.records if "without a lexical" in record.getMessage()]
    assert len(said) == 1
    assert not old.index.has_lexical
    assert all(hit.retrieved_by == "dense" for hit in hits)
    assert hits == in_mode(verifier, "dense").retrieve(CLAIM, 5)


def test_a_saved_index_keeps_its_lexical_index(verifier, tmp_path):
    verifier.save(tmp_path / "ix")
    loaded = Verifier.open(tmp_path / "ix", embedder=NameBlindEmbedder(), judge=FakeJudge())
    assert loaded.index.has_lexical
    assert loaded.retrieve(CLAIM, 5) == verifier.retrieve(CLAIM, 5)


def test_adding_passages_reindexes_their_words():
    index = FaissStore(4, "flat", "fake")
    rows = np.eye(4, dtype=np.float32)
    index.add(rows[:2], [Passage(f"d{n}", "s.txt", "", f"text {n}", 0, 6) for n in range(2)])
    index.add(
        rows[2:],
        [
            Passage("d2", "s.txt", "", "Syrskyi spoke", 0, 13),
            Passage("d3", "s.txt", "", "text 3", 0, 6),
        ],
    )
    assert [position for position, _ in index.lexical_search(["Syrskyi"], 2)[0]] == [2]
    assert np.allclose(index.vectors([3, 0]), rows[[3, 0]])


@pytest.fixture
def tokenised(monkeypatch) -> list[str]:
    """Every text the lexical index tokenises, in order."""
    from verifier.retrieval import lexical

    texts: list[str] = []
    real = lexical.tokenize

    def counting(batch: Sequence[str]) -> list[list[str]]:
        texts.extend(batch)
        return real(batch)

    monkeypatch.setattr(lexical, "tokenize", counting)
    return texts


def _numbered(first: int, count: int) -> list[Passage]:
    return [
        Passage(f"d{n}", "s.txt", "", f"word{n} shared", 0, 20) for n in range(first, first + count)
    ]


def test_each_passage_is_tokenised_once_however_many_adds(tokenised):
    index = FaissStore(4, "flat", "fake")
    for first in range(0, 40, 4):
        index.add(np.ones((4, 4), dtype=np.float32) / 2, _numbered(first, 4))
        index.lexical_search(["word0"], 1)
    passages = [text for text in tokenised if text != "word0"]
    assert sorted(passages) == sorted(f"word{n} shared" for n in range(40))


def test_a_grown_index_ranks_as_one_built_at_once():
    grown = FaissStore(4, "flat", "fake")
    for first in range(0, 12, 3):
        grown.add(np.ones((3, 4), dtype=np.float32) / 2, _numbered(first, 3))
    grown.add(
        np.ones((1, 4), dtype=np.float32) / 2, [Passage("r", "s.txt", "", "rare shared", 0, 11)]
    )
    whole = FaissStore(4, "flat", "fake")
    whole.add(np.ones((13, 4), dtype=np.float32) / 2, grown.passages)
    query = ["rare word7 shared"]
    assert grown.lexical_search(query, 13) == whole.lexical_search(query, 13)
    assert {position for position, _ in grown.lexical_search(query, 2)[0]} == {7, 12}


def test_an_index_read_from_disk_grows_after_one_tokenisation_of_its_passages(tmp_path, tokenised):
    index = FaissStore(4, "flat", "fake")
    index.add(np.ones((3, 4), dtype=np.float32) / 2, _numbered(0, 3))
    index.save(tmp_path / "ix")
    loaded = FaissStore.load(tmp_path / "ix")
    tokenised.clear()
    for first in (3, 5):
        loaded.add(np.ones((2, 4), dtype=np.float32) / 2, _numbered(first, 2))
    assert sorted(tokenised) == sorted(f"word{n} shared" for n in range(7))
    assert [position for position, _ in loaded.lexical_search(["word6"], 1)[0]] == [6]
