"""Fitting the hand-set thresholds (``eval.fit.thresholds``) on the dev half, to compare against.

Both work on stored predictions, so nothing is re-run through the models: the
per-evidence NLI scores saved in ``predictions.jsonl`` are re-aggregated with
:func:`eval.fit.thresholds.aggregate` under other :class:`AggregationConfig`
settings. Only dev claims may be passed in; the caller scores test with the result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from eval.fit.thresholds import AggregationConfig, aggregate
from verifier import JudgedPassage, Verdict
from verifier.decision import claim_label_metrics

_STEPS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)
DEFAULT_GRID: dict[str, tuple[float, ...]] = {
    "support_threshold": _STEPS,
    "refute_threshold": _STEPS,
    "min_retrieval_score": tuple(round(0.05 * i, 2) for i in range(17)),  # 0.0 .. 0.8
    "conflict_threshold": (0.5, 0.6, 0.7, 0.8, 0.9, 1.0),
}


@dataclass(frozen=True)
class StoredClaim:
    """A claim's judged passages as stored in a prediction record."""

    claim: str
    judged: tuple[JudgedPassage, ...]

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> StoredClaim:
        return cls(
            claim=str(record["claim"]),
            judged=tuple(JudgedPassage.from_evidence_dict(item) for item in record["evidence"]),
        )


def reaggregate(claims: Sequence[StoredClaim], config: AggregationConfig) -> list[Verdict]:
    """Verdicts for stored claims under ``config``, without running any model."""
    return [aggregate(item.claim, item.judged, config) for item in claims]


def _macro_f1(
    claims: Sequence[StoredClaim], gold: Sequence[str], config: AggregationConfig
) -> float:
    predicted = [verdict.label for verdict in reaggregate(claims, config)]
    return claim_label_metrics(gold, predicted).macro_f1


@dataclass(frozen=True)
class AggregationFit:
    """The dev-fitted aggregation settings and what they scored on dev."""

    config: AggregationConfig
    start_config: AggregationConfig
    dev_macro_f1: float
    start_dev_macro_f1: float
    dev_claims: int
    configs_tried: int
    rounds: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "config": self.config.to_dict(),
            "start_config": self.start_config.to_dict(),
            "dev_macro_f1": self.dev_macro_f1,
            "start_dev_macro_f1": self.start_dev_macro_f1,
            "dev_claims": self.dev_claims,
            "configs_tried": self.configs_tried,
            "rounds": self.rounds,
        }


def fit_aggregation(
    claims: Sequence[StoredClaim],
    gold: Sequence[str],
    start: AggregationConfig | None = None,
    grid: Mapping[str, Sequence[float]] = DEFAULT_GRID,
    max_rounds: int = 5,
) -> AggregationFit:
    """Maximise macro-F1 over SUPPORTED/REFUTED/NOT_ENOUGH_INFO by coordinate ascent.

    Each round sweeps one field at a time over its grid values, keeping the others
    fixed, and moves only on a strict improvement, so ties keep the earlier (by
    default the shipped) setting and the result is deterministic. Stops after a
    round without change or after ``max_rounds``.

    Args:
        claims: dev claims (their gold labels must be among the three classes).
        gold: their gold labels.
        start: where to start; the shipped defaults if ``None``.
        grid: values to try per ``AggregationConfig`` field.
        max_rounds: sweeps over all fields at most.

    Raises:
        ValueError: lengths differ, a grid field is unknown, or a gold label is not
            one of the three classes.
    """
    if len(claims) != len(gold):
        raise ValueError(f"claims has {len(claims)} items but gold has {len(gold)}")
    start = start or AggregationConfig()
    unknown = set(grid) - set(start.to_dict())
    if unknown:
        raise ValueError(f"grid names unknown aggregation settings: {sorted(unknown)}")
    best = start
    start_score = best_score = _macro_f1(claims, gold, best)
    tried = 1
    rounds = 0
    changed = True
    while changed and rounds < max_rounds:
        rounds += 1
        changed = False
        for name, values in grid.items():
            for value in values:
                if value == getattr(best, name):
                    continue
                candidate = replace(best, **{name: value})
                score = _macro_f1(claims, gold, candidate)
                tried += 1
                if score > best_score:
                    best, best_score, changed = candidate, score, True
    return AggregationFit(
        config=best,
        start_config=start,
        dev_macro_f1=best_score,
        start_dev_macro_f1=start_score,
        dev_claims=len(claims),
        configs_tried=tried,
        rounds=rounds,
    )
