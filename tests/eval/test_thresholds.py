from __future__ import annotations

import itertools

import pytest

from eval.fit.thresholds import AggregationConfig, aggregate, stance_of
from verifier.types import (
    CONFLICTING,
    NOT_ENOUGH_INFO,
    REFUTED,
    SUPPORTED,
    JudgedPassage,
    NLIScores,
    Passage,
)


def judged(
    entail: float, contra: float, doc: str = "a", score: float = 0.7, text: str = ""
) -> JudgedPassage:
    neutral = round(1.0 - entail - contra, 6)
    passage = Passage(
        doc, f"{doc}.txt", doc.upper(), text or f"sentence {doc} {entail} {contra}", 0, 5
    )
    return JudgedPassage(passage, score, NLIScores(entail, neutral, contra))


def test_no_evidence_is_not_enough_info_with_full_confidence():
    verdict = aggregate("claim", [])
    assert (verdict.label, verdict.confidence, verdict.deciding, verdict.sources) == (
        NOT_ENOUGH_INFO,
        1.0,
        (),
        (),
    )


def test_one_supporting_passage():
    verdict = aggregate("claim", [judged(0.9, 0.05)])
    assert verdict.label == SUPPORTED
    assert verdict.confidence == pytest.approx(0.9)
    assert [e.stance for e in verdict.deciding] == ["supports"]


def test_one_refuting_passage():
    verdict = aggregate("claim", [judged(0.05, 0.85)])
    assert verdict.label == REFUTED
    assert verdict.confidence == pytest.approx(0.85)


def test_only_neutral_passages_give_not_enough_info_less_sure_when_something_leans():
    verdict = aggregate("claim", [judged(0.3, 0.1), judged(0.1, 0.2, doc="b")])
    assert verdict.label == NOT_ENOUGH_INFO
    assert verdict.confidence == pytest.approx(0.7)
    assert verdict.deciding == ()


def test_strong_evidence_both_ways_is_conflicting():
    verdict = aggregate("claim", [judged(0.95, 0.02, doc="a"), judged(0.03, 0.9, doc="b")])
    assert verdict.label == CONFLICTING
    assert verdict.confidence == pytest.approx(0.9)
    assert {e.stance for e in verdict.deciding} == {"supports", "refutes"}
    assert {s.doc_id: s.stance for s in verdict.sources} == {"a": "supports", "b": "refutes"}


def test_weak_opposition_lowers_confidence_but_does_not_flip():
    verdict = aggregate("claim", [judged(0.95, 0.02), judged(0.1, 0.6, doc="b")])
    assert verdict.label == SUPPORTED
    assert verdict.confidence == pytest.approx(0.95 - 0.6 / 2)


def test_stronger_refutation_wins_over_weaker_support():
    verdict = aggregate("claim", [judged(0.6, 0.1), judged(0.05, 0.9, doc="b")])
    assert verdict.label == REFUTED
    assert verdict.confidence == pytest.approx(0.9 - 0.6 / 2)


def test_passages_below_the_retrieval_threshold_do_not_count():
    verdict = aggregate("claim", [judged(0.99, 0.0, score=0.1)])
    assert verdict.label == NOT_ENOUGH_INFO
    assert verdict.evidence[0].stance == "neutral"
    assert verdict.confidence == 1.0


def test_tie_between_entailment_and_contradiction_is_neutral():
    item = judged(0.5, 0.5)
    assert stance_of(item, AggregationConfig())[0] == "neutral"


def test_thresholds_come_from_the_config():
    item = judged(0.6, 0.1)
    assert aggregate("c", [item], AggregationConfig(support_threshold=0.7)).label == NOT_ENOUGH_INFO
    assert aggregate("c", [item], AggregationConfig(support_threshold=0.55)).label == SUPPORTED


def test_source_summary_keeps_each_documents_strongest_stance():
    items = [
        judged(0.7, 0.1, doc="a", text="weaker support"),
        judged(0.92, 0.03, doc="a", text="stronger support"),
        judged(0.1, 0.1, doc="c", text="neutral only"),
    ]
    sources = aggregate("claim", items).sources
    assert [(s.doc_id, s.stance, s.text) for s in sources] == [
        ("a", "supports", "stronger support"),
        ("c", "neutral", "neutral only"),
    ]


def test_deciding_evidence_is_sorted_strongest_first_and_evidence_keeps_order():
    items = [judged(0.7, 0.1, doc="a"), judged(0.9, 0.05, doc="b"), judged(0.1, 0.1, doc="c")]
    verdict = aggregate("claim", items)
    assert [e.passage.doc_id for e in verdict.deciding] == ["b", "a"]
    assert [e.passage.doc_id for e in verdict.evidence] == ["a", "b", "c"]


def test_input_is_not_mutated_and_numbers_are_plain_floats():
    import numpy as np

    item = JudgedPassage(judged(0.9, 0.05).passage, np.float32(0.8), NLIScores(0.9, 0.05, 0.05))
    verdict = aggregate("claim", [item])
    assert type(verdict.confidence) is float
    assert type(verdict.evidence[0].retrieval_score) is float
    assert item.retrieval_score == np.float32(0.8)


GRID = [0.0, 0.2, 0.5, 0.8, 1.0]


@pytest.mark.parametrize(("support", "refute"), list(itertools.product(GRID, GRID)))
def test_verdict_is_consistent_over_a_grid_of_strengths(support, refute):
    items = []
    if support:
        items.append(judged(support, 0.0, doc="s"))
    if refute:
        items.append(judged(0.0, refute, doc="r"))
    verdict = aggregate("claim", items)
    assert 0.0 <= verdict.confidence <= 1.0
    supports, refutes = support >= 0.5, refute >= 0.5
    if supports and refutes and min(support, refute) >= 0.8:
        assert verdict.label == CONFLICTING
    elif supports or refutes:
        stronger = SUPPORTED if (supports and (not refutes or support >= refute)) else REFUTED
        assert verdict.label == stronger
    else:
        assert verdict.label == NOT_ENOUGH_INFO


def test_config_validation_and_round_trip():
    with pytest.raises(ValueError, match="support_threshold"):
        AggregationConfig(support_threshold=1.5)
    with pytest.raises(ValueError, match="conflict_threshold"):
        AggregationConfig(conflict_threshold=-0.1)
    with pytest.raises(ValueError, match="unknown aggregation settings"):
        AggregationConfig.from_dict({"bogus": 1})
    config = AggregationConfig(support_threshold=0.6, min_retrieval_score=-0.2)
    assert AggregationConfig.from_dict(config.to_dict()) == config


def test_verdict_to_dict_is_json_ready():
    import json

    verdict = aggregate("claim", [judged(0.9, 0.05)])
    data = json.loads(json.dumps(verdict.to_dict()))
    assert data["verdict"] == SUPPORTED
    assert data["evidence"][0]["nli"]["label"] == "entailment"
    assert set(data["evidence"][0]["nli"]) == {"label", "entailment", "neutral", "contradiction"}
