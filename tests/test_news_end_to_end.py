"""The real embedder, shipped NLI model and verdict model over the shared news corpus.

The checks are off by default (``verifier.judging.checks.ON_BY_DEFAULT``); these
tests turn them all on, as a user who wants them would, and pin what they do.
"""

from __future__ import annotations

import pytest

from verifier import Verifier, VerifierConfig, choose_checks
from verifier.types import NOT_ENOUGH_INFO, REFUTED, SUPPORTED


@pytest.fixture(scope="module")
def verifier(news_corpus, real_embedder, real_judge) -> Verifier:
    config = VerifierConfig(checks=choose_checks())
    return Verifier.from_corpus(
        news_corpus, embedder=real_embedder, judge=real_judge, config=config
    )


def test_a_figure_two_sources_give_is_supported(verifier):
    verdict = verifier.verify("More than 10,000 North Korean soldiers have been sent to Russia.")
    assert verdict.label == SUPPORTED
    assert len({e.passage.source for e in verdict.deciding}) >= 2


def test_a_wrong_figure_is_refuted_with_a_note_naming_both(verifier):
    verdict = verifier.verify(
        "Russia had 50,000 troops in Kursk when Ukraine launched its incursion in August."
    )
    assert verdict.label == REFUTED
    notes = [note for e in verdict.deciding for note in e.notes]
    assert any("50,000" in note and "11,000" in note for note in notes)


@pytest.mark.parametrize(
    ("claim", "name"),
    [
        ("China has sent soldiers to help Russia retake the Kursk region.", "China"),
        ("Mark Rutte travelled to Kyiv to meet Zelensky.", "Rutte"),
    ],
)
def test_a_claim_about_someone_the_corpus_never_names_is_not_supported(verifier, claim, name):
    verdict = verifier.verify(claim)
    assert verdict.label == NOT_ENOUGH_INFO
    notes = [note for e in verdict.evidence for note in e.notes]
    assert any(f"'{name}'" in note or f"'Mark {name}'" in note for note in notes)
