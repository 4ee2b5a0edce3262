"""The fitted verdict: a small logistic regression over claim features, read from JSON.

The model maps :func:`~verifier.decision.features.claim_features` to the
probabilities of SUPPORTED, REFUTED and NOT_ENOUGH_INFO (a multinomial
logistic regression on standardised features, then divided by a fitted
temperature, so the probabilities are calibrated on held-out claims). It is
fitted by ``python -m eval.fit.fit_decision`` and shipped as plain JSON, never a
pickle; this module needs no numpy or scikit-learn to apply it.

The same model also gives each passage and each document a stance, by
reading the features of that passage (or document's passages) alone:

- a passage or document *supports* when its SUPPORTED probability is the
  largest of the three, *refutes* when REFUTED is, else it is *neutral*;
- the verdict is CONFLICTING only when one document supports and another
  refutes, each with probability at least ``conflict_threshold``, and, when
  ``conflict_cross_check`` is above 0, the judge finds that the two sides'
  deciding passages contradict each other (either way round, probability at
  least ``conflict_cross_check``): two sources that disagree about one fact
  contradict each other, where a passage that only looks contradictory (about
  another film, another year) does not contradict the supporting one. One
  document never conflicts with itself.

Below ``confidence_floor`` the verdict carries a "weak evidence" warning
instead of passing as a firm answer.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from verifier.decision.features import FEATURES, claim_features
from verifier.decision.stances import source_stances
from verifier.errors import VerifierError
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
    NLIScores,
    Verdict,
)

PairJudge = Callable[[Sequence[tuple[str, str]]], Sequence[NLIScores]]
"""Scores (premise, hypothesis) pairs: ``NLIJudge.predict``."""

MODEL_FORMAT = "verifier-verdict-model/1"
CLASSES = (SUPPORTED, REFUTED, NOT_ENOUGH_INFO)
_STANCE_OF = {SUPPORTED: SUPPORTS, REFUTED: REFUTES, NOT_ENOUGH_INFO: NEUTRAL_STANCE}


class DecisionModelError(VerifierError):
    """A verdict-model file is missing, not JSON, or does not fit this code."""


def _numbers(value: Any, length: int, name: str) -> tuple[float, ...]:
    if (
        not isinstance(value, list)
        or len(value) != length
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        or not all(math.isfinite(v) for v in value)
    ):
        raise DecisionModelError(f"{name} must be a list of {length} finite numbers")
    return tuple(float(v) for v in value)


@dataclass(frozen=True)
class VerdictModel:
    """Parameters of the fitted verdict model (see the module docstring).

    ``info`` records what the model was fitted on and how it scored, for the
    model card; it does not change any verdict.
    """

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coefficients: tuple[tuple[float, ...], ...]
    intercepts: tuple[float, ...]
    temperature: float = 1.0
    conflict_threshold: float = 0.9
    confidence_floor: float = 0.5
    conflict_cross_check: float = 0.0
    info: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        width = len(FEATURES)
        if len(self.mean) != width or len(self.scale) != width:
            raise DecisionModelError(f"mean and scale need {width} values, one per feature")
        if any(s <= 0 for s in self.scale):
            raise DecisionModelError("every scale must be positive")
        if len(self.coefficients) != len(CLASSES) or any(
            len(row) != width for row in self.coefficients
        ):
            raise DecisionModelError(f"coefficients must be {len(CLASSES)} rows of {width}")
        if len(self.intercepts) != len(CLASSES):
            raise DecisionModelError(f"intercepts need {len(CLASSES)} values")
        if not self.temperature > 0:
            raise DecisionModelError(f"temperature must be positive, got {self.temperature}")
        for name in ("conflict_threshold", "confidence_floor", "conflict_cross_check"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise DecisionModelError(f"{name} must be within [0, 1], got {value}")

    def probabilities(self, features: Sequence[float]) -> dict[str, float]:
        """Calibrated probabilities of each class for one feature vector."""
        z = [(x - m) / s for x, m, s in zip(features, self.mean, self.scale, strict=True)]
        logits = [
            (b + sum(w * v for w, v in zip(row, z, strict=True))) / self.temperature
            for row, b in zip(self.coefficients, self.intercepts, strict=True)
        ]
        top = max(logits)
        exps = [math.exp(value - top) for value in logits]
        total = sum(exps)
        return {label: e / total for label, e in zip(CLASSES, exps, strict=True)}

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": MODEL_FORMAT,
            "classes": list(CLASSES),
            "features": list(FEATURES),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coefficients": [list(row) for row in self.coefficients],
            "intercepts": list(self.intercepts),
            "temperature": self.temperature,
            "conflict_threshold": self.conflict_threshold,
            "conflict_cross_check": self.conflict_cross_check,
            "confidence_floor": self.confidence_floor,
            "info": dict(self.info),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VerdictModel:
        """Read a model, refusing one written for other features or classes.

        Raises:
            DecisionModelError: naming what does not fit.
        """
        if not isinstance(data, Mapping) or data.get("format") != MODEL_FORMAT:
            raise DecisionModelError(f"not a verdict model: 'format' must be {MODEL_FORMAT!r}")
        if list(data.get("features", [])) != list(FEATURES):
            raise DecisionModelError(
                "the model was fitted on other features than this code computes; "
                "refit it with python -m eval.fit.fit_decision"
            )
        if list(data.get("classes", [])) != list(CLASSES):
            raise DecisionModelError(f"the model's classes must be {list(CLASSES)}")
        width = len(FEATURES)
        rows = data.get("coefficients")
        if not isinstance(rows, list):
            raise DecisionModelError("coefficients must be a list of rows")
        return cls(
            mean=_numbers(data.get("mean"), width, "mean"),
            scale=_numbers(data.get("scale"), width, "scale"),
            coefficients=tuple(_numbers(row, width, "a coefficient row") for row in rows),
            intercepts=_numbers(data.get("intercepts"), len(CLASSES), "intercepts"),
            temperature=_numbers([data.get("temperature", 1.0)], 1, "temperature")[0],
            conflict_threshold=_numbers(
                [data.get("conflict_threshold", 0.9)], 1, "conflict_threshold"
            )[0],
            confidence_floor=_numbers([data.get("confidence_floor", 0.5)], 1, "confidence_floor")[
                0
            ],
            conflict_cross_check=_numbers(
                [data.get("conflict_cross_check", 0.0)], 1, "conflict_cross_check"
            )[0],
            info=dict(data.get("info") or {}),
        )

    @classmethod
    def load(cls, path: str | Path) -> VerdictModel:
        """Read a model from a JSON file.

        Raises:
            DecisionModelError: the file is missing, not JSON, or does not fit.
        """
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as error:
            raise DecisionModelError(f"verdict model not found: {path}") from error
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise DecisionModelError(f"cannot read the verdict model {path}: {error}") from error
        try:
            return cls.from_dict(data)
        except DecisionModelError as error:
            raise DecisionModelError(f"{path}: {error}") from error


@dataclass(frozen=True)
class ConflictSides:
    """A claim's strongest supporting and refuting documents, when they differ.

    ``strength`` is the smaller of the two probabilities (each document's passages
    read alone by the model); ``supporting`` and ``refuting`` are each side's
    passage that takes its side most strongly.
    """

    supporter: str
    refuter: str
    strength: float
    supporting: JudgedPassage
    refuting: JudgedPassage


def conflict_sides(
    model: VerdictModel, claim: str, judged: Sequence[JudgedPassage]
) -> ConflictSides | None:
    """The two sides a CONFLICTING verdict would set against each other, or ``None``."""
    by_document: dict[str, list[JudgedPassage]] = defaultdict(list)
    for item in judged:
        by_document[item.passage.doc_id].append(item)
    if len(by_document) < 2:
        return None
    sides = {
        doc: model.probabilities(claim_features(claim, items)) for doc, items in by_document.items()
    }
    supporter = max(sides, key=lambda doc: sides[doc][SUPPORTED])
    refuter = max(sides, key=lambda doc: sides[doc][REFUTED])
    if supporter == refuter:
        return None

    def strongest(doc: str, label: str) -> JudgedPassage:
        return max(
            by_document[doc],
            key=lambda item: model.probabilities(claim_features(claim, [item]))[label],
        )

    return ConflictSides(
        supporter,
        refuter,
        min(sides[supporter][SUPPORTED], sides[refuter][REFUTED]),
        strongest(supporter, SUPPORTED),
        strongest(refuter, REFUTED),
    )


def sides_contradiction(sides: ConflictSides, judge: PairJudge) -> float:
    """How strongly the two sides' passages contradict each other, the larger of both ways."""
    one, other = sides.supporting.passage.text, sides.refuting.passage.text
    return max(scores.contradiction for scores in judge([(one, other), (other, one)]))


