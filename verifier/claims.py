"""Validating a claim before any work is done on it."""

from __future__ import annotations

import re
import unicodedata

from verifier.errors import InvalidClaimError

_LONG_CLAIM_CHARS = 300
_MIN_STATEMENT_WORDS = 3
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
# Common function words of English, and of the other languages users are likeliest to
# type (French, German, Spanish, Italian). A claim is probably not English when more of
# its words are the others' than English's, two at least ("a" and "in" count as English).
_ENGLISH_FUNCTION_WORDS = frozenset(
    {
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "from",
        "by",
        "with",
        "and",
        "or",
        "but",
        "not",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "has",
        "have",
        "had",
        "does",
        "did",
        "will",
        "would",
        "can",
        "could",
        "should",
        "might",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "he",
        "she",
        "they",
        "we",
        "his",
        "her",
        "their",
        "our",
        "than",
        "into",
        "over",
        "after",
        "before",
        "about",
        "as",
        "who",
        "which",
    }
)
_OTHER_FUNCTION_WORDS = frozenset(
    {
        "le",
        "de",
        "en",
        "la",
        "les",
        "des",
        "du",
        "est",
        "une",
        "dans",
        "pour",
        "sur",
        "avec",
        "et",
        "au",
        "aux",
        "der",
        "die",
        "das",
        "den",
        "dem",
        "und",
        "ist",
        "nicht",
        "mit",
        "für",
        "auf",
        "eine",
        "ein",
        "el",
        "los",
        "las",
        "y",
        "que",
        "del",
        "por",
        "una",
        "con",
        "para",
        "se",
        "lo",
        "di",
        "il",
        "che",
        "per",
        "della",
        "sono",
    }
)
# Control (Cc) and format (Cf: zero-width spaces, joiners, bidi marks) characters
# carry no words; a claim made only of them and spaces is empty.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})


def claim_text_problem(text: str) -> str | None:
    """Why ``text`` cannot be checked as a claim, or ``None`` if it can (length aside).

    Example:
        >>> claim_text_problem("\\u200b\\u200b")
        'the claim has no visible characters (only spaces, control or zero-width characters)'
    """
    for position, character in enumerate(text):
        if 0xD800 <= ord(character) <= 0xDFFF:
            return (
                f"the claim is not valid text: a lone surrogate (U+{ord(character):04X}) "
                f"at character {position + 1}, e.g. from invalid UTF-8"
            )
    if not text.strip():
        return "the claim is empty: type a sentence to check"
    if all(unicodedata.category(character) in _INVISIBLE_CATEGORIES for character in text):
        return "the claim has no visible characters (only spaces, control or zero-width characters)"
    return None


def _without_controls(text: str) -> str:
    """``text`` with control characters (NUL, ESC, ...) turned into spaces."""
    return "".join(" " if unicodedata.category(c) == "Cc" else c for c in text)


def validate_claim(claim: object, max_chars: int) -> tuple[str, tuple[str, ...]]:
    """Validate a claim; returns it with control characters and whitespace collapsed, and warnings.

    Raises:
        InvalidClaimError: the claim is not text, is not valid Unicode (a lone
            surrogate), has no visible character, or is over ``max_chars``.
    """
    if not isinstance(claim, str):
        raise InvalidClaimError(f"the claim must be text, got {type(claim).__name__}")
    problem = claim_text_problem(claim)
    if problem is not None:
        raise InvalidClaimError(problem)
    text = " ".join(_without_controls(claim).split())
    if len(text) > max_chars:
        raise InvalidClaimError(
            f"the claim is {len(text)} characters long; the limit is {max_chars}. "
            "Split it into single statements (or use paragraph checking)"
        )
    warnings: list[str] = []
    if len(text) > _LONG_CLAIM_CHARS:
        warnings.append(
            f"long claim ({len(text)} characters): the judge reads up to 256 tokens per pair, "
            "and single statements are judged more reliably"
        )
    warnings.extend(reading_warnings(text))
    return text, tuple(warnings)


def statement_problem(text: str) -> str | None:
    """Why ``text`` is not a statement a verdict can be given on, or ``None`` if it is one.

    Fewer than three words is a topic, not a statement. The page shows this
    instead of a verdict; the API and batch files get the verdict with it as a warning.

    Example:
        >>> statement_problem("Kursk").split(":")[0]
        'not a statement'
        >>> statement_problem("Ukraine entered the Kursk region.") is None
        True
    """
    if len(_WORD.findall(text)) >= _MIN_STATEMENT_WORDS:
        return None
    return (
        f"not a statement: {text.strip()!r} reads as a topic; a verdict needs a full sentence "
        "saying something checkable (e.g. 'Ukraine entered the Kursk region in August')"
    )


def reading_warnings(text: str) -> list[str]:
    """Warnings for claims the models cannot read well: a bare topic, or not English.

    Light rules, measurable and without a model: fewer than three words is a
    topic, not a statement ("Kursk"); mostly non-Latin letters, or more French,
    German, Spanish or Italian function words than English ones (two at
    least), is probably not English.

    Example:
        >>> reading_warnings("Kursk")[0].split(":")[0]
        'not a statement'
    """
    words = _WORD.findall(text)
    found = []
    problem = statement_problem(text)
    if problem is not None:
        found.append(problem)
    letters = [c for c in text if c.isalpha()]
    latin = sum("LATIN" in unicodedata.name(c, "") for c in letters)
    lowered = [word.lower() for word in words]
    english = sum(word in _ENGLISH_FUNCTION_WORDS for word in lowered)
    other = sum(word in _OTHER_FUNCTION_WORDS for word in lowered)
    if (letters and latin < len(letters) / 2) or (other >= 2 and other > english):
        found.append(
            "this claim does not look like English: the models read English only, so the "
            "verdict is unreliable"
        )
    return found
