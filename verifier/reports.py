"""Confirmed, denied or neither: compare what a claim and a passage say someone reported.

News claims often hinge on a reporting verb ("the Kremlin *denied* reports of a
call", "Moscow has *neither confirmed nor denied*"), and a small NLI model
reads "Moscow has officially confirmed that North Korean troops are fighting"
as entailed by "Moscow has neither confirmed nor denied it": the words match.
This module reads the stance of each side:

* ``unconfirmed``: "neither confirmed nor denied", "has not / did not / has yet
  to / declined to confirm", "unconfirmed";
* ``denied``: deny, reject, dismiss, refute (any tense), not negated;
* ``confirmed``: confirm, acknowledge, admit (any tense), not negated.

Two different stances clash: a passage in which the claim's subject denied, or
would not confirm, what the claim says it confirmed contradicts the claim.
:func:`adjust_for_report_clash` then moves most of the entailment mass to
contradiction. It applies only when the claim's subject is named in the
passage (see :mod:`verifier.entities`), so "Ukraine confirmed..." is not
compared with "Moscow denied...".

Limits: one stance per text (a passage where one side confirms and another
denies reads as the first it says); no scope ("denied that it had *not*...").

Example:
    >>> report_stance("Moscow has neither confirmed nor denied the reports.")
    'unconfirmed'
    >>> report_stance("The Kremlin has denied reports of a phone call.")
    'denied'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from verifier.types import NLIScores

CONFIRMED = "confirmed"
DENIED = "denied"
UNCONFIRMED = "unconfirmed"

_UNCONFIRMED = re.compile(
    r"\bneither\s+(?:officially\s+)?(?:confirm\w*|acknowledg\w*)\s+nor\s+den\w*"
    r"|(?:\b(?:not|never|yet\s+to|declined\s+to|refused\s+to)|n['’]t)\s+(?:\w+\s+)?"
    r"(?:confirm\w*|acknowledg\w*)"
    r"|\bunconfirmed\b",
    re.IGNORECASE,
)
_NEGATED_DENIAL = re.compile(
    r"(?:\b(?:not|never)|n['’]t)\s+(?:\w+\s+)?(?:den(?:y|ies|ied)|reject\w*|dismiss\w*)",
    re.IGNORECASE,
)
_DENIED = re.compile(
    r"\b(?:den(?:y|ies|ied|ying|ial)|reject(?:s|ed|ing)?|dismiss(?:es|ed|ing)?|refut(?:e|es|ed|ing))\b",
    re.IGNORECASE,
)
_CONFIRMED = re.compile(
    r"\b(?:confirm(?:s|ed|ing|ation)?|acknowledg(?:e|es|ed|ing)|admit(?:s|ted|ting)?)\b",
    re.IGNORECASE,
)


def report_stance(text: str) -> str | None:
    """``unconfirmed``, ``denied``, ``confirmed`` or ``None`` (no reporting verb), as read first."""
    if _UNCONFIRMED.search(text):
        return UNCONFIRMED
    if _DENIED.search(text) and not _NEGATED_DENIAL.search(text):
        return DENIED
    if _CONFIRMED.search(text):
        return CONFIRMED
    return None


@dataclass(frozen=True)
class ReportComparison:
    """The reporting stance of the claim and of the passage, and whether they clash."""

    claim: str | None
    passage: str | None

    @property
    def clash(self) -> bool:
        return None not in (self.claim, self.passage) and self.claim != self.passage

    @property
    def note(self) -> str:
        if not self.clash:
            return ""
        return f"claim says {self.claim}; passage says {self.passage}"


def compare_reports(claim: str, passage: str) -> ReportComparison:
    """Read the reporting stance of both texts (see the module notes)."""
    return ReportComparison(report_stance(claim), report_stance(passage))


def adjust_for_report_clash(
    scores: NLIScores, comparison: ReportComparison, *, weight: float = 0.8
) -> NLIScores:
    """Return new scores with the share ``weight`` of entailment moved to contradiction on a clash.

    Raises:
        ValueError: ``weight`` outside [0, 1].
    """
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"weight must be in [0, 1], got {weight}")
    if not comparison.clash:
        return scores
    moved = weight * scores.entailment
    return NLIScores(
        entailment=scores.entailment - moved,
        neutral=scores.neutral,
        contradiction=scores.contradiction + moved,
    )
