"""Fact-checking metrics in verifier.decision, each on small hand-made cases."""

from __future__ import annotations

import pytest

from verifier.decision import (
    bin_index,
    claim_label_metrics,
    classification_report,
    conflict_metrics,
    evidence_recall_at_k,
    expected_calibration_error,
    fever_strict_accuracy,
    reliability_bins,
)
from verifier.types import CONFLICTING, NOT_ENOUGH_INFO, REFUTED, SUPPORTED

S, R, N, C = SUPPORTED, REFUTED, NOT_ENOUGH_INFO, CONFLICTING


# ---------------------------------------------------------------- claim labels
def test_claim_labels_perfect():
    metrics = claim_label_metrics([S, R, N], [S, R, N])
    assert (metrics.accuracy, metrics.macro_f1) == (1.0, 1.0)
    assert metrics.confusion == ((1, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0))


def test_claim_labels_conflicting_prediction_counts_wrong_but_not_in_macro():
    metrics = claim_label_metrics([S, S, R, N], [S, C, R, N])
    assert metrics.accuracy == 0.75
    # S: precision 1, recall 0.5 -> F1 2/3; R, N perfect; CONFLICTING is not averaged.
    assert metrics.macro_f1 == pytest.approx((2 / 3 + 1 + 1) / 3)
    assert metrics.confusion[0] == (1, 0, 0, 1)
    assert set(metrics.per_class) == {S, R, N}


def test_claim_labels_all_one_class():
    metrics = claim_label_metrics([S, S, S], [S, S, S])
    assert (metrics.accuracy, metrics.macro_f1) == (1.0, 1.0)
    assert metrics.per_class[R].support == 0


def test_claim_labels_all_one_class_predicted_wrongly():
    metrics = claim_label_metrics([S, S], [N, N])
    assert (metrics.accuracy, metrics.macro_f1) == (0.0, 0.0)
    assert metrics.per_class[N].precision == 0.0


def test_claim_labels_empty():
    metrics = claim_label_metrics([], [])
    assert (metrics.accuracy, metrics.macro_f1, metrics.count) == (0.0, 0.0, 0)


def test_claim_labels_refuse_gold_outside_classes_and_length_mismatch():
    with pytest.raises(ValueError, match="gold labels"):
        claim_label_metrics([C], [C])
    with pytest.raises(ValueError, match="items"):
        claim_label_metrics([S], [])
    with pytest.raises(ValueError, match="not among"):
        claim_label_metrics([S], ["MAYBE"])


