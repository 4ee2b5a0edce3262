"""What the pipeline needs of a verdict rule: judged passages in, one verdict out.

:class:`~verifier.decision.fitted.FittedDecider` (a fitted, calibrated model)
is the default; :class:`~verifier.decision.thresholds.ThresholdDecider` (the
hand-set thresholds) stays for comparison. :func:`make_decider` picks one by name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from verifier.types import JudgedPassage, NLIScores, Verdict

DECISIONS = ("fitted", "thresholds")
"""Names of the verdict rules, the default first."""


class Decider(Protocol):
    """Decides a claim's verdict from its judged passages."""

    def decide(
        self, claim: str, judged: Sequence[JudgedPassage], warnings: Sequence[str] = ()
    ) -> Verdict: ...


def make_decider(
    decision: str,
    aggregation: object = None,
    verdict_model: str | Path | None = None,
    pair_judge: Callable[[Sequence[tuple[str, str]]], Sequence[NLIScores]] | None = None,
) -> Decider:
    """The verdict rule named ``decision``.

    Args:
        decision: ``"fitted"`` or ``"thresholds"``.
        aggregation: the thresholds' settings (an ``AggregationConfig``) for ``"thresholds"``.
        verdict_model: a verdict-model JSON for ``"fitted"``; the shipped one if ``None``.
        pair_judge: for ``"fitted"``, judges whether the two sides of a possible
            CONFLICTING verdict contradict each other (a judge's ``predict``).

    Raises:
        ValueError: an unknown name.
        DecisionModelError: the verdict model cannot be read.
    """
    from verifier.decision.fitted import FittedDecider, VerdictModel
    from verifier.decision.thresholds import AggregationConfig, ThresholdDecider

    if decision == "fitted":
        if verdict_model is None:
            return FittedDecider.shipped(pair_judge)
        return FittedDecider(VerdictModel.load(verdict_model), pair_judge)
    if decision == "thresholds":
        if aggregation is not None and not isinstance(aggregation, AggregationConfig):
            raise ValueError("aggregation must be an AggregationConfig")
        return ThresholdDecider(aggregation or AggregationConfig())
    raise ValueError(f"decision must be one of {list(DECISIONS)}, got {decision!r}")
