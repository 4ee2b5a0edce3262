"""The hand-set threshold rule the fitted verdict model replaced, kept only to compare against.

``eval.runs.score`` fits these thresholds on a run's dev half for its "dev-fitted
thresholds" column, and ``eval.bench.pipeline``'s naive baseline decides with them.
The product decides with :class:`verifier.decision.FittedDecider` alone.

Each passage first gets a stance: it *supports* the claim when its entailment
probability reaches ``support_threshold`` and beats contradiction, *refutes*
when contradiction reaches ``refute_threshold`` and beats entailment, and is
*neutral* otherwise. Passages retrieved with a cosine below
``min_retrieval_score`` are treated as not bearing on the claim. Then:

- no supporting or refuting passage: NOT_ENOUGH_INFO, with confidence
  ``1 - strongest entailment or contradiction`` seen;
- both sides at least ``conflict_threshold`` strong: CONFLICTING, with
  confidence the weaker side's strength;
- otherwise the stronger side wins, its confidence lowered by half the
  strength of the other side.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

from verifier.decision import source_stances
from verifier.types import (
    CONFLICTING,
    NEUTRAL_STANCE,
    NOT_ENOUGH_INFO,
    REFUTED,
    REFUTES,
    SUPPORTED,
    SUPPORTS,
    Evidence,
    JudgedPassage,
    Verdict,
)


@dataclass(frozen=True)
class AggregationConfig:
    """Every threshold the verdict depends on, in one place."""

    support_threshold: float = 0.5
    refute_threshold: float = 0.5
    # Cosine similarity below which a passage does not bear on the claim. On the
    # news corpus unrelated sentences score 0.2-0.4 and related ones 0.6-0.9;
    # 0.45 (up from 0.35) stopped a 0.36 sentence about drone strikes from
    # refuting a claim about grain exports, and was no worse on Climate-FEVER.
    min_retrieval_score: float = 0.45
    conflict_threshold: float = 0.8

    def __post_init__(self) -> None:
        for setting in fields(self):
            value = getattr(self, setting.name)
            if not isinstance(value, int | float) or not -1.0 <= value <= 1.0:
                raise ValueError(f"{setting.name} must be a number in [0, 1], got {value!r}")
            if setting.name != "min_retrieval_score" and value < 0:
                raise ValueError(f"{setting.name} must be a number in [0, 1], got {value!r}")

    def to_dict(self) -> dict[str, float]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AggregationConfig:
        known = {setting.name for setting in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown aggregation settings: {sorted(unknown)}")
        return cls(**{key: float(value) for key, value in data.items()})


def stance_of(item: JudgedPassage, config: AggregationConfig) -> tuple[str, float]:
    """A passage's stance on the claim and how strongly it holds it."""
    nli = item.nli
    if item.retrieval_score < config.min_retrieval_score:
        return NEUTRAL_STANCE, nli.neutral
    if nli.entailment >= config.support_threshold and nli.entailment > nli.contradiction:
        return SUPPORTS, nli.entailment
    if nli.contradiction >= config.refute_threshold and nli.contradiction > nli.entailment:
        return REFUTES, nli.contradiction
    return NEUTRAL_STANCE, nli.neutral


def aggregate(
    claim: str,
    judged: Sequence[JudgedPassage],
    config: AggregationConfig | None = None,
    warnings: Sequence[str] = (),
) -> Verdict:
    """Decide a verdict from judged passages.

    Example:
        >>> from verifier.types import NLIScores, Passage
        >>> passage = Passage("d", "d.txt", "", "It rained.", 0, 10)
        >>> item = JudgedPassage(passage, 0.8, NLIScores(0.9, 0.05, 0.05))
        >>> aggregate("It rained.", [item]).label
        'SUPPORTED'
    """
    config = config or AggregationConfig()
    evidence: list[Evidence] = []
    strengths: list[float] = []
    for item in judged:
        stance, strength = stance_of(item, config)
        evidence.append(
            Evidence(item.passage, float(item.retrieval_score), item.nli, stance, item.notes)
        )
        strengths.append(strength)
    supporting = sorted(
        (e for e in evidence if e.stance == SUPPORTS), key=lambda e: e.nli.entailment, reverse=True
    )
    refuting = sorted(
        (e for e in evidence if e.stance == REFUTES),
        key=lambda e: e.nli.contradiction,
        reverse=True,
    )
    support = supporting[0].nli.entailment if supporting else 0.0
    refute = refuting[0].nli.contradiction if refuting else 0.0
    if not supporting and not refuting:
        considered = [e for e in evidence if e.retrieval_score >= config.min_retrieval_score]
        strongest = max(
            (max(e.nli.entailment, e.nli.contradiction) for e in considered), default=0.0
        )
        label, confidence, deciding = NOT_ENOUGH_INFO, 1.0 - strongest, []
    elif support >= config.conflict_threshold and refute >= config.conflict_threshold:
        label, confidence, deciding = CONFLICTING, min(support, refute), supporting + refuting
    elif support >= refute:
        label, confidence, deciding = SUPPORTED, support - refute / 2, supporting
    else:
        label, confidence, deciding = REFUTED, refute - support / 2, refuting
    return Verdict(
        claim=claim,
        label=label,
        confidence=float(min(1.0, max(0.0, confidence))),
        evidence=tuple(evidence),
        deciding=tuple(deciding),
        sources=source_stances(evidence, strengths),
        warnings=tuple(warnings),
    )