def test_claim_labels_to_dict_is_json_shaped():
    data = claim_label_metrics([S], [S]).to_dict()
    assert data["per_class"][S]["precision"] == 1.0
    assert data["confusion"] == [[1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]


def test_classification_report_unchanged():
    report = classification_report(["a", "b"], ["a", "a"], ["a", "b"])
    assert (report.accuracy, report.confusion) == (0.5, ((1, 0), (1, 0)))


# ---------------------------------------------------------------- conflicting
def test_conflict_metrics():
    metrics = conflict_metrics([C, C, S, N], [C, S, C, N])
    assert metrics.count == 2
    assert metrics.predicted == {S: 1, R: 0, N: 0, C: 1}
    assert (metrics.precision, metrics.recall) == (0.5, 0.5)
    assert metrics.f1 == 0.5


def test_conflict_metrics_without_disputed_claims():
    metrics = conflict_metrics([S, N], [S, N])
    assert (metrics.count, metrics.precision, metrics.recall, metrics.f1) == (0, 0.0, 0.0, 0.0)


# ---------------------------------------------------------------- evidence recall
def test_evidence_recall_ranks_and_skips_claims_without_gold():
    retrieved = [["x", "gold a", "y"], ["gold b"], ["z"], ["q"]]
    gold = [["gold a"], ["gold b", "other"], ["never found"], []]
    recall = evidence_recall_at_k(retrieved, gold, ks=(1, 3, 5))
    assert recall.claims == 3
    assert recall.at_k == {
        1: pytest.approx(1 / 3),
        3: pytest.approx(2 / 3),
        5: pytest.approx(2 / 3),
    }


def test_evidence_recall_empty_evidence_and_whitespace():
    recall = evidence_recall_at_k([[], ["a  b\n"]], [["a b"], ["a b"]], ks=(1,))
    assert recall.at_k == {1: 0.5}


def test_evidence_recall_no_gold_at_all_is_none():
    recall = evidence_recall_at_k([["a"]], [[]])
    assert recall.claims == 0
    assert recall.at_k == {1: None, 3: None, 5: None}
    assert recall.to_dict() == {"at_k": {"1": None, "3": None, "5": None}, "claims": 0}


def test_evidence_recall_bad_input():
    with pytest.raises(ValueError):
        evidence_recall_at_k([["a"]], [])
    with pytest.raises(ValueError):
        evidence_recall_at_k([["a"]], [["a"]], ks=(0,))


# ---------------------------------------------------------------- FEVER strict
def test_fever_strict_needs_label_and_evidence_for_supported_refuted():
    gold = [S, R, N, S, S]
    predicted = [S, R, N, S, R]
    retrieved = [["g1"], ["other"], [], ["x", "x", "x", "x", "x", "g4"], ["g5"]]
    gold_evidence = [["g1"], ["g2"], [], ["g4"], ["g5"]]
    # 1: right + found; 2: right, not found; 3: NEI right; 4: found only at rank 6; 5: wrong.
    assert fever_strict_accuracy(gold, predicted, retrieved, gold_evidence, k=5) == 2 / 5


def test_fever_strict_label_only_without_gold_evidence():
    assert fever_strict_accuracy([S], [S], [[]], [[]]) == 1.0


def test_fever_strict_empty_and_mismatch():
    assert fever_strict_accuracy([], [], [], []) == 0.0
    with pytest.raises(ValueError):
        fever_strict_accuracy([S], [S], [], [[]])


# ---------------------------------------------------------------- calibration
def test_ece_perfect_calibration_is_zero():
    confidences = [1.0, 1.0, 0.0, 0.0]
    correct = [True, True, False, False]
    assert expected_calibration_error(confidences, correct) == 0.0
    # half right at confidence 0.5 is calibrated too
    assert expected_calibration_error([0.5, 0.5], [True, False]) == 0.0


def test_ece_worst_calibration_is_one():
    assert expected_calibration_error([1.0, 1.0], [False, False]) == 1.0
    assert expected_calibration_error([0.0], [True]) == 1.0


def test_ece_weights_bins_by_size():
    # bin 9: two items, mean 0.9, accuracy 0.5 -> gap 0.4; bin 2: one item, 0.2 vs 0 -> 0.2.
    ece = expected_calibration_error([0.9, 0.9, 0.2], [True, False, False])
    assert ece == pytest.approx((2 * 0.4 + 0.2) / 3)


def test_ece_empty_is_zero():
    assert expected_calibration_error([], []) == 0.0


def test_reliability_bins_edges():
    assert bin_index(1.0, 10) == 9
    assert bin_index(0.0, 10) == 0
    assert bin_index(0.1, 10) == 1
    table = reliability_bins([0.05, 1.0], [True, False], bins=10)
    assert [item.count for item in table] == [1] + [0] * 8 + [1]
    assert table[0].to_dict() == {
        "lower": 0.0,
        "upper": 0.1,
        "count": 1,
        "accuracy": 1.0,
        "mean_confidence": 0.05,
    }


def test_reliability_refuses_bad_input():
    with pytest.raises(ValueError, match="outside"):
        reliability_bins([1.5], [True])
    with pytest.raises(ValueError, match="bins"):
        reliability_bins([0.5], [True], bins=0)
    with pytest.raises(ValueError, match="items"):
        reliability_bins([0.5], [])
