"""Reading a verdict back: its side, the passages that decided it, its weak-evidence floor."""

from __future__ import annotations

import pytest

from verifier.decision import (
    decided_by,
    is_weak_evidence_warning,
    takes_verdicts_side,
    verdict_side,
    weak_evidence_floor,
)
from verifier.types import (
    CONFLICTING,
    NEUTRAL_STANCE,
    NOT_ENOUGH_INFO,
    REFUTED,
    REFUTES,
    SUPPORTED,
    SUPPORTS,
    Evidence,
    NLIScores,
    Passage,
    Verdict,
)


def evidence(stance: str) -> Evidence:
    return Evidence(Passage("a", "a.txt", "", "Text.", 0, 5), 0.5, NLIScores(0.4, 0.3, 0.3), stance)


@pytest.mark.parametrize(
    ("label", "side"),
    [(SUPPORTED, SUPPORTS), (REFUTED, REFUTES), (NOT_ENOUGH_INFO, None), (CONFLICTING, None)],
)
def test_verdict_side(label, side):
    assert verdict_side(label) == side


def test_a_conflict_is_decided_by_either_side_never_by_a_neutral_passage():
    assert takes_verdicts_side(evidence(SUPPORTS), CONFLICTING)
    assert takes_verdicts_side(evidence(REFUTES), CONFLICTING)
    assert not takes_verdicts_side(evidence(NEUTRAL_STANCE), CONFLICTING)


def test_the_closest_passage_of_another_side_did_not_decide_the_verdict():
    closest, deciding = evidence(SUPPORTS), evidence(REFUTES)
    verdict = Verdict("c", REFUTED, 0.6, (closest, deciding), (deciding, closest), ())
    assert decided_by(verdict) == (deciding,)
    alone = Verdict("c", REFUTED, 0.6, (closest,), (closest,), ())
    assert decided_by(alone) == ()


def test_the_weak_evidence_floor_is_read_from_its_warning():
    warning = "weak evidence: confidence 0.50 is below 0.50; treat this verdict as a guess"
    verdict = Verdict("c", REFUTED, 0.495, (), (), (), ("claim cut", warning))
    assert weak_evidence_floor(verdict) == 0.5
    assert is_weak_evidence_warning(warning) and not is_weak_evidence_warning("claim cut")
    assert weak_evidence_floor(Verdict("c", REFUTED, 0.9, (), (), (), ("claim cut",))) is None
