"""Reading a verdict back: which side it takes, which passages took that side, its weak-evidence floor.

A :class:`~verifier.types.Verdict` holds the verdict model's own stances (one
per passage in ``evidence``, one per document in ``sources``); whoever shows a
verdict reads them here, so that no statement about it is made from another
signal (the judge's raw label, say) and none contradicts another.

Example:
    >>> from verifier.types import Verdict
    >>> verdict_side(Verdict("It rained.", "REFUTED", 0.8, (), (), ()).label)
    'refutes'
"""

from __future__ import annotations

import re

from verifier.types import (
    CONFLICTING,
    NEUTRAL_STANCE,
    REFUTED,
    REFUTES,
    SUPPORTED,
    SUPPORTS,
    Evidence,
    Verdict,
)

WEAK_EVIDENCE = "weak evidence"
"""How the fitted verdict's low-confidence warning starts."""
_FLOOR = re.compile(r"^weak evidence: confidence \S+ is below (\d+(?:\.\d+)?)")
_SIDES = {SUPPORTED: SUPPORTS, REFUTED: REFUTES}


def verdict_side(label: str) -> str | None:
    """The stance a verdict takes: ``supports``, ``refutes``, or ``None`` (no side, or both)."""
    return _SIDES.get(label)


def takes_verdicts_side(item: Evidence, label: str) -> bool:
    """Whether a passage's own stance is the verdict's: either side for CONFLICTING."""
    if label == CONFLICTING:
        return item.stance != NEUTRAL_STANCE
    return item.stance == verdict_side(label)


def decided_by(verdict: Verdict) -> tuple[Evidence, ...]:
    """The deciding passages that take the verdict's side on their own.

    The fitted verdict reads all passages together; when none takes its side
    alone it still names the passage closest to it, which did not decide it
    on its own and is left out here.
    """
    return tuple(item for item in verdict.deciding if takes_verdicts_side(item, verdict.label))


def weak_evidence_floor(verdict: Verdict) -> float | None:
    """The confidence floor a weak-evidence warning names, or ``None`` without one."""
    for warning in verdict.warnings:
        match = _FLOOR.match(warning)
        if match:
            return float(match.group(1))
    return None


def is_weak_evidence_warning(warning: str) -> bool:
    """Whether ``warning`` is the verdict's low-confidence warning."""
    return warning.startswith(WEAK_EVIDENCE)
