"""The interface of a hand-written check that adjusts the judge's scores for one passage.

A check reads the claim and a passage and returns new scores with notes that
say why they moved. The pipeline applies the configured checks in order and
names none of them; :mod:`verifier.judging.checks` lists the ones there are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from verifier.types import NLIScores, Passage


@dataclass(frozen=True)
class Claim:
    """A claim as the checks read it.

    ``is_common_word`` tells whether the corpus writes a lower-cased word in
    lower case, which decides whether a claim's capitalised first word is a
    name; ``None`` when no corpus is at hand.
    """

    text: str
    is_common_word: Callable[[str], bool] | None = None


class Adjustment(NamedTuple):
    """What a check returns: the scores after it, and a note per reason they moved."""

    scores: NLIScores
    notes: tuple[str, ...] = ()


class Check(Protocol):
    """A named rule over (claim, passage, scores); frozen, so one config can share it."""

    name: str

    def adjust(self, claim: Claim, passage: Passage, scores: NLIScores) -> Adjustment: ...

    def to_dict(self) -> dict[str, Any]: ...


def check_weight(name: str, value: float) -> None:
    """Refuse a weight outside [0, 1], naming it.

    Raises:
        ValueError: ``value`` outside [0, 1].
    """
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value}")
