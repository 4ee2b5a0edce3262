"""The real embedder, shipped NLI judge and verdict model over the shared news corpus.

No hand-written rule helps here: the judge was trained on one-detail edits
(``models/detail_edits.py``) and the verdict model weighs how the claim's details
meet the deciding passage (``verifier.decision.details``).
"""

from __future__ import annotations

import pytest

from verifier import Verifier
from verifier.types import REFUTED, REFUTES, SUPPORTED


@pytest.fixture(scope="module")
def verifier(news_corpus, real_embedder, real_judge) -> Verifier:
    return Verifier.from_corpus(news_corpus, embedder=real_embedder, judge=real_judge)


TWO_SOURCES = "More than 10,000 North Korean soldiers have been sent to Russia."


def test_a_figure_two_sources_give_is_never_refuted(verifier):
    assert verifier.verify(TWO_SOURCES).label != REFUTED


def test_a_figure_two_sources_give_is_supported_by_both(verifier):
    verdict = verifier.verify(TWO_SOURCES)
    assert verdict.label == SUPPORTED
    assert len({e.passage.source for e in verdict.deciding}) >= 2


WRONG_FIGURE = "Russia had 50,000 troops in Kursk when Ukraine launched its incursion in August."


def test_a_wrong_figure_is_never_supported(verifier):
    verdict = verifier.verify(WRONG_FIGURE)
    assert verdict.label != SUPPORTED
    refuting = {s.doc_id for s in verdict.sources if s.stance == REFUTES}
    assert len(refuting) >= 2  # three reports give 11,000; each is shown as contradicting it


def test_a_wrong_figure_is_refuted(verifier):
    assert verifier.verify(WRONG_FIGURE).label == REFUTED


@pytest.mark.parametrize(
    "claim",
    [
        "China has sent soldiers to help Russia retake the Kursk region.",
        "Mark Rutte travelled to Kyiv to meet Zelensky.",
    ],
)
def test_a_claim_about_someone_the_corpus_never_names_is_not_supported(verifier, claim):
    assert verifier.verify(claim).label != SUPPORTED
