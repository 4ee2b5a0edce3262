"""Deciding a verdict from judged passages, calibrating its confidence, and scoring verdicts.

One rule implements the ``Decider`` protocol: ``fitted`` (a logistic regression
over ``features``, calibrated, read from JSON). ``metrics`` and ``calibration`` are
pure functions shared by the benchmark (``eval/``) and the app.
"""

from verifier.decision.calibration import (
    CalibrationBin,
    HistogramCalibration,
    bin_index,
    expected_calibration_error,
    fit_histogram_calibration,
    reliability_bins,
)
from verifier.decision.decider import Decider, make_decider
from verifier.decision.features import FEATURES, claim_features
from verifier.decision.fitted import CLASSES as FITTED_CLASSES
from verifier.decision.fitted import (
    ConflictSides,
    DecisionModelError,
    FittedDecider,
    PairJudge,
    VerdictModel,
    conflict_sides,
    sides_contradiction,
)
from verifier.decision.labels import gold_label
from verifier.decision.metrics import (
    CLAIM_CLASSES,
    VERDICT_COLUMNS,
    ClassificationReport,
    ClassMetrics,
    ConflictMetrics,
    EvidenceRecall,
    claim_label_metrics,
    classification_report,
    conflict_metrics,
    evidence_recall_at_k,
    fever_strict_accuracy,
    normalize_text,
)
from verifier.decision.reading import (
    decided_by,
    is_weak_evidence_warning,
    takes_verdicts_side,
    verdict_side,
    weak_evidence_floor,
)
from verifier.decision.stances import source_stances

__all__ = [
    "CLAIM_CLASSES",
    "VERDICT_COLUMNS",
    "CalibrationBin",
    "ClassMetrics",
    "ClassificationReport",
    "ConflictMetrics",
    "ConflictSides",
    "DecisionModelError",
    "PairJudge",
    "conflict_sides",
    "sides_contradiction",
    "Decider",
    "FEATURES",
    "FITTED_CLASSES",
    "FittedDecider",
    "VerdictModel",
    "claim_features",
    "make_decider",
    "EvidenceRecall",
    "HistogramCalibration",
    "bin_index",
    "claim_label_metrics",
    "classification_report",
    "conflict_metrics",
    "decided_by",
    "is_weak_evidence_warning",
    "takes_verdicts_side",
    "verdict_side",
    "weak_evidence_floor",
    "evidence_recall_at_k",
    "expected_calibration_error",
    "fever_strict_accuracy",
    "fit_histogram_calibration",
    "gold_label",
    "normalize_text",
    "reliability_bins",
    "source_stances",
]
