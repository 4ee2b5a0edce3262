"""Metrics as pure functions over plain labels and JSON-shaped records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ClassMetrics:
    precision: float
    recall: float
    f1: float
    support: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "support": self.support,
        }


@dataclass(frozen=True)
class ClassificationReport:
    """Accuracy, macro-F1, per-class scores and the confusion matrix.

    ``confusion[i][j]`` counts items of gold label ``labels[i]`` predicted as
    ``labels[j]``. Macro-F1 averages over the labels that occur in gold or
    predictions; a label in neither is left out rather than counted as 0.
    """

    labels: tuple[str, ...]
    accuracy: float
    macro_f1: float
    per_class: dict[str, ClassMetrics]
    confusion: tuple[tuple[int, ...], ...]
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "labels": list(self.labels),
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "per_class": {label: metrics.to_dict() for label, metrics in self.per_class.items()},
            "confusion": [list(row) for row in self.confusion],
            "count": self.count,
        }


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


def classification_report(
    gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]
) -> ClassificationReport:
    """Score predicted labels against gold ones.

    Example:
        >>> report = classification_report(["a", "b"], ["a", "a"], ["a", "b"])
        >>> report.accuracy
        0.5
    """
    if len(gold) != len(predicted):
        raise ValueError(f"gold has {len(gold)} items but predicted has {len(predicted)}")
    unknown = (set(gold) | set(predicted)) - set(labels)
    if unknown:
        raise ValueError(f"labels {sorted(unknown)} are not among {list(labels)}")
    position = {label: i for i, label in enumerate(labels)}
    confusion = [[0] * len(labels) for _ in labels]
    for truth, guess in zip(gold, predicted, strict=True):
        confusion[position[truth]][position[guess]] += 1
    per_class: dict[str, ClassMetrics] = {}
    f1_scores = []
    for label, i in position.items():
        true_positive = confusion[i][i]
        predicted_count = sum(row[i] for row in confusion)
        support = sum(confusion[i])
        precision = _ratio(true_positive, predicted_count)
        recall = _ratio(true_positive, support)
        f1 = _ratio(2 * precision * recall, precision + recall)
        per_class[label] = ClassMetrics(precision, recall, f1, support)
        if support or predicted_count:
            f1_scores.append(f1)
    correct = sum(confusion[i][i] for i in range(len(labels)))
    return ClassificationReport(
        labels=tuple(labels),
        accuracy=_ratio(correct, len(gold)),
        macro_f1=_ratio(sum(f1_scores), len(f1_scores)),
        per_class=per_class,
        confusion=tuple(tuple(row) for row in confusion),
        count=len(gold),
    )
