"""Compare the figures and dates of a claim with a passage, and nudge the NLI scores.

Small NLI models read "11,000 troops" and "50,000 troops" as near-synonyms, yet
news claims hinge on such figures.  This module finds quantities on both sides
and compares those that are about the same thing:

* **Numbers** in digits or words ("eleven thousand", "11,000", "11k",
  "50 000", "1.2 million", "25%"): words become digits with text2num's
  ``alpha2digit``; a number is attached to the noun that follows it
  ("50,000 Russian troops" -> ``troop``), and two numbers are compared only
  when their nouns are the same or related ("troops" / "soldiers").  Hedges
  widen the value: "about"/"nearly" allow 10%, "over"/"more than" make a
  lower bound, "under"/"up to" an upper one.
* **Dates**: years (1800-2099), month names ("in August"), weekdays and full
  dates ("August 6, 2024", parsed by dateparser).  A claim's month, weekday or
  year that the passage gives differently (and nowhere the same) is a mismatch.

:class:`NumberCheck` then, for a mismatch, turns most of the entailment and a
little of the neutral mass into contradiction (a passage that says the same
thing with another figure refutes the claim; one about something else stays
neutral) and, mildly, moves neutral mass toward entailment when figures match
and none differ.

Limits: the noun after a number is a heuristic (no parser), so "50,000-strong
enemy group" is attached to ``strong``; numbers with no noun after them other
than percentages are ignored; a passage that gives two figures for one thing
counts as a match if either agrees; relative dates ("last week") and negation
("denied" vs "confirmed") are left to the NLI model.

Example:
    >>> comparison = compare_quantities(
    ...     "Russia had 50,000 troops in Kursk.",
    ...     "Russia initially had 11,000 troops stationed in Kursk.",
    ... )
    >>> comparison.has_mismatch
    True
"""

from __future__ import annotations

import calendar
import functools
import logging
import re
from dataclasses import asdict, dataclass
from typing import Any

from verifier.judging.check import Adjustment, Claim, check_weight
from verifier.types import NLIScores, Passage

logger = logging.getLogger(__name__)

NUMBER = "number"
PERCENT = "percent"
YEAR = "year"
MONTH = "month"
WEEKDAY = "weekday"
DATE = "date"

_SCALES = {
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "million": 1e6,
    "bn": 1e9,
    "billion": 1e9,
    "trillion": 1e12,
}
_APPROXIMATE = (
    "about",
    "around",
    "roughly",
    "nearly",
    "almost",
    "approximately",
    "some",
    "an estimated",
    "estimated",
    "close to",
    "up to about",
)
_AT_LEAST = ("over", "more than", "above", "at least", "upwards of", "in excess of")
_AT_MOST = ("under", "less than", "fewer than", "below", "up to", "at most")
_TOLERANCE = 0.10

# Nouns that count as the same thing when they follow a number.
_RELATED_HEADS = (
    frozenset(
        {
            "troop",
            "soldier",
            "personnel",
            "serviceman",
            "servicemen",
            "fighter",
            "force",
            "army personnel",
        }
    ),
    frozenset({"people", "person", "civilian", "resident", "citizen"}),
    frozenset({"drone", "uav"}),
    frozenset({"mile", "kilometer", "kilometre", "km"}),
    frozenset({"dollar", "$", "usd"}),
)
_STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "from",
        "with",
        "and",
        "or",
        "as",
        "than",
        "that",
        "this",
        "these",
        "those",
        "its",
        "their",
        "his",
        "her",
        "our",
        "your",
        "new",
        "more",
        "most",
        "other",
        "such",
        "some",
        "all",
    ]
)

_MONTHS = {name.lower(): index for index, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): index for index, name in enumerate(calendar.month_abbr) if name})
_WEEKDAYS = {name.lower(): index for index, name in enumerate(calendar.day_name)}

