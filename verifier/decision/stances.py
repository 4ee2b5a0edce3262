"""Per-source stance: what each document says about a claim, whatever rule decides the verdict."""

from __future__ import annotations

from collections.abc import Sequence

from verifier.types import NEUTRAL_STANCE, Evidence, SourceStance


def source_stances(
    evidence: Sequence[Evidence], strengths: Sequence[float]
) -> tuple[SourceStance, ...]:
    """Each document's strongest stance: a side taken beats neutral, then the stronger wins.

    Sides first, strongest first. ``strengths`` are how strongly each passage
    holds its stance (the probability behind it).
    """
    best: dict[str, tuple[int, float, Evidence]] = {}
    for item, strength in zip(evidence, strengths, strict=True):
        rank = 0 if item.stance == NEUTRAL_STANCE else 1
        current = best.get(item.passage.doc_id)
        if current is None or (rank, strength) > current[:2]:
            best[item.passage.doc_id] = (rank, strength, item)
    stances = [
        SourceStance(
            doc_id=item.passage.doc_id,
            source=item.passage.source,
            title=item.passage.title,
            stance=item.stance,
            strength=float(strength),
            text=item.passage.text,
        )
        for rank, strength, item in best.values()
    ]
    stances.sort(key=lambda stance: (stance.stance == NEUTRAL_STANCE, -stance.strength))
    return tuple(stances)
