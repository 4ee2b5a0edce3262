"""Judging a passage against a claim: the NLI judge, its labels, and the checks that adjust it."""

from verifier.judging.check import Adjustment, Check, Claim
from verifier.judging.checks import (
    CHECK_NAMES,
    ON_BY_DEFAULT,
    all_checks,
    apply_checks,
    choose_checks,
    default_checks,
)
from verifier.judging.judge import Judge
from verifier.judging.labels import map_labels
from verifier.judging.names import NameCheck
from verifier.judging.nli import NLIJudge
from verifier.judging.numbers import NumberCheck, QuantityComparison, compare_quantities
from verifier.judging.reports import ReportCheck
from verifier.registry import (
    EMBEDDER_ID,
    NLI_MODEL_ALIASES,
    SHIPPED_NLI_MODEL,
    embedder_path,
    resolve_nli_model,
)

__all__ = [
    "CHECK_NAMES",
    "EMBEDDER_ID",
    "NLI_MODEL_ALIASES",
    "SHIPPED_NLI_MODEL",
    "Adjustment",
    "Check",
    "Claim",
    "Judge",
    "NLIJudge",
    "NameCheck",
    "NumberCheck",
    "QuantityComparison",
    "ReportCheck",
    "apply_checks",
    "choose_checks",
    "compare_quantities",
    "ON_BY_DEFAULT",
    "all_checks",
    "default_checks",
    "embedder_path",
    "map_labels",
    "resolve_nli_model",
]
