"""Metrics as pure functions over plain labels and JSON-shaped records.

Shared by the benchmark (``eval/``) and the app's batch tab.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from verifier.types import (
    CONFLICTING,
    NOT_ENOUGH_INFO,
    REFUTED,
    SUPPORTED,
    VERDICT_LABELS,
)


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
    ``columns[j]``; ``columns`` are every label a prediction may take, which
    may add some that are not scored (a CONFLICTING verdict, say) to ``labels``.
    Macro-F1 averages over the labels that occur in gold or predictions; a
    label in neither is left out rather than counted as 0.
    """

    labels: tuple[str, ...]
    columns: tuple[str, ...]
    accuracy: float
    macro_f1: float
    per_class: dict[str, ClassMetrics]
    confusion: tuple[tuple[int, ...], ...]
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "labels": list(self.labels),
            "columns": list(self.columns),
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
        columns=tuple(labels),
        accuracy=_ratio(correct, len(gold)),
        macro_f1=_ratio(sum(f1_scores), len(f1_scores)),
        per_class=per_class,
        confusion=tuple(tuple(row) for row in confusion),
        count=len(gold),
    )


# --- Corpus-level fact-checking ---------------------------------------------------------------
#
# Gold DISPUTED claims are mapped to CONFLICTING by the dataset readers.

CLAIM_CLASSES = (SUPPORTED, REFUTED, NOT_ENOUGH_INFO)
VERDICT_COLUMNS = VERDICT_LABELS


def claim_label_metrics(
    gold: Sequence[str],
    predicted: Sequence[str],
    classes: Sequence[str] = CLAIM_CLASSES,
    columns: Sequence[str] = VERDICT_COLUMNS,
) -> ClassificationReport:
    """Accuracy, macro-F1, per-class precision/recall and confusion over ``classes``.

    Args:
        gold: gold labels, each one of ``classes``.
        predicted: predicted labels, each one of ``columns``.
        classes: the scored labels.
        columns: every label a prediction may take; must include ``classes``.

    Raises:
        ValueError: lengths differ, or a label is outside ``classes``/``columns``.

    Example:
        >>> m = claim_label_metrics(["SUPPORTED", "REFUTED"], ["SUPPORTED", "CONFLICTING"])
        >>> m.accuracy, m.macro_f1
        (0.5, 0.5)
    """
    missing = set(classes) - set(columns)
    if missing:
        raise ValueError(f"columns {list(columns)} lack the classes {sorted(missing)}")
    stray = set(gold) - set(classes)
    if stray:
        raise ValueError(f"gold labels {sorted(stray)} are not among {list(classes)}")
    report = classification_report(gold, predicted, columns)
    per_class = {label: report.per_class[label] for label in classes}
    scored = []
    for label in classes:
        column = report.labels.index(label)
        predicted_count = sum(row[column] for row in report.confusion)
        if per_class[label].support or predicted_count:
            scored.append(per_class[label].f1)
    rows = tuple(report.confusion[report.labels.index(label)] for label in classes)
    return ClassificationReport(
        labels=tuple(classes),
        columns=tuple(columns),
        accuracy=report.accuracy,
        macro_f1=_ratio(sum(scored), len(scored)),
        per_class=per_class,
        confusion=rows,
        count=report.count,
    )


@dataclass(frozen=True)
class ConflictMetrics:
    """How gold CONFLICTING (e.g. Climate-FEVER DISPUTED) claims fare.

    ``predicted`` counts the verdicts given to gold CONFLICTING claims; precision is
    over every claim predicted CONFLICTING, whatever its gold label.
    """

    count: int
    predicted: dict[str, int]
    precision: float
    recall: float
    f1: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "predicted": dict(self.predicted),
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


