"""The BM25 index: its tokens, its search, and saving it."""

from __future__ import annotations

import json
import logging

import pytest

from verifier.errors import IndexFormatError
from verifier.retrieval import LexicalIndex, lexical_text, tokenize
from verifier.types import Passage


def test_numbers_keep_their_separators():
    assert tokenize(["1.2 million, 50,000 troops, 9/11 at 10:30 in 2024."]) == [
        ["1.2", "million", "50,000", "troop", "9/11", "10:30", "2024"]
    ]


def test_words_are_stemmed_and_stop_words_left_out():
    assert tokenize(["The drones were launched by them"]) == [["drone", "launch"]]


def test_a_single_digit_counts_and_a_single_letter_does_not():
    assert tokenize(["Russia's 3 drones"]) == [["russia", "3", "drone"]]


def test_names_match_whatever_their_case():
    assert tokenize(["Kim Jong Un"]) == tokenize(["KIM JONG UN"]) == [["kim", "jong", "un"]]


def test_a_passage_is_indexed_with_its_title():
    passage = Passage("d", "s.txt", "Kursk incursion", "Troops crossed.", 0, 15)
    assert lexical_text(passage) == "Kursk incursion. Troops crossed."
    assert lexical_text(Passage("d", "s.txt", "", "Troops crossed.", 0, 15)) == "Troops crossed."


def test_the_rare_word_ranks_first_and_unmatched_passages_are_no_hits():
    index = LexicalIndex.build(
        [
            "Drone attacks grew on the front line.",
            "Syrskyi counted the drone attacks.",
            "Drone attacks on the front line grew again.",
            "Rain fell in Paris.",
        ]
    )
    (hits,) = index.search(["Syrskyi says drone attacks grew"], 10)
    assert hits[0][0] == 1
    assert 3 not in {position for position, _ in hits}
    assert [score for _, score in hits] == sorted((score for _, score in hits), reverse=True)
    assert index.search(["nothing matches here"], 3) == [[]]


def test_an_empty_index_finds_nothing():
    assert LexicalIndex.build([]).search(["anything"], 5) == [[]]


def test_k_must_be_positive():
    with pytest.raises(ValueError, match="k must be at least 1"):
        LexicalIndex.build(["a text"]).search(["text"], 0)


def test_a_saved_index_searches_the_same(tmp_path):
    index = LexicalIndex.build(["Kim Jong Un ratified the treaty.", "Rain fell in Paris."])
    index.save(tmp_path)
    loaded = LexicalIndex.load(tmp_path, 2)
    assert loaded is not None
    assert loaded.search(["treaty Kim"], 2) == index.search(["treaty Kim"], 2)


def test_another_count_of_passages_is_refused(tmp_path):
    LexicalIndex.build(["one passage"]).save(tmp_path)
    with pytest.raises(IndexFormatError, match="covers 1 passages, the index holds 2"):
        LexicalIndex.load(tmp_path, 2)


def test_an_index_tokenised_otherwise_is_not_read(tmp_path, caplog):
    LexicalIndex.build(["one passage"]).save(tmp_path)
    settings = json.loads((tmp_path / "lexical.json").read_text())
    settings["tokenizer"] = "older"
    (tmp_path / "lexical.json").write_text(json.dumps(settings))
    with caplog.at_level(logging.INFO):
        assert LexicalIndex.load(tmp_path, 1) is None
    assert "dense only" in caplog.text


def test_passages_without_a_word_index_to_empty_searches_and_survive_a_save(tmp_path):
    from verifier.retrieval.lexical import LexicalIndex

    index = LexicalIndex.build(["", "!!!", "—"])
    assert len(index) == 3 and index.search(["anything at all"], 5) == [[]]
    index.save(tmp_path)
    again = LexicalIndex.load(tmp_path, 3)
    assert again is not None and again.search(["anything"], 2) == [[]]


def test_the_best_passages_are_those_bm25s_scores_highest_with_ties_by_position():
    # The search ranks only the passages that hold a query token; the oracle is
    # bm25s's own score over every passage, sorted by score, then position.
    import random

    import bm25s

    rng = random.Random(5)
    words = [f"w{n}" for n in range(30)]
    texts = [" ".join(rng.choices(words, k=rng.randint(1, 12))) for _ in range(400)]
    texts += texts[:50]  # copies score alike: their order must be by position
    index = LexicalIndex.build(texts)
    oracle = bm25s.BM25()
    oracle.index(tokenize(texts), show_progress=False)
    for _ in range(60):
        query = " ".join(rng.choices(words, k=rng.randint(1, 6)))
        k = rng.choice([1, 3, 10, 50])
        ids = oracle.get_tokens_ids(tokenize([query])[0])
        scores = oracle.get_scores_from_ids(ids)
        expected = sorted(
            (p for p in range(len(texts)) if scores[p] > 0), key=lambda p: (-scores[p], p)
        )
        found = index.search([query], k)[0]
        assert [position for position, _ in found] == expected[:k]
        assert [score for _, score in found] == pytest.approx(
            [float(scores[p]) for p in expected[:k]]
        )
