"""Fusing the dense and the lexical ranking: hand-made cases."""

from __future__ import annotations

import pytest

from verifier.retrieval import Candidate, fuse


def candidate(position: int, cosine: float, bm25: float, by: str = "both") -> Candidate:
    return Candidate(position, cosine, bm25, by)


def test_a_strong_bm25_score_lifts_a_passage_with_a_fair_cosine():
    ranked = fuse(
        [
            candidate(0, 0.90, 1.0, "both"),
            candidate(1, 0.88, 0.0, "dense"),
            candidate(2, 0.80, 9.0, "lexical"),
            candidate(3, 0.20, 0.5, "lexical"),
        ],
        k=2,
    )
    assert [c.position for c in ranked] == [2, 0]


def test_dense_weight_one_is_the_cosine_order_and_zero_the_bm25_order():
    items = [candidate(0, 0.9, 1.0), candidate(1, 0.5, 5.0), candidate(2, 0.7, 3.0)]
    assert [c.position for c in fuse(items, 3, dense_weight=1.0)] == [0, 2, 1]
    assert [c.position for c in fuse(items, 3, dense_weight=0.0)] == [1, 2, 0]


def test_ties_keep_the_candidates_order():
    items = [candidate(5, 0.5, 1.0), candidate(2, 0.5, 1.0), candidate(9, 0.5, 1.0)]
    assert [c.position for c in fuse(items, 3)] == [5, 2, 9]


def test_no_candidates_and_fewer_than_k():
    assert fuse([], 5) == []
    assert len(fuse([candidate(0, 0.3, 0.0)], 5)) == 1


def test_the_candidate_comes_back_as_it_was():
    item = candidate(4, 0.61, 2.5, "lexical")
    assert fuse([item], 1) == [item]


@pytest.mark.parametrize(("k", "weight"), [(0, 0.7), (1, -0.1), (1, 1.5)])
def test_bad_settings_are_refused(k, weight):
    with pytest.raises(ValueError):
        fuse([candidate(0, 0.5, 1.0)], k, dense_weight=weight)
