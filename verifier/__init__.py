"""Offline claim verification against your own documents.

Example:
    >>> from verifier import verify
    >>> verdict = verify("The council approved the budget in March.", corpus="docs/")
    >>> verdict.label, round(verdict.confidence, 2)
    ('SUPPORTED', 0.91)

Heavy modules (torch, FAISS) load on first use, not on import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["Verifier", "verify", "Verdict", "Evidence", "Passage", "NLIScores", "VerifierError"]

if TYPE_CHECKING:
    from verifier.errors import VerifierError
    from verifier.pipeline import Verifier, verify
    from verifier.types import Evidence, NLIScores, Passage, Verdict

_LAZY = {
    "Verifier": "verifier.pipeline",
    "verify": "verifier.pipeline",
    "Verdict": "verifier.types",
    "Evidence": "verifier.types",
    "Passage": "verifier.types",
    "NLIScores": "verifier.types",
    "VerifierError": "verifier.errors",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'verifier' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_LAZY[name]), name)