def _side(probabilities: Mapping[str, float]) -> tuple[str, float]:
    label = max(CLASSES, key=probabilities.__getitem__)
    return _STANCE_OF[label], probabilities[label]


@dataclass(frozen=True)
class FittedDecider:
    """The :class:`~verifier.decision.decider.Decider` that applies a :class:`VerdictModel`.

    Example:
        >>> decider = FittedDecider.shipped()
        >>> decider.decide("It rained.", []).label
        'NOT_ENOUGH_INFO'
    """

    model: VerdictModel
    pair_judge: PairJudge | None = None
    """Judges the two sides of a possible conflict (the pipeline passes its judge's
    ``predict``); without it a model with a cross-check never says CONFLICTING."""

    @classmethod
    def shipped(cls, pair_judge: PairJudge | None = None) -> FittedDecider:
        """The verdict model shipped with the project (see :mod:`verifier.registry`)."""
        from verifier.registry import SHIPPED_VERDICT_MODEL

        return cls(VerdictModel.load(SHIPPED_VERDICT_MODEL), pair_judge)

    def decide(
        self, claim: str, judged: Sequence[JudgedPassage], warnings: Sequence[str] = ()
    ) -> Verdict:
        model = self.model
        probabilities = model.probabilities(claim_features(claim, judged))
        evidence: list[Evidence] = []
        strengths: list[float] = []
        passage_probabilities: list[dict[str, float]] = []
        for item in judged:
            alone = model.probabilities(claim_features(claim, [item]))
            stance, strength = _side(alone)
            passage_probabilities.append(alone)
            evidence.append(
                Evidence(item.passage, float(item.retrieval_score), item.nli, stance, item.notes)
            )
            strengths.append(strength)

        label = max(CLASSES, key=probabilities.__getitem__)
        confidence = probabilities[label]
        sides = conflict_sides(model, claim, judged)
        if sides is not None and self._conflicting(sides):
            label = CONFLICTING
            confidence = sides.strength
            deciding_docs = {sides.supporter: SUPPORTS, sides.refuter: REFUTES}
            deciding = [
                e
                for e in evidence
                if deciding_docs.get(e.passage.doc_id) == e.stance and e.stance != NEUTRAL_STANCE
            ]
        elif label == NOT_ENOUGH_INFO:
            deciding = []
        else:
            side = _STANCE_OF[label]
            ranked = sorted(
                range(len(evidence)),
                key=lambda i: passage_probabilities[i][label],
                reverse=True,
            )
            deciding = [evidence[i] for i in ranked if evidence[i].stance == side]
            if not deciding and ranked:
                deciding = [evidence[ranked[0]]]
        notes = list(warnings)
        if confidence < model.confidence_floor:
            notes.append(
                f"weak evidence: confidence {confidence:.2f} is below "
                f"{model.confidence_floor:.2f}; treat this verdict as a guess"
            )
        return Verdict(
            claim=claim,
            label=label,
            confidence=float(confidence),
            evidence=tuple(evidence),
            deciding=tuple(deciding),
            sources=source_stances(evidence, strengths),
            warnings=tuple(notes),
            probabilities={k: float(v) for k, v in probabilities.items()},
        )

    def _conflicting(self, sides: ConflictSides) -> bool:
        """Both sides strong enough and, with a cross-check, contradicting each other."""
        model = self.model
        if sides.strength < model.conflict_threshold:
            return False
        if model.conflict_cross_check <= 0:
            return True
        if self.pair_judge is None:
            return False
        return sides_contradiction(sides, self.pair_judge) >= model.conflict_cross_check
