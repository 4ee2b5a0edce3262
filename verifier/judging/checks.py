"""The hand-written checks there are, and choosing which of them run.

Each is a :class:`~verifier.judging.check.Check`; the pipeline applies
``VerifierConfig.checks`` in order. A new check is a class here, not an edit
to the pipeline.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from verifier.judging.check import Adjustment, Check, Claim
from verifier.judging.names import NameCheck
from verifier.judging.numbers import NumberCheck
from verifier.judging.reports import ReportCheck
from verifier.types import NLIScores, Passage


def default_checks() -> tuple[Check, ...]:
    """Every check, in the order they apply: names, reports, numbers."""
    return (NameCheck(), ReportCheck(), NumberCheck())


CHECK_NAMES = tuple(check.name for check in default_checks())


def choose_checks(skip: Iterable[str] = ()) -> tuple[Check, ...]:
    """The default checks but those named in ``skip``.

    Raises:
        ValueError: a name in ``skip`` is not a check.

    Example:
        >>> [check.name for check in choose_checks(skip=["numbers"])]
        ['names', 'reports']
    """
    skip = set(skip)
    unknown = skip - set(CHECK_NAMES)
    if unknown:
        raise ValueError(f"unknown checks {sorted(unknown)}; the checks are {list(CHECK_NAMES)}")
    return tuple(check for check in default_checks() if check.name not in skip)


def apply_checks(
    checks: Sequence[Check], claim: Claim, passage: Passage, scores: NLIScores
) -> Adjustment:
    """Run ``checks`` in order, each on the scores the one before left; notes accumulate."""
    notes: tuple[str, ...] = ()
    for check in checks:
        scores, added = check.adjust(claim, passage, scores)
        notes += added
    return Adjustment(scores, notes)