_QUALIFIER = "|".join(
    re.escape(q) for q in sorted(_APPROXIMATE + _AT_LEAST + _AT_MOST, key=len, reverse=True)
)
_NUMBER_RE = re.compile(
    rf"(?:(?P<qualifier>\b(?:{_QUALIFIER}))\s+)?"
    r"(?P<currency>[$€£])?"
    r"(?<![\w.,])(?P<digits>\d{1,3}(?:(?:,| (?=\d{3}\b))\d{3})+|\d+)(?:\.(?P<fraction>\d+))?"
    r"(?:\s*(?P<scale>k|m|mn|bn|thousand|million|billion|trillion)\b)?"
    r"(?:\s*(?P<percent>%|percent\b|per cent\b))?",
    re.IGNORECASE,
)
_DIGIT_SCALE_RE = re.compile(
    r"(?<![\w.,])(?P<number>\d{1,3}(?:,\d{3})*(?:\.\d+)?|\d+(?:\.\d+)?)\s*"
    r"(?P<scale>thousand|million|billion|trillion)\b",
    re.IGNORECASE,
)
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'’-]*|[$€£]")
_MONTH_NAMES = "|".join(
    sorted((name for name in _MONTHS if len(name) > 3 or name == "may"), key=len, reverse=True)
)
_FULL_DATE_RE = re.compile(
    rf"\b(?:(?P<day1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month1>{_MONTH_NAMES})\.?,?\s+(?P<year1>\d{{4}})"
    rf"|(?P<month2>{_MONTH_NAMES})\.?\s+(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year2>\d{{4}}))\b",
    re.IGNORECASE,
)
# A day with its month but no year ("14 March", "March 14th"): a date, never a count.
_DAY_MONTH_RE = re.compile(
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTH_NAMES})\b"
    rf"|\b(?:{_MONTH_NAMES})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?!\s*[,.]?\s*\d)",
    re.IGNORECASE,
)
# "May" is a month only after a date word or before a day or year.
_MONTH_RE = re.compile(
    rf"\b(?P<month>{_MONTH_NAMES.replace('|may', '')})\b"
    r"|(?:\b(?:in|since|by|until|early|late|mid|of|last|next|this)\s+|-)(?P<may>May)\b"
    r"|\b(?P<may2>May)(?=\s+\d)",
    re.IGNORECASE,
)
_WEEKDAY_RE = re.compile(rf"\b(?P<weekday>{'|'.join(_WEEKDAYS)})s?\b", re.IGNORECASE)
_YEAR_RE = re.compile(r"(?<![\w$€£.,])(?P<year>1[89]\d\d|20\d\d)(?![\w%]|[.,]\d)")


@dataclass(frozen=True)
class Quantity:
    """A figure or date found in a text.

    ``low``/``high`` bound the value as written: equal for an exact figure,
    widened by hedges ("about", "over"). ``head`` is the noun the figure counts
    (singular, lower case; ``%`` for percentages; empty for dates).
    """

    kind: str
    value: float
    low: float
    high: float
    head: str
    text: str

    @property
    def label(self) -> str:
        """How to show it: the figure as written with the thing it counts."""
        if self.kind == NUMBER and self.head and self.head not in {"$", "€", "£"}:
            return f"{self.text} {self.head}"
        return self.text

    def compatible(self, other: Quantity) -> bool:
        """Whether the two ranges overlap."""
        return self.low <= other.high and other.low <= self.high

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "value": self.value,
            "low": self.low,
            "high": self.high,
            "head": self.head,
            "text": self.text,
        }


@dataclass(frozen=True)
class QuantityPair:
    """A claim quantity and the passage quantity it was compared with."""

    claim: Quantity
    passage: Quantity

    def to_dict(self) -> dict[str, Any]:
        return {"claim": self.claim.to_dict(), "passage": self.passage.to_dict()}


@dataclass(frozen=True)
class QuantityComparison:
    """Claim quantities that the passage confirms (``matched``) or contradicts (``mismatched``).

    Quantities about things the passage does not mention are in neither.
    """

    matched: tuple[QuantityPair, ...] = ()
    mismatched: tuple[QuantityPair, ...] = ()

    @property
    def has_mismatch(self) -> bool:
        return bool(self.mismatched)

    @property
    def notes(self) -> tuple[str, ...]:
        """One line per mismatch, e.g. ``claim says '50,000 troop'; passage says '11,000 troop'``."""
        return tuple(
            f"claim says {pair.claim.label!r}; passage says {pair.passage.label!r}"
            for pair in self.mismatched
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "matched": [pair.to_dict() for pair in self.matched],
            "mismatched": [pair.to_dict() for pair in self.mismatched],
        }


def _singular(word: str) -> str:
    word = word.lower().replace("’", "'")
    if word in {"people", "personnel", "servicemen", "news", "series"}:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def _head_after(text: str, end: int) -> str:
    """The first common noun-like word in the three words after ``end``."""
    for match in list(_WORD_RE.finditer(text, end, min(len(text), end + 60)))[:4]:
        word = match.group(0)
        lowered = word.lower()
        if lowered in _STOP_WORDS or word[0].isupper():
            continue
        return _singular(lowered.strip("'’-"))
    return ""


