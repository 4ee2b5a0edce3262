"""Judging a passage against a claim: the NLI judge and its labels."""

from verifier.judging.judge import Judge
from verifier.judging.labels import map_labels
from verifier.judging.nli import NLIJudge
from verifier.registry import (
    EMBEDDER_ID,
    NLI_MODEL_ALIASES,
    SHIPPED_NLI_MODEL,
    embedder_path,
    resolve_nli_model,
)

__all__ = [
    "EMBEDDER_ID",
    "NLI_MODEL_ALIASES",
    "SHIPPED_NLI_MODEL",
    "Judge",
    "NLIJudge",
    "embedder_path",
    "map_labels",
    "resolve_nli_model",
]
