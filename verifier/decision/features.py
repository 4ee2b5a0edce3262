"""What the fitted verdict model reads of a claim's judged passages. Pure Python.

Each feature is one number per claim, named in :data:`FEATURES`; the fitted
model's JSON lists the names it was fitted with, so a model and this module
that disagree are refused rather than misread.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from verifier.decision.details import DETAIL_NAMES, NO_PASSAGE, compare_details
from verifier.types import JudgedPassage

_WEIGHED_DETAILS = DETAIL_NAMES[:-1]
"""Details that matter only when a passage would confirm: also weighed by its entailment."""

FEATURES: tuple[str, ...] = (
    "best_retrieval",
    "max_entailment",
    "max_contradiction",
    "entailment_logit",
    "contradiction_logit",
    "margin",
    "entailment_retrieval",
    "contradiction_retrieval",
    "relevant_entailment",
    "relevant_contradiction",
    "top_entailment",
    "top_contradiction",
    "entailment_rank",
    "contradiction_rank",
    "supporting_documents",
    "refuting_documents",
    "mean_neutral",
    *(f"detail_{name}" for name in DETAIL_NAMES),
    *(f"entailed_{name}" for name in _WEIGHED_DETAILS),
)
"""Feature names, in the order :func:`claim_features` returns them:

- ``best_retrieval``: the highest cosine of any passage (is anything relevant?);
- ``max_entailment`` / ``max_contradiction``: the strongest judgement each way,
  also as clipped log-odds (``*_logit``) and as their difference (``margin``);
- ``entailment_retrieval`` / ``contradiction_retrieval``: the cosine of the
  passage that holds each strongest judgement;
- ``relevant_*``: the largest product of a judgement and its passage's cosine;
- ``top_*``: the judgements of the passage ranked first by retrieval;
- ``*_rank``: the retrieval rank (0 first) of each strongest judgement;
- ``supporting_documents`` / ``refuting_documents``: distinct documents with a
  passage whose entailment (contradiction) is at least 0.5 and beats the other;
- ``mean_neutral``: the mean neutral probability;
- ``detail_*``: how the claim's figures, months, names, negation and content words
  meet the passage that most entails it (:mod:`verifier.decision.details`);
- ``entailed_*``: those details times that passage's entailment, so a missing name
  can weigh where a passage would otherwise confirm the claim.
"""

_LOGIT_CLIP = 8.0
_SIDE_TAKEN = 0.5
_NO_RANK = 10.0  # the rank given when there is no passage: past any usual top-k


def _logit(probability: float) -> float:
    p = min(max(probability, 1e-6), 1 - 1e-6)
    return max(-_LOGIT_CLIP, min(_LOGIT_CLIP, math.log(p / (1 - p))))


def claim_features(claim: str, judged: Sequence[JudgedPassage]) -> list[float]:
    """The values of :data:`FEATURES` for one claim's judged passages, in that order.

    ``judged`` is in retrieval order (best first), as the pipeline returns it.
    No passage at all gives the values of "nothing relevant".

    Example:
        >>> from verifier.types import NLIScores, Passage
        >>> item = JudgedPassage(Passage("d", "d", "", "x", 0, 1), 0.8, NLIScores(0.9, 0.05, 0.05))
        >>> dict(zip(FEATURES, claim_features("x", [item])))["supporting_documents"]
        1.0
    """
    if not judged:
        values = dict.fromkeys(FEATURES, 0.0)
        values["entailment_logit"] = values["contradiction_logit"] = -_LOGIT_CLIP
        values["mean_neutral"] = 1.0
        values["entailment_rank"] = values["contradiction_rank"] = _NO_RANK
        values.update(_detail_values(NO_PASSAGE.values(), 0.0))
        return [values[name] for name in FEATURES]
    entail_at = max(range(len(judged)), key=lambda i: judged[i].nli.entailment)
    contra_at = max(range(len(judged)), key=lambda i: judged[i].nli.contradiction)
    best_entail = judged[entail_at].nli.entailment
    best_contra = judged[contra_at].nli.contradiction
    supporting = {
        item.passage.doc_id
        for item in judged
        if item.nli.entailment >= _SIDE_TAKEN and item.nli.entailment > item.nli.contradiction
    }
    refuting = {
        item.passage.doc_id
        for item in judged
        if item.nli.contradiction >= _SIDE_TAKEN and item.nli.contradiction > item.nli.entailment
    }
    values = {
        "best_retrieval": max(item.retrieval_score for item in judged),
        "max_entailment": best_entail,
        "max_contradiction": best_contra,
        "entailment_logit": _logit(best_entail),
        "contradiction_logit": _logit(best_contra),
        "margin": best_entail - best_contra,
        "entailment_retrieval": judged[entail_at].retrieval_score,
        "contradiction_retrieval": judged[contra_at].retrieval_score,
        "relevant_entailment": max(i.nli.entailment * i.retrieval_score for i in judged),
        "relevant_contradiction": max(i.nli.contradiction * i.retrieval_score for i in judged),
        "top_entailment": judged[0].nli.entailment,
        "top_contradiction": judged[0].nli.contradiction,
        "entailment_rank": float(entail_at),
        "contradiction_rank": float(contra_at),
        "supporting_documents": float(len(supporting)),
        "refuting_documents": float(len(refuting)),
        "mean_neutral": sum(item.nli.neutral for item in judged) / len(judged),
    }
    details = compare_details(claim, judged[entail_at].passage.text).values()
    values.update(_detail_values(details, best_entail))
    return [float(values[name]) for name in FEATURES]


def _detail_values(details: Sequence[float], entailment: float) -> dict[str, float]:
    named = dict(zip(DETAIL_NAMES, details, strict=True))
    values = {f"detail_{name}": value for name, value in named.items()}
    values.update({f"entailed_{name}": named[name] * entailment for name in _WEIGHED_DETAILS})
    return values
