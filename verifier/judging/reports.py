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
:class:`ReportCheck` then moves most of the entailment mass to
contradiction. It applies only when the claim's subject is named in the
passage (see :mod:`verifier.judging.names`), so "Ukraine confirmed..." is not
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
from dataclasses import asdict, dataclass
from typing import Any

from verifier.judging.check import Adjustment, Claim, check_weight
from verifier.judging.names import claim_subject, missing_names
from verifier.types import NLIScores, Passage

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


@dataclass(frozen=True)
class ReportCheck:
    """Confirmed, denied or unconfirmed: a passage whose subject says otherwise contradicts.

    Who confirmed or denied matters, so the claim is compared only with passages
    that name its subject. On a clash the share ``weight`` of the entailment
    mass moves to contradiction.

    Raises:
        ValueError: ``weight`` outside [0, 1].
    """

    weight: float = 0.8
    name: str = "reports"

    def __post_init__(self) -> None:
        check_weight("weight", self.weight)

    def adjust(self, claim: Claim, passage: Passage, scores: NLIScores) -> Adjustment:
        subject = claim_subject(claim)
        if not subject or missing_names(subject, f"{passage.context_before} {passage.text}"):
            return Adjustment(scores)
        comparison = compare_reports(claim.text, passage.text)
        notes = (comparison.note,) if comparison.clash else ()
        return Adjustment(self.shift(scores, comparison), notes)

    def shift(self, scores: NLIScores, comparison: ReportComparison) -> NLIScores:
        """New scores with entailment moved to contradiction on a clash; ``scores`` if none."""
        if not comparison.clash:
            return scores
        moved = self.weight * scores.entailment
        return NLIScores(
            entailment=scores.entailment - moved,
            neutral=scores.neutral,
            contradiction=scores.contradiction + moved,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
