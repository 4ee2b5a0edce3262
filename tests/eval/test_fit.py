"""Dev-fitting: re-aggregating stored NLI scores, and histogram calibration."""

from __future__ import annotations

import pytest

from eval.fit.aggregation import StoredClaim, fit_aggregation, reaggregate
from eval.fit.thresholds import AggregationConfig
from verifier.decision import fit_histogram_calibration
from verifier.types import NOT_ENOUGH_INFO, REFUTED, SUPPORTED


def evidence(text: str, score: float, entail: float, contra: float) -> dict:
    return {
        "text": text,
        "source": "doc",
        "doc_id": "doc",
        "title": "",
        "start": 0,
        "end": len(text),
        "score": score,
        "nli": {"entailment": entail, "neutral": 1 - entail - contra, "contradiction": contra},
        "stance": "neutral",
        "notes": [],
    }


def stored(claim: str, *items: dict) -> StoredClaim:
    return StoredClaim.from_record({"claim": claim, "evidence": list(items)})


def test_reaggregate_uses_the_given_thresholds():
    claims = [stored("c", evidence("e", 0.8, 0.6, 0.1))]
    assert reaggregate(claims, AggregationConfig())[0].label == SUPPORTED
    strict = AggregationConfig(support_threshold=0.7)
    assert reaggregate(claims, strict)[0].label == NOT_ENOUGH_INFO


def test_fit_raises_support_threshold_to_separate_weak_support():
    claims = [
        stored("s1", evidence("a", 0.8, 0.9, 0.05)),
        stored("s2", evidence("b", 0.8, 0.92, 0.05)),
        stored("n1", evidence("c", 0.8, 0.6, 0.1)),
        stored("n2", evidence("d", 0.8, 0.65, 0.1)),
        stored("r1", evidence("e", 0.8, 0.05, 0.9)),
    ]
    gold = [SUPPORTED, SUPPORTED, NOT_ENOUGH_INFO, NOT_ENOUGH_INFO, REFUTED]
    fit = fit_aggregation(claims, gold)
    assert fit.start_dev_macro_f1 < 1.0
    assert fit.dev_macro_f1 == 1.0
    # the first grid value that separates them; later ties do not move it
    assert fit.config.support_threshold == 0.7
    assert fit.config.refute_threshold == AggregationConfig().refute_threshold
    assert fit.to_dict()["config"]["support_threshold"] == 0.7
    assert fit.configs_tried > 1


def test_fit_keeps_defaults_when_nothing_improves():
    claims = [stored("s", evidence("a", 0.8, 0.9, 0.05))]
    fit = fit_aggregation(claims, [SUPPORTED])
    assert fit.config == AggregationConfig()
    assert fit.rounds == 1


def test_fit_lowers_min_retrieval_score():
    claims = [stored("s", evidence("a", 0.2, 0.9, 0.05)), stored("n", evidence("b", 0.2, 0.1, 0.1))]
    fit = fit_aggregation(
        claims, [SUPPORTED, NOT_ENOUGH_INFO], grid={"min_retrieval_score": (0.0, 0.1)}
    )
    assert fit.config.min_retrieval_score == 0.0
    assert fit.dev_macro_f1 == 1.0


def test_fit_on_no_claims_and_bad_input():
    assert fit_aggregation([], []).config == AggregationConfig()
    with pytest.raises(ValueError, match="unknown aggregation settings"):
        fit_aggregation([], [], grid={"nope": (0.1,)})
    with pytest.raises(ValueError):
        fit_aggregation([stored("c")], [])


def test_claim_without_evidence_is_not_enough_info():
    assert reaggregate([stored("c")], AggregationConfig())[0].label == NOT_ENOUGH_INFO


def test_histogram_calibration_maps_to_bin_accuracy():
    calibration = fit_histogram_calibration([0.95, 0.91, 0.92, 0.35], [True, False, False, True])
    assert calibration.apply(0.99) == pytest.approx(1 / 3)
    assert calibration.apply(0.30) == 1.0
    assert calibration.apply(0.55) == 0.55  # empty bin: left as it is
    assert calibration.counts[9] == 3
    assert calibration.to_dict()["accuracy"][5] is None


def test_histogram_calibration_bad_input():
    with pytest.raises(ValueError):
        fit_histogram_calibration([0.5], [])
    with pytest.raises(ValueError):
        fit_histogram_calibration([1.2], [True])
    with pytest.raises(ValueError):
        fit_histogram_calibration([0.5], [True], bins=0)
