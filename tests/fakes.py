"""Fast stand-ins for the models, for unit tests that exercise the pipeline's logic."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from verifier.types import NLIScores

_WORD = re.compile(r"[a-z0-9]+")
_NEGATIONS = {"not", "no", "never", "denied", "denies", "deny", "false", "didn"}
_STOPWORDS = {
    "the",
    "a",
    "an",
    "of",
    "in",
    "on",
    "to",
    "and",
    "is",
    "was",
    "were",
    "has",
    "have",
    "by",
    "that",
    "it",
    "for",
    "at",
    "with",
}


def content_words(text: str) -> set[str]:
    return {word for word in _WORD.findall(text.lower()) if word not in _STOPWORDS}


class FakeEmbedder:
    """Hashed bag of words: texts sharing words get high cosine similarity."""

    model_id = "fake-bow"
    dimension = 64

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        self.calls += 1
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in content_words(text) - _NEGATIONS:
                slot = int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension
                vectors[row, slot] += 1.0
            norm = np.linalg.norm(vectors[row])
            vectors[row] = vectors[row] / norm if norm else vectors[row]
            if not norm:
                vectors[row, 0] = 1.0
        return vectors


class FakeJudge:
    """Word-overlap NLI: mostly covered → entailment, unless one side is negated."""

    def __init__(self) -> None:
        self.pairs_seen: list[tuple[str, str]] = []

    def predict(
        self, pairs: Sequence[tuple[str, str]], batch_size: int | None = None
    ) -> list[NLIScores]:
        self.pairs_seen.extend(pairs)
        results = []
        for premise, hypothesis in pairs:
            premise_words, claim_words = content_words(premise), content_words(hypothesis)
            overlap = len((claim_words - _NEGATIONS) & premise_words) / max(
                1, len(claim_words - _NEGATIONS)
            )
            negated = bool(premise_words & _NEGATIONS) != bool(claim_words & _NEGATIONS)
            if overlap >= 0.6 and negated:
                results.append(NLIScores(0.04, 0.06, 0.90))
            elif overlap >= 0.6:
                results.append(NLIScores(0.90, 0.06, 0.04))
            else:
                results.append(NLIScores(0.05, 0.90, 0.05))
        return results
