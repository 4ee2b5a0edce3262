"""Validating a claim before any work is done on it."""

from __future__ import annotations

from verifier.errors import InvalidClaimError

_LONG_CLAIM_CHARS = 300


def check_claim(claim: object, max_chars: int) -> tuple[str, tuple[str, ...]]:
    """Validate a claim; returns it with whitespace collapsed, and any warnings.

    Raises:
        InvalidClaimError: the claim is not text, is empty, or is over ``max_chars``.
    """
    if not isinstance(claim, str):
        raise InvalidClaimError(f"the claim must be text, got {type(claim).__name__}")
    text = " ".join(claim.split())
    if not text:
        raise InvalidClaimError("the claim is empty: type a sentence to check")
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
