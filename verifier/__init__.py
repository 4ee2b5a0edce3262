"""Offline claim verification against your own documents.

Example:
    >>> from verifier import verify
    >>> verdict = verify("The council approved the budget in March.", corpus="docs/")
    >>> verdict.label, round(verdict.confidence, 2)
    ('SUPPORTED', 0.91)

Heavy modules (torch, FAISS) load on first use, not on import.

The package is laid out by stage: ``corpus`` (files into sentence passages),
``retrieval`` (embedder and vector store), ``judging`` (the NLI judge),
``decision`` (the verdict rule, calibration and
metrics) and ``io`` (batch files and the command line); ``pipeline`` joins
them. Each stage imports only ``types``, ``errors``, ``records``, ``text`` and
``registry``, never another stage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

_LAZY = {
    "verify": "verifier.pipeline",
    "Verifier": "verifier.pipeline",
    "VerifierConfig": "verifier.config",
    "validate_claim": "verifier.claims",
    "Embedder": "verifier.retrieval",
    "FaissStore": "verifier.retrieval",
    "MilvusStore": "verifier.retrieval",
    "VectorStore": "verifier.retrieval",
    "open_store": "verifier.retrieval",
    "NLIJudge": "verifier.judging",
    "Judge": "verifier.judging",
    "SHIPPED_NLI_MODEL": "verifier.registry",
    "read_claims": "verifier.io",
    "result_record": "verifier.io",
    "write_csv": "verifier.io",
    "write_jsonl": "verifier.io",
    "json_objects": "verifier.records",
    "scifact_rows": "verifier.records",
    "write_atomically": "verifier.records",
    "Verdict": "verifier.types",
    "Evidence": "verifier.types",
    "Passage": "verifier.types",
    "NLIScores": "verifier.types",
    "JudgedPassage": "verifier.types",
    "ClaimSpan": "verifier.types",
    "LoadReport": "verifier.types",
    "IndexedSource": "verifier.types",
    "VerifierError": "verifier.errors",
    "InvalidClaimError": "verifier.errors",
    "CorpusError": "verifier.errors",
    "LimitError": "verifier.errors",
}

__all__ = [
    "ClaimSpan",
    "CorpusError",
    "Embedder",
    "Evidence",
    "FaissStore",
    "InvalidClaimError",
    "Judge",
    "JudgedPassage",
    "LimitError",
    "IndexedSource",
    "LoadReport",
    "MilvusStore",
    "NLIJudge",
    "NLIScores",
    "Passage",
    "SHIPPED_NLI_MODEL",
    "Verdict",
    "Verifier",
    "VerifierConfig",
    "VerifierError",
    "VectorStore",
    "validate_claim",
    "json_objects",
    "open_store",
    "read_claims",
    "result_record",
    "scifact_rows",
    "verify",
    "write_atomically",
    "write_csv",
    "write_jsonl",
]

if TYPE_CHECKING:
    from verifier.claims import validate_claim
    from verifier.config import VerifierConfig
    from verifier.errors import CorpusError, InvalidClaimError, LimitError, VerifierError
    from verifier.io import read_claims, result_record, write_csv, write_jsonl
    from verifier.judging import Judge, NLIJudge
    from verifier.pipeline import Verifier, verify
    from verifier.records import json_objects, scifact_rows, write_atomically
    from verifier.registry import SHIPPED_NLI_MODEL
    from verifier.retrieval import Embedder, FaissStore, MilvusStore, VectorStore, open_store
    from verifier.types import (
        ClaimSpan,
        Evidence,
        IndexedSource,
        JudgedPassage,
        LoadReport,
        NLIScores,
        Passage,
        Verdict,
    )


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'verifier' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_LAZY[name]), name)
