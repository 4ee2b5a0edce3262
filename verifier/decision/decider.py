"""What the pipeline needs of a verdict rule: judged passages in, one verdict out.

:class:`~verifier.decision.fitted.FittedDecider` (a fitted, calibrated model) is
the product's one rule; :func:`make_decider` builds it from a verdict-model file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from verifier.types import JudgedPassage, NLIScores, Verdict


class Decider(Protocol):
    """Decides a claim's verdict from its judged passages."""

    def decide(
        self, claim: str, judged: Sequence[JudgedPassage], warnings: Sequence[str] = ()
    ) -> Verdict: ...


def make_decider(
    verdict_model: str | Path | None = None,
    pair_judge: Callable[[Sequence[tuple[str, str]]], Sequence[NLIScores]] | None = None,
) -> Decider:
    """The fitted verdict rule.

    Args:
        verdict_model: a verdict-model JSON; the shipped one if ``None``.
        pair_judge: judges whether the two sides of a possible CONFLICTING verdict
            contradict each other (a judge's ``predict``).

    Raises:
        DecisionModelError: the verdict model cannot be read.
    """
    from verifier.decision.fitted import FittedDecider, VerdictModel

    if verdict_model is None:
        return FittedDecider.shipped(pair_judge)
    return FittedDecider(VerdictModel.load(verdict_model), pair_judge)
