"""The settings of a ``Verifier``: every default is written here, once."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

from verifier.errors import InvalidSettingError, LimitError
from verifier.retrieval.fusion import HYBRID, RETRIEVAL_MODES

MAX_TOP_K = 20
"""The most passages one claim may have judged on request: the command line's cap and the
app's default one (``--max-top-k``). The library itself takes any positive top-k."""


@dataclass(frozen=True)
class VerifierConfig:
    """Settings of a ``Verifier``.

    ``verdict_model`` is the fitted verdict model's JSON file (the shipped one
    when ``None``).

    ``retrieval`` picks the passages to judge: ``"dense"`` (nearest by the
    embedder), ``"lexical"`` (best by BM25) or ``"hybrid"`` (both top lists
    fused by reciprocal rank; dense only for an index saved without BM25).

    Claims over
    ``max_claim_chars`` are refused (not truncated) with ``InvalidClaimError``:
    a verdict on part of a claim would be misleading.
    """

    top_k: int = 5
    retrieval: str = HYBRID
    verdict_model: str | None = None
    use_context: bool = True
    max_claim_chars: int = 1000
    batch_claims: int = 32

    def __post_init__(self) -> None:
        for name in ("top_k", "max_claim_chars", "batch_claims"):
            validate_positive(name, getattr(self, name))
        if self.retrieval not in RETRIEVAL_MODES:
            raise ValueError(
                f"retrieval must be one of {list(RETRIEVAL_MODES)}, got {self.retrieval!r}"
            )

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def validate_positive(name: str, value: object) -> int:
    """Return ``value`` if it is a positive integer.

    Raises:
        InvalidSettingError: (a ``ValueError``) naming ``name`` and the bad value;
            ``True`` is not taken for 1.
    """
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidSettingError(f"{name} must be a positive integer, got {value!r}")
    return value


def validate_top_k(value: object, default: int, most: int = MAX_TOP_K) -> int:
    """A requested top-k as an int: ``None`` is ``default``; refuses non-whole numbers.

    The one bound on top-k for requests, the app's and the command line's.

    Raises:
        LimitError: not a whole number (``True`` is not 1), or outside 1..``most``.

    Example:
        >>> validate_top_k(3.0, 5), validate_top_k(None, 5)
        (3, 5)
    """
    if value is None:
        value = default
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise LimitError(f"top_k must be a whole number, got {str(value)[:40]!r}")
    if not 1 <= value <= most:
        raise LimitError(f"top_k must be between 1 and {most}, got {value}")
    return value
