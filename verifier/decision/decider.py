"""What the pipeline needs of a verdict rule: judged passages in, one verdict out.

:class:`~verifier.decision.thresholds.ThresholdDecider` (hand-set thresholds)
is today's; a fitted model is another module beside it that implements this.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from verifier.types import JudgedPassage, Verdict


class Decider(Protocol):
    """Decides a claim's verdict from its judged passages."""

    def decide(
        self, claim: str, judged: Sequence[JudgedPassage], warnings: Sequence[str] = ()
    ) -> Verdict: ...
