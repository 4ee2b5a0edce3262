"""How a claim's details meet a passage: its figures, dates, names and negation. Pure Python.

A judge that confirms "Japan sent troops to Kursk" from "North Korea sent troops to
Kursk" has read the words the two share. These measures say what the passage does
*not* share with the claim, for the fitted verdict model to weigh (its weights are
learned; nothing here decides anything):

- ``figures_absent``: the share of the claim's figures and years the passage does not state;
- ``figures_other``: 1 when the passage states figures and none of the claim's;
- ``months_absent``: the share of the claim's month names the passage does not state;
- ``names_absent``: the share of the claim's capitalised names the passage never writes;
- ``negation_differs``: 1 when exactly one of the two is negated or reports a denial;
- ``coverage``: the share of the claim's content words the passage writes.

Words are compared case-blind and by their first five letters ("approved" meets
"approval"), so no corpus vocabulary is needed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

DETAIL_NAMES = (
    "figures_absent",
    "figures_other",
    "months_absent",
    "names_absent",
    "negation_differs",
    "coverage",
)

MONTH_NAMES = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
"""The months in calendar order, lower case (also what the judge's training edits swap)."""
NUMBER_WORDS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
]
"""Numbers written as words, at their own value's position."""
_MONTHS = frozenset(MONTH_NAMES)
_NUMBER_WORDS = {word: str(value) for value, word in enumerate(NUMBER_WORDS)}
_FIGURE = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_NEGATION = re.compile(
    r"\b(?:not|never|no|none|nobody|nothing|neither|nor|without|denied|denies|deny|"
    r"rejected|refused|cannot)\b|n['’]t\b",
    re.IGNORECASE,
)
_STEM = 5


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    # scikit-learn's English list: one maintained list, not another hand-written one.
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


def _figures(text: str) -> set[str]:
    found = {match.group(0).replace(",", "").rstrip(".") for match in _FIGURE.finditer(text)}
    found |= {
        _NUMBER_WORDS[word]
        for word in (w.lower() for w in _WORD.findall(text))
        if word in _NUMBER_WORDS
    }
    return {figure for figure in found if figure not in {"0", "1"}}


def _stem(word: str) -> str:
    return word.lower().strip("'’-")[:_STEM]


@dataclass(frozen=True)
class Details:
    """The measures of :data:`DETAIL_NAMES` for one claim against one passage."""

    figures_absent: float
    figures_other: float
    months_absent: float
    names_absent: float
    negation_differs: float
    coverage: float

    def values(self) -> list[float]:
        return [float(getattr(self, name)) for name in DETAIL_NAMES]


NO_PASSAGE = Details(1.0, 0.0, 1.0, 1.0, 0.0, 0.0)
"""What an absent passage gives: nothing of the claim is stated."""


def _share_absent(wanted: set[str], present: set[str]) -> float:
    return sum(item not in present for item in wanted) / len(wanted) if wanted else 0.0


@lru_cache(maxsize=4096)
def compare_details(claim: str, passage: str) -> Details:
    """How ``claim``'s details meet ``passage``.

    Cached: one verdict reads the same pair for the claim, for each passage alone and
    for each document, and the result is frozen.

    Example:
        >>> d = compare_details("Japan sent 11,000 troops.", "North Korea sent 11,000 troops.")
        >>> d.names_absent, d.figures_absent
        (1.0, 0.0)
    """
    stop = _stop_words()
    claim_words = _WORD.findall(claim)
    passage_stems = {_stem(word) for word in _WORD.findall(passage)}
    claim_figures, passage_figures = _figures(claim), _figures(passage)
    months = {w.lower() for w in claim_words if w.lower() in _MONTHS and w[0].isupper()}
    names = {
        _stem(word)
        for word in claim_words
        if word[0].isupper() and word.lower() not in stop and word.lower() not in _MONTHS
    }
    content = {_stem(w) for w in claim_words if w.lower() not in stop and len(w) > 2}
    claim_negated = _NEGATION.search(claim) is not None
    passage_negated = _NEGATION.search(passage) is not None
    return Details(
        figures_absent=_share_absent(claim_figures, passage_figures),
        figures_other=float(
            bool(claim_figures and passage_figures and not claim_figures & passage_figures)
        ),
        months_absent=_share_absent({m[:_STEM] for m in months}, passage_stems),
        names_absent=_share_absent(names, passage_stems),
        negation_differs=float(claim_negated != passage_negated),
        coverage=1.0 - _share_absent(content, passage_stems) if content else 1.0,
    )
