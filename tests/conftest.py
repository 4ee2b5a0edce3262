"""Shared fixtures: the corpus beside the repository and the real models, loaded once."""

from __future__ import annotations

from collections.abc import Iterator
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


@pytest.fixture(scope="session")
def milvus_server(tmp_path_factory) -> Iterator[str]:
    """The URI of a Milvus standalone server (PyPI's ``milvus``) started for the session.

    Its binaries, logs and data live in a temporary folder, removed when the session ends.
    """
    try:
        from milvus import MilvusServer
    except ImportError:
        pytest.skip("the Milvus server is not installed: pip install -e '.[milvus]'")
    server = MilvusServer()
    server.set_base_dir(str(tmp_path_factory.mktemp("milvus-server")))
    try:
        server.start()
    except (OSError, RuntimeError, TimeoutError) as error:
        server.stop()
        pytest.skip(f"the Milvus server did not start: {error}")
    yield f"http://127.0.0.1:{server.listen_port}"
    server.stop()
    server.cleanup()
