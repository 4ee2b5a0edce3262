"""What the pipeline needs of an NLI judge; the shipped cross-encoder and fakes implement it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from verifier.types import NLIScores


class Judge(Protocol):
    """Anything that scores (premise, hypothesis) pairs; fakes implement it in tests."""

    def predict(
        self, pairs: Sequence[tuple[str, str]], batch_size: int | None = None
    ) -> list[NLIScores]: ...
