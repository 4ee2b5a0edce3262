"""The shipped models and verdict rule over the demo corpus the web app opens with."""

from __future__ import annotations

import pytest

from tests.conftest import DEMO
from verifier import Verifier
from verifier.types import CONFLICTING, REFUTED, SUPPORTED


@pytest.fixture(scope="module")
def verifier(real_embedder, real_judge) -> Verifier:
    return Verifier.from_corpus(DEMO, embedder=real_embedder, judge=real_judge)


def test_the_flagship_claim_is_conflicting_with_both_sides_named(verifier):
    """The minutes say seven to two; the Riverside Weekly says six to three, not seven to two."""
    verdict = verifier.verify("The budget passed by seven votes to two.")
    assert verdict.label == CONFLICTING
    sides = {(e.passage.source.split("/")[-1], e.stance) for e in verdict.deciding}
    assert ("council_minutes_march.txt", "supports") in sides
    assert ("riverside_weekly.html", "refutes") in sides


@pytest.mark.parametrize(
    ("claim", "label"),
    [
        ("The council approved the budget in March.", SUPPORTED),
        ("The library opened in 2005.", REFUTED),
    ],
)
def test_claims_without_a_dispute_keep_one_side(verifier, claim, label):
    assert verifier.verify(claim).label == label
