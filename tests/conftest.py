"""Shared fixtures: the corpus beside the repository and the real models, loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
NEWS = SHARED / "corpus" / "news"
DEMO = REPO / "demo_corpus"


@pytest.fixture(scope="session")
def news_corpus() -> Path:
    if not NEWS.is_dir():
        pytest.skip(f"the shared news corpus is not at {NEWS}")
    return NEWS


@pytest.fixture(scope="session")
def real_embedder():
    from verifier.retrieval import Embedder

    embedder = Embedder()
    embedder.warm_up()
    return embedder


@pytest.fixture(scope="session")
def real_judge():
    from verifier.judging import NLIJudge

    judge = NLIJudge()
    judge.warm_up()
    return judge