def _related(head_a: str, head_b: str) -> bool:
    if head_a == head_b:
        return True
    return any(head_a in group and head_b in group for group in _RELATED_HEADS)


def _bounds(value: float, qualifier: str | None) -> tuple[float, float]:
    qualifier = (qualifier or "").lower()
    if qualifier in _AT_LEAST:
        return value, float("inf")
    if qualifier in _AT_MOST:
        return float("-inf"), value
    if qualifier in _APPROXIMATE:
        return value * (1 - _TOLERANCE), value * (1 + _TOLERANCE)
    return value, value


def _numbers(text: str, date_spans: list[tuple[int, int]]) -> list[Quantity]:
    found = []
    for match in _NUMBER_RE.finditer(text):
        start = match.start("digits")
        if any(low <= start < high for low, high in date_spans):
            continue
        digits = re.sub(r"[, ]", "", match.group("digits"))
        value = float(f"{digits}.{match.group('fraction') or 0}")
        scale = (match.group("scale") or "").lower()
        value *= _SCALES.get(scale, 1.0)
        if match.group("percent"):
            kind, head = PERCENT, "%"
        elif match.group("currency"):
            kind, head = NUMBER, "$" if match.group("currency") == "$" else match.group("currency")
        else:
            kind, head = NUMBER, _head_after(text, match.end())
        if not head:
            continue
        low, high = _bounds(value, match.group("qualifier"))
        found.append(Quantity(kind, value, low, high, head, match.group(0).strip()))
    return found


@functools.lru_cache(maxsize=1024)
def _parse_full_date(text: str) -> tuple[int, int, int] | None:
    import dateparser

    parsed = dateparser.parse(text, languages=["en"], settings={"REQUIRE_PARTS": ["day", "month"]})
    return (parsed.year, parsed.month, parsed.day) if parsed else None


def _dates(text: str) -> tuple[list[Quantity], list[tuple[int, int]]]:
    found: list[Quantity] = []
    spans: list[tuple[int, int]] = []
    for match in _FULL_DATE_RE.finditer(text):
        parsed = _parse_full_date(match.group(0))
        if parsed is None:
            continue
        year, month, day = parsed
        ordinal = year * 10000 + month * 100 + day
        found.append(Quantity(DATE, ordinal, ordinal, ordinal, "", match.group(0)))
        spans.append(match.span())
    covered = spans.copy()
    # The day of a day-month keeps its digits out of the counts; the month is read below.
    spans.extend(
        match.span()
        for match in _DAY_MONTH_RE.finditer(text)
        if not any(low <= match.start() < high for low, high in covered)
    )
    for match in _MONTH_RE.finditer(text):
        if any(low <= match.start() < high for low, high in covered):
            continue
        name = (match.group("month") or match.group("may") or match.group("may2")).lower()
        month = _MONTHS[name]
        found.append(Quantity(MONTH, month, month, month, "", name.capitalize()))
    for match in _WEEKDAY_RE.finditer(text):
        day = _WEEKDAYS[match.group("weekday").lower()]
        found.append(Quantity(WEEKDAY, day, day, day, "", match.group("weekday").capitalize()))
    for match in _YEAR_RE.finditer(text):
        if any(low <= match.start() < high for low, high in covered):
            continue
        year = int(match.group("year"))
        found.append(Quantity(YEAR, year, year, year, "", match.group("year")))
        spans.append(match.span())
    return found, spans


def _fold_scale(match: re.Match[str]) -> str:
    value = float(match.group("number").replace(",", "")) * _SCALES[match.group("scale").lower()]
    return f"{value:,.0f}"


@functools.lru_cache(maxsize=4096)
def extract_quantities(text: str) -> tuple[Quantity, ...]:
    """Every figure and date in ``text`` (numbers in words are read as digits).

    Example:
        >>> [q.value for q in extract_quantities("eleven thousand troops")]
        [11000.0]
    """
    from text_to_num import alpha2digit

    # alpha2digit turns "1.2 million" into "1.2 1000000", so digit-led scales are
    # folded into one number first.
    normalised = alpha2digit(_DIGIT_SCALE_RE.sub(_fold_scale, text), "en")
    dates, date_spans = _dates(normalised)
    return tuple(_numbers(normalised, date_spans)) + tuple(dates)


