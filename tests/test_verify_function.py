"""verify(): the one-call front door reuses the index built for a corpus's content."""

from __future__ import annotations

import pytest

from tests.fakes import FakeEmbedder, FakeJudge
from verifier import pipeline
from verifier.errors import CorpusError
from verifier.types import NOT_ENOUGH_INFO, SUPPORTED


@pytest.fixture
def fake_models(monkeypatch):
    models = {"embedder:minilm": FakeEmbedder(), "judge:fast": FakeJudge()}
    monkeypatch.setattr(pipeline, "_shared_models", models)
    monkeypatch.setattr(pipeline, "_cache", type(pipeline._cache)())
    return models


def test_same_content_reuses_the_index_and_changed_content_rebuilds_it(tmp_path, fake_models):
    doc = tmp_path / "a.txt"
    doc.write_text("The bridge opened in 2019.")
    assert pipeline.verify("The bridge opened in 2019", corpus=tmp_path).label == SUPPORTED
    assert len(pipeline._cache) == 1
    pipeline.verify("The bridge opened in 2019", corpus=tmp_path)
    assert len(pipeline._cache) == 1
    doc.write_text("Heavy rain fell all week.")
    verdict = pipeline.verify("The bridge opened in 2019", corpus=tmp_path)
    assert len(pipeline._cache) == 2
    assert verdict.label == NOT_ENOUGH_INFO


def test_in_memory_texts_and_top_k(fake_models):
    verdict = pipeline.verify(
        "The bridge opened",
        corpus={"a": "The bridge opened today. Heavy rain fell all week. Many cars came."},
        top_k=2,
    )
    assert len(verdict.evidence) == 2


def test_bad_corpus_is_a_clear_error(tmp_path, fake_models):
    with pytest.raises(CorpusError, match="does not exist"):
        pipeline.verify("claim", corpus=tmp_path / "missing")


def test_public_names_resolve_lazily():
    import verifier

    assert verifier.verify is pipeline.verify
    assert verifier.Verifier is pipeline.Verifier
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = verifier.nope


def test_an_unchanged_corpus_is_not_parsed_again_whatever_the_top_k(
    tmp_path, fake_models, monkeypatch
):
    from verifier.corpus import reading

    (tmp_path / "a.txt").write_text("The bridge opened in 2019. Heavy rain fell all week.")
    parsed = []
    read_file = reading.read_file
    monkeypatch.setattr(reading, "read_file", lambda *args: parsed.append(args) or read_file(*args))
    first = pipeline.verify("The bridge opened", corpus=tmp_path, top_k=2)
    assert len(parsed) == 1
    second = pipeline.verify("The bridge opened", corpus=tmp_path, top_k=1)
    third = pipeline.verify("The bridge opened", corpus=tmp_path, top_k=2)
    assert len(parsed) == 1
    assert (len(first.evidence), len(second.evidence), len(third.evidence)) == (2, 1, 2)
    assert len(pipeline._cache) == 1
