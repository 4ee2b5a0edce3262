"""Validating a claim before any work is done on it."""

from __future__ import annotations

import unicodedata

from verifier.errors import InvalidClaimError

_LONG_CLAIM_CHARS = 300
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


def check_claim(claim: object, max_chars: int) -> tuple[str, tuple[str, ...]]:
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
    warnings = ()
    if len(text) > _LONG_CLAIM_CHARS:
        warnings = (
            f"long claim ({len(text)} characters): the judge reads up to 256 tokens per pair, "
            "and single statements are judged more reliably",
        )
    return text, warnings
