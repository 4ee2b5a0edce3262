"""Confidence calibration: reliability per confidence bin, ECE, and histogram binning.

Pure Python. :class:`HistogramCalibration` is fitted on dev verdicts and maps
a verdict's confidence to the dev accuracy of its bin.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


@dataclass(frozen=True)
class CalibrationBin:
    """One equal-width confidence bin: ``lower <= confidence < upper`` (last bin closed)."""

    lower: float
    upper: float
    count: int
    accuracy: float
    mean_confidence: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "lower": self.lower,
            "upper": self.upper,
            "count": self.count,
            "accuracy": self.accuracy,
            "mean_confidence": self.mean_confidence,
        }


def bin_index(confidence: float, bins: int) -> int:
    """The equal-width bin a confidence in [0, 1] falls in; 1.0 goes in the last bin."""
    return min(int(confidence * bins), bins - 1)


@dataclass(frozen=True)
class _BinTotals:
    counts: list[int]
    right: list[int]
    confidence: list[float]


def _bin_totals(confidences: Sequence[float], correct: Sequence[bool], bins: int) -> _BinTotals:
    """Per equal-width bin: how many items, how many right, and their summed confidence.

    Raises:
        ValueError: lengths differ, ``bins < 1``, or a confidence is outside [0, 1].
    """
    if len(confidences) != len(correct):
        raise ValueError(f"confidences has {len(confidences)} items but correct has {len(correct)}")
    if bins < 1:
        raise ValueError(f"bins must be at least 1, got {bins}")
    totals = _BinTotals([0] * bins, [0] * bins, [0.0] * bins)
    for confidence, is_correct in zip(confidences, correct, strict=True):
        if not 0.0 <= confidence <= 1.0:
            raise ValueError(f"confidence {confidence} is outside [0, 1]")
        index = bin_index(confidence, bins)
        totals.counts[index] += 1
        totals.right[index] += bool(is_correct)
        totals.confidence[index] += confidence
    return totals


def reliability_bins(
    confidences: Sequence[float], correct: Sequence[bool], bins: int = 10
) -> list[CalibrationBin]:
    """Accuracy and mean confidence per equal-width confidence bin.

    Raises:
        ValueError: lengths differ, ``bins < 1``, or a confidence is outside [0, 1].
    """
    totals = _bin_totals(confidences, correct, bins)
    return [
        CalibrationBin(
            lower=i / bins,
            upper=(i + 1) / bins,
            count=totals.counts[i],
            accuracy=_ratio(totals.right[i], totals.counts[i]),
            mean_confidence=_ratio(totals.confidence[i], totals.counts[i]),
        )
        for i in range(bins)
    ]


def expected_calibration_error(
    confidences: Sequence[float], correct: Sequence[bool], bins: int = 10
) -> float:
    """ECE: |accuracy - mean confidence| per equal-width bin, weighted by the bin's share.

    Returns 0.0 for no items.

    Example:
        >>> expected_calibration_error([0.9, 0.9], [True, False])
        0.4
    """
    table = reliability_bins(confidences, correct, bins)
    total = sum(item.count for item in table)
    return _ratio(
        sum(item.count * abs(item.accuracy - item.mean_confidence) for item in table), total
    )


@dataclass(frozen=True)
class HistogramCalibration:
    """Histogram binning: a confidence becomes the dev accuracy of its bin.

    ``accuracy[i]`` is ``None`` for a bin no dev claim fell in; such confidences are
    kept as they are.
    """

    bins: int
    accuracy: tuple[float | None, ...]
    counts: tuple[int, ...]

    def apply(self, confidence: float) -> float:
        value = self.accuracy[bin_index(confidence, self.bins)]
        return confidence if value is None else value

    def to_dict(self) -> dict[str, Any]:
        return {"bins": self.bins, "accuracy": list(self.accuracy), "counts": list(self.counts)}


def fit_histogram_calibration(
    confidences: Sequence[float], correct: Sequence[bool], bins: int = 10
) -> HistogramCalibration:
    """Fit histogram binning on dev confidences and whether each verdict was right.

    Example:
        >>> calibration = fit_histogram_calibration([0.95, 0.92], [True, False])
        >>> calibration.apply(0.99)
        0.5
    """
    totals = _bin_totals(confidences, correct, bins)
    return HistogramCalibration(
        bins=bins,
        accuracy=tuple(
            right / count if count else None
            for right, count in zip(totals.right, totals.counts, strict=True)
        ),
        counts=tuple(totals.counts),
    )
