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


def all_checks() -> tuple[Check, ...]:
    """Every check, in the order they apply: names, reports, numbers."""
    return (NameCheck(), ReportCheck(), NumberCheck())


CHECK_NAMES = tuple(check.name for check in all_checks())

ON_BY_DEFAULT: frozenset[str] = frozenset()
"""The checks a ``VerifierConfig`` applies unless told otherwise: none.

A check stays on by default only if, with the shipped judge and verdict model,
it helps on at least two of Climate-FEVER corpus-level, the VitaminC validation
split and the news claims, and costs at most half a point on the third. None
does (the table is in ``models/MODEL_CARD.md``): names and reports help only on
the news claims they were written against, and numbers costs 1.1 points of
Climate-FEVER macro-F1. Each stays available: ``choose_checks()``,
``--name-aware``, ``--report-aware``, ``--number-aware``.
"""


def default_checks() -> tuple[Check, ...]:
    """The checks on by default (see :data:`ON_BY_DEFAULT`), in order."""
    return tuple(check for check in all_checks() if check.name in ON_BY_DEFAULT)


def choose_checks(skip: Iterable[str] = ()) -> tuple[Check, ...]:
    """Every check but those named in ``skip``.

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
    return tuple(check for check in all_checks() if check.name not in skip)


def apply_checks(
    checks: Sequence[Check], claim: Claim, passage: Passage, scores: NLIScores
) -> Adjustment:
    """Run ``checks`` in order, each on the scores the one before left; notes accumulate."""
    notes: tuple[str, ...] = ()
    for check in checks:
        scores, added = check.adjust(claim, passage, scores)
        notes += added
    return Adjustment(scores, notes)