def conflict_metrics(
    gold: Sequence[str], predicted: Sequence[str], columns: Sequence[str] = VERDICT_COLUMNS
) -> ConflictMetrics:
    """Score CONFLICTING as a class of its own, over all claims.

    Example:
        >>> conflict_metrics(["CONFLICTING", "SUPPORTED"], ["CONFLICTING", "CONFLICTING"]).precision
        0.5
    """
    if len(gold) != len(predicted):
        raise ValueError(f"gold has {len(gold)} items but predicted has {len(predicted)}")
    counts = dict.fromkeys(columns, 0)
    hits = 0
    for truth, guess in zip(gold, predicted, strict=True):
        if truth == CONFLICTING:
            if guess not in counts:
                raise ValueError(f"predicted label {guess!r} is not among {list(columns)}")
            counts[guess] += 1
            hits += guess == CONFLICTING
    support = sum(counts.values())
    predicted_conflicting = sum(guess == CONFLICTING for guess in predicted)
    precision = _ratio(hits, predicted_conflicting)
    recall = _ratio(hits, support)
    return ConflictMetrics(
        count=support,
        predicted=counts,
        precision=precision,
        recall=recall,
        f1=_ratio(2 * precision * recall, precision + recall),
    )


def normalize_text(text: str) -> str:
    """Collapse whitespace so evidence sentences match however they were spaced."""
    return " ".join(text.split())


@dataclass(frozen=True)
class EvidenceRecall:
    """Share of claims with a gold sentence among the first k retrieved, per k.

    Only claims with gold evidence count; ``at_k[k]`` is ``None`` when there are none.
    """

    at_k: dict[int, float | None]
    claims: int

    def to_dict(self) -> dict[str, Any]:
        return {"at_k": {str(k): value for k, value in self.at_k.items()}, "claims": self.claims}


def evidence_recall_at_k(
    retrieved: Sequence[Sequence[str]],
    gold: Sequence[Sequence[str]],
    ks: Sequence[int] = (1, 3, 5),
) -> EvidenceRecall:
    """Evidence recall@k: is any gold sentence among a claim's top k retrieved?

    Args:
        retrieved: per claim, the retrieved sentence texts, best first.
        gold: per claim, the gold evidence texts (empty: the claim is not counted).
        ks: cut-offs, each at least 1.

    Example:
        >>> evidence_recall_at_k([["a", "b"], ["c"]], [["b"], []], ks=(1, 2)).at_k
        {1: 0.0, 2: 1.0}
    """
    if len(retrieved) != len(gold):
        raise ValueError(f"retrieved has {len(retrieved)} items but gold has {len(gold)}")
    if any(k < 1 for k in ks):
        raise ValueError(f"every k must be at least 1, got {list(ks)}")
    hits = dict.fromkeys(ks, 0)
    claims = 0
    for ranked, wanted in zip(retrieved, gold, strict=True):
        targets = {normalize_text(text) for text in wanted}
        if not targets:
            continue
        claims += 1
        for k in ks:
            hits[k] += any(normalize_text(text) in targets for text in ranked[:k])
    return EvidenceRecall(
        at_k={k: (hits[k] / claims if claims else None) for k in ks}, claims=claims
    )


def fever_strict_accuracy(
    gold: Sequence[str],
    predicted: Sequence[str],
    retrieved: Sequence[Sequence[str]],
    gold_evidence: Sequence[Sequence[str]],
    k: int = 5,
) -> float:
    """FEVER-style strict score: right label and, for SUPPORTED/REFUTED, evidence found.

    A claim counts when its label is right and, if its gold label is SUPPORTED or
    REFUTED and it has gold evidence, at least one gold sentence is among its first
    ``k`` retrieved. Claims of other gold labels, or without gold evidence, are judged
    on the label alone (FEVER needs a whole evidence set; one sentence is enough here
    because the datasets give single sentences).

    Example:
        >>> fever_strict_accuracy(["SUPPORTED"], ["SUPPORTED"], [["x"]], [["y"]])
        0.0
    """
    lengths = {len(gold), len(predicted), len(retrieved), len(gold_evidence)}
    if len(lengths) != 1:
        raise ValueError("gold, predicted, retrieved and gold_evidence differ in length")
    correct = 0
    for truth, guess, ranked, wanted in zip(gold, predicted, retrieved, gold_evidence, strict=True):
        if truth != guess:
            continue
        targets = {normalize_text(text) for text in wanted}
        if truth in (SUPPORTED, REFUTED) and targets:
            correct += any(normalize_text(text) in targets for text in ranked[:k])
        else:
            correct += 1
    return _ratio(correct, len(gold))
