"""Check that a passage mentions the names a claim is about, and temper entailment if not.

Small NLI models read "China has sent soldiers to help Russia" as entailed by
"North Korea has sent soldiers to Russia": the sentences share everything but
the name. A passage cannot establish a claim about someone it never mentions,
so this module finds the claim's names and looks for them in the passage:

* **Names** are runs of capitalised words ("Mark Rutte", "North Korea's",
  "Kursk"), possessives stripped. A capitalised word that opens the claim is a
  name only when a capitalised word follows it ("Mark Rutte travelled") or
  when the corpus never writes it in lower case (``is_common_word``): that
  keeps "China has sent..." and drops "Global warming is..."; likewise the
  first word of a run that opens the claim ("Then NATO agreed" names "NATO").
* **Mentions**: a name is mentioned when any of its significant words (not a
  title or a direction such as "President" or "North") occurs capitalised in
  the passage, as itself or as its stem with a suffix ("Russia" → "Russian",
  "Ukraine" → "Ukrainian", "China" → "Chinese"), so a surname alone
  ("Rutte") or an adjective ("North Korean") counts, and so does an acronym
  for the name's initials or the name for an acronym ("U.S." and "United
  States", "EU" and "European Union").

Only the names in the claim's opening, its subject as a rule, are checked
(:func:`subject_names`): "NASA says" at the end of a claim, or a list of
countries, is something a supporting passage need not repeat. A passage may
be about a name without naming it ("He joined...", "The film
was shot..."), so :func:`names_the_passage_lacks` counts a name as lacking
only when the passage opens with neither a pronoun nor "the <noun>" and names
something else instead. :class:`NameCheck` then moves most of
the entailment mass to neutral for each lacking name; contradiction is left alone (a passage about
someone else says nothing against the claim, but what it does contradict
stays contradicted).

Limits: no coreference ("the NATO chief" for "Mark Rutte") and no aliases
("Moscow" for "Russia"); the pipeline reads the sentence before the passage
too, which catches "He said..." after a named sentence.

Example:
    >>> corpus_words = {"soldiers", "region", "has", "sent"}  # written in lower case
    >>> names = claim_names(
    ...     "China has sent soldiers to help Russia retake Kursk.", corpus_words.__contains__
    ... )
    >>> names
    ('China', 'Russia', 'Kursk')
    >>> subject_names("China has sent soldiers to help Russia.", corpus_words.__contains__)
    ('China',)
    >>> names_the_passage_lacks(names, "North Korea sent 10,000 soldiers to Russia's Kursk region.")
    ('China',)
    >>> names_the_passage_lacks(names, "They were sent to Russia's Kursk region.")
    ()
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from verifier.judging.check import Adjustment, Claim, check_weight
from verifier.text import leans_on_previous
from verifier.types import NLIScores, Passage

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9’'&.-]*")
_POSSESSIVE = re.compile(r"(?:['’]s|['’])$")


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Capitalised only because they open a sentence; never part of a name.
_FUNCTION_WORDS = _word_set(
    "a an the this that these those it its he she they we i you his her their our my "
    "in on at of for to from by with and or but if when while after before as"
)
# Part of a name ("North Korea", "President Zelensky") but not enough to identify it.
_GENERIC_WORDS = _word_set(
    "north south east west northern southern eastern western central new old great "
    "united republic president prime minister general gen mr mrs ms dr st king queen "
    "sir lord leader chief monday tuesday wednesday thursday friday saturday sunday "
    "january february march april may june july august september october november "
    "december jan feb mar apr jun jul aug sep sept oct nov dec"
)
_CAPITALISED_RUN = re.compile(r"[A-Z][A-Za-z]+(?:\s+[A-Z][A-Za-z]+)+")
_THE_NOUN_OPENING = re.compile(r"^\W*[Tt]he\s+[a-z]")
_CONTRACTION = re.compile(r"['’](?:ll|re|ve|d|m|t)$", re.IGNORECASE)
_ABBREVIATIONS = frozenset(["mr", "mrs", "ms", "dr", "st", "gen", "jr", "sr", "no", "vs"])
_STEM_ENDINGS = ("ian", "ese", "ia", "a", "e", "y", "o", "n")


def _strip(word: str) -> str:
    return _POSSESSIVE.sub("", word.rstrip(".-"))


def claim_names(claim: str, is_common_word: Callable[[str], bool] | None = None) -> tuple[str, ...]:
    """The names a claim is about, in order, each once.

    Args:
        claim: the claim text.
        is_common_word: tells whether a lower-cased word is an ordinary word (the
            corpus writes it in lower case); decides whether a lone capitalised
            first word is a name. Without it, a lone first word is not a name.

    Returns:
        the names, or ``()`` for a claim in title case, where capitals do not
        mark names.
    """
    words = _WORD.findall(claim)
    if len(words) >= 4 and sum(w[:1].isupper() for w in words) > 0.6 * len(words):
        # A headline in title case ("Volcanoes Melting West Antarctic Glaciers"):
        # capitals say nothing about names there.
        return ()
    names: list[str] = []
    run: list[str] = []
    run_opens_sentence = False

    def close_run() -> None:
        words = list(run)
        if run_opens_sentence and words:
            # A sentence's first word is capitalised anyway: keep it only if
            # the corpus never writes it in lower case ("China has...", not "Then NATO...").
            drop = len(words) == 1 if is_common_word is None else is_common_word(words[0].lower())
            if drop:
                words = words[1:]
        if not any(word.lower() not in _GENERIC_WORDS for word in words):
            return
        name = " ".join(words)
        if name not in names:
            names.append(name)

    previous_end = 0
    opens_sentence = True
    for match in _WORD.finditer(claim):
        gap = claim[previous_end : match.start()]
        if gap.strip() or match.group()[:1].islower():
            close_run()
            run = []
        opens_sentence = opens_sentence or bool(re.search(r"[.!?:]", gap))
        word = _strip(match.group())
        if (
            word[:1].isupper()
            and word.lower() not in _FUNCTION_WORDS
            and not _CONTRACTION.search(word)
        ):
            if not run:
                run_opens_sentence = opens_sentence
            run.append(word)
        else:
            close_run()
            run = []
        if match.group() != word:
            # A possessive or a full stop ends the name: "North Korea's military".
            close_run()
            run = []
        opens_sentence = (
            match.group().endswith((".", "!", "?"))
            and "." not in match.group()[:-1]
            and word.lower() not in _ABBREVIATIONS
        )
        previous_end = match.end()
    close_run()
    return tuple(names)


def subject_names(
    claim: str, is_common_word: Callable[[str], bool] | None = None
) -> tuple[str, ...]:
    """The names in the claim's opening, before its first lower-case word (not "the", "of"...).

    That is the claim's subject as a rule ("China has sent...", "Mark Rutte
    travelled...", "When Ukraine crossed..."). Names further on are often an
    attribution ("..., NASA says") or a setting ("...declining in Britain and
    France") that a supporting passage need not repeat.
    """
    opening = []
    for match in _WORD.finditer(claim):
        word = match.group()
        if word[:1].islower() and word.lower() not in _FUNCTION_WORDS:
            break
        opening.append(_strip(word))
    return tuple(name for name in claim_names(claim, is_common_word) if name.split()[0] in opening)


@lru_cache(maxsize=256)
def claim_subject(claim: Claim) -> tuple[str, ...]:
    """:func:`subject_names` of a claim, worked out once however many passages ask."""
    return subject_names(claim.text, claim.is_common_word)


def _stem(word: str) -> str:
    lower = word.lower()
    for ending in _STEM_ENDINGS:
        if lower.endswith(ending) and len(lower) - len(ending) >= 4:
            return lower[: -len(ending)]
    return lower


def _acronyms_of_name(name: str) -> set[str]:
    words = name.split()
    if len(words) > 1:
        return {"".join(word[0] for word in words).lower()}
    if words and (words[0].isupper() or "." in words[0]):
        return {words[0].replace(".", "").lower()}
    return set()


def _mentioned(name: str, passage_stems: set[str], passage_acronyms: set[str]) -> bool:
    if _acronyms_of_name(name) & passage_acronyms:
        return True
    words = name.split()
    significant = [w for w in words if w.lower() not in _GENERIC_WORDS] or words
    for word in significant:
        stem = _stem(word)
        for candidate in passage_stems:
            if candidate == stem or (
                min(len(candidate), len(stem)) >= 4
                and (candidate.startswith(stem) or stem.startswith(candidate))
                and abs(len(candidate) - len(stem)) <= 3
            ):
                return True
    return False


def missing_names(names: Iterable[str], passage: str) -> tuple[str, ...]:
    """The names in ``names`` that ``passage`` never mentions (see the module notes)."""
    return _missing_names(tuple(names), passage)


# The name and report checks both ask this of each passage: read it once.
@lru_cache(maxsize=1024)
def _missing_names(names: tuple[str, ...], passage: str) -> tuple[str, ...]:
    words = [_strip(m.group()) for m in _WORD.finditer(passage)]
    passage_stems = {_stem(word) for word in words if word[:1].isupper() or word[:1].isdigit()}
    # "U.S." for "United States" and back: the passage's acronyms and the
    # initials of its runs of capitalised words.
    passage_acronyms = {
        acronym for word in words if word[:1].isupper() for acronym in _acronyms_of_name(word)
    }
    passage_acronyms |= {
        acronym
        for run in _CAPITALISED_RUN.findall(passage)
        for acronym in _acronyms_of_name(
            " ".join(word for word in run.split() if word.lower() not in _FUNCTION_WORDS)
        )
    }
    return tuple(name for name in names if not _mentioned(name, passage_stems, passage_acronyms))


def names_the_passage_lacks(
    names: Sequence[str],
    passage: str,
    *,
    context: str = "",
    is_common_word: Callable[[str], bool] | None = None,
) -> tuple[str, ...]:
    """The claim's names that a passage about *other* named things leaves out.

    A passage that lacks a name may still be about it without naming it
    ("He joined Plato's Academy", "The film was shot in India", "Principal
    photography began in 2015"), so the names count as lacking only when the
    passage does not open with a pronoun or "the <noun>" and names something
    of its own: "North Korea has sent soldiers" for a claim about China.

    Args:
        names: :func:`claim_names` of the claim.
        passage: the passage judged.
        context: text around the passage (the sentence before) where a name
            also counts as mentioned.
        is_common_word: as for :func:`claim_names`, to find the passage's own names.
    """
    if not names or leans_on_previous(passage) or _THE_NOUN_OPENING.match(passage):
        return ()
    missing = missing_names(tuple(names), f"{context} {passage}")
    if not missing or not _names_something(passage, is_common_word):
        return ()
    return missing


def _names_something(passage: str, is_common_word: Callable[[str], bool] | None) -> bool:
    # A headline in title case names things too, though claim_names() reads none there.
    words = [_strip(word) for word in _WORD.findall(passage)]
    if claim_names(passage, is_common_word):
        return True
    return any(
        word[:1].isupper() and word.lower() not in _FUNCTION_WORDS | _GENERIC_WORDS
        for word in words[1:]
    )


@dataclass(frozen=True)
class NameCheck:
    """Withhold entailment from a passage about someone other than the claim's subject.

    For each of the claim's subject names that the passage lacks
    (:func:`names_the_passage_lacks`), the share ``weight`` of the entailment
    mass moves to neutral: two missing names move ``1 - (1 - weight)**2`` of it.
    Contradiction is left alone.

    Raises:
        ValueError: ``weight`` outside [0, 1].
    """

    weight: float = 0.8
    name: str = "names"

    def __post_init__(self) -> None:
        check_weight("weight", self.weight)

    def adjust(self, claim: Claim, passage: Passage, scores: NLIScores) -> Adjustment:
        subject = claim_subject(claim)
        if not subject:
            return Adjustment(scores)
        missing = names_the_passage_lacks(
            subject,
            passage.text,
            context=passage.context_before,
            is_common_word=claim.is_common_word,
        )
        notes = tuple(f"claim names '{name}'; the passage does not" for name in missing)
        return Adjustment(self.shift(scores, missing), notes)

    def shift(self, scores: NLIScores, missing: Sequence[str]) -> NLIScores:
        """New scores with entailment moved to neutral per missing name; ``scores`` if none."""
        if not missing:
            return scores
        moved = (1.0 - (1.0 - self.weight) ** len(missing)) * scores.entailment
        return NLIScores(
            entailment=scores.entailment - moved,
            neutral=scores.neutral + moved,
            contradiction=scores.contradiction,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