def _date_view(quantity: Quantity, kind: str) -> float | None:
    """A full date seen as its year or month, to compare with a bare year or month."""
    if quantity.kind == kind:
        return quantity.value
    if quantity.kind != DATE:
        return None
    ordinal = int(quantity.value)
    return {YEAR: ordinal // 10000, MONTH: ordinal // 100 % 100}.get(kind)


def compare_quantities(claim: str, premise: str) -> QuantityComparison:
    """Match the claim's figures and dates against the passage's.

    A claim number is compared with the passage numbers counting a related
    thing: matched if any range overlaps, mismatched if there are such numbers
    and none overlaps.  A claim date (year, month, weekday, full date) is
    matched if the passage has the same one, mismatched if the passage has
    dates of that kind and none is the same.

    Args:
        claim: the claim (hypothesis).
        premise: the passage (premise).

    Returns:
        A :class:`QuantityComparison`; empty when nothing is comparable.
    """
    claim_quantities = extract_quantities(claim)
    if not claim_quantities:
        return QuantityComparison()
    passage_quantities = extract_quantities(premise)
    matched: list[QuantityPair] = []
    mismatched: list[QuantityPair] = []
    for wanted in claim_quantities:
        if wanted.kind in {NUMBER, PERCENT}:
            candidates = [
                q
                for q in passage_quantities
                if q.kind == wanted.kind and _related(q.head, wanted.head)
            ]
            same = [q for q in candidates if q.compatible(wanted)]
        elif wanted.kind == DATE:
            candidates = [q for q in passage_quantities if q.kind == DATE]
            same = [q for q in candidates if q.value == wanted.value]
        else:
            candidates = [q for q in passage_quantities if _date_view(q, wanted.kind) is not None]
            same = [q for q in candidates if _date_view(q, wanted.kind) == wanted.value]
        if same:
            matched.append(QuantityPair(wanted, same[0]))
        elif candidates:
            nearest = min(candidates, key=lambda q: abs(q.value - wanted.value))
            mismatched.append(QuantityPair(wanted, nearest))
    return QuantityComparison(tuple(matched), tuple(mismatched))


@dataclass(frozen=True)
class NumberCheck:
    """Figures and dates: a passage that gives the claim's figure otherwise contradicts it.

    Each mismatch moves the share ``weight`` of the entailment mass and the
    share ``neutral_weight`` of the neutral mass to contradiction (two
    mismatches: ``1 - (1 - share)**2``). A passage the model reads as saying
    the same thing, but with another figure or date, contradicts the claim; a
    passage the model reads as neutral mostly stays so, so a dateline or
    headline that happens to carry another year does not become a
    refutation. With matches and no mismatch, the share ``match_weight`` of
    the neutral mass moves to entailment; contradiction is left alone, since
    a matching figure says nothing about, say, a denial. The result sums to 1.

    Raises:
        ValueError: a weight outside [0, 1].
    """

    weight: float = 0.8
    neutral_weight: float = 0.2
    match_weight: float = 0.15
    name: str = "numbers"

    def __post_init__(self) -> None:
        check_weight("weight", self.weight)
        check_weight("neutral_weight", self.neutral_weight)
        check_weight("match_weight", self.match_weight)

    def adjust(self, claim: Claim, passage: Passage, scores: NLIScores) -> Adjustment:
        comparison = compare_quantities(claim.text, passage.text)
        return Adjustment(self.shift(scores, comparison), comparison.notes)

    def shift(self, scores: NLIScores, comparison: QuantityComparison) -> NLIScores:
        """New scores for a comparison of the claim's figures with the passage's."""
        entailment, neutral, contradiction = (
            scores.entailment,
            scores.neutral,
            scores.contradiction,
        )
        if comparison.mismatched:
            count = len(comparison.mismatched)
            from_entailment = (1.0 - (1.0 - self.weight) ** count) * entailment
            from_neutral = (1.0 - (1.0 - self.neutral_weight) ** count) * neutral
            contradiction += from_entailment + from_neutral
            entailment -= from_entailment
            neutral -= from_neutral
        elif comparison.matched:
            moved = self.match_weight * neutral
            entailment += moved
            neutral -= moved
        total = entailment + neutral + contradiction
        if total <= 0:
            return NLIScores(entailment=1 / 3, neutral=1 / 3, contradiction=1 / 3)
        return NLIScores(
            entailment=entailment / total,
            neutral=neutral / total,
            contradiction=contradiction / total,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
