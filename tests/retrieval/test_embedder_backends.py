"""The sentence embedder on ONNX Runtime: unit vectors close to torch's, same neighbours.

int8 arithmetic differs between CPUs, so the int8 tests hold the self-check's
contract (the embedder in use keeps float32's cosines between the probe texts,
or it fell back to float32 and says so), never a fixed int8 figure.
"""

from __future__ import annotations

import json
import logging
import shutil

import numpy as np
import pytest

from verifier import backends
from verifier.backends import DEFAULT_BACKEND, EMBEDDER_INT8_TOLERANCE
from verifier.retrieval import Embedder
from verifier.retrieval import embedder as embedder_module
from verifier.retrieval.embedder import PROBE_TEXTS, probe_similarities

TEXTS = [
    "The council approved the budget in March.",
    "Bus fares will not rise this year.",
    "The library opened a new branch downtown.",
    "  Heavy rain flooded the riverside road.  ",
    "The mayor resigned after the vote.",
]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def vectors(cache):
    patch = pytest.MonkeyPatch()
    patch.setenv("VERIFIER_CACHE", str(cache))
    try:
        torch_vectors = Embedder(backend="torch", threads=1).encode(TEXTS)
        onnx_embedder = Embedder(backend="onnx-int8", threads=1)
        onnx_vectors = onnx_embedder.encode(TEXTS)
    finally:
        patch.undo()
    return torch_vectors, onnx_vectors, onnx_embedder


def test_a_second_onnx_start_opens_the_export_without_loading_torch(vectors, cache, monkeypatch):
    import sentence_transformers

    _, onnx_vectors, first = vectors
    monkeypatch.setenv("VERIFIER_CACHE", str(cache))
    monkeypatch.setattr(
        sentence_transformers,
        "SentenceTransformer",
        lambda *args, **kwargs: pytest.fail("the torch model was loaded"),
    )
    second = Embedder(backend="onnx-int8", threads=1)
    assert np.array_equal(second.encode(TEXTS), onnx_vectors)
    assert (second.dimension, second.max_tokens) == (first.dimension, first.max_tokens)


def test_a_start_record_whose_export_is_gone_falls_back_to_exporting(
    vectors, cache, tmp_path, monkeypatch
):
    import shutil

    _, onnx_vectors, _ = vectors
    copy = tmp_path / "cache"
    shutil.copytree(cache, copy)
    for export in (copy / "onnx").glob("*/model.int8.onnx"):
        shutil.rmtree(export.parent)
    monkeypatch.setenv("VERIFIER_CACHE", str(copy))
    again = Embedder(backend="onnx-int8", threads=1).encode(TEXTS)
    assert (again * onnx_vectors).sum(axis=1).min() > 0.999


def test_the_int8_embedder_keeps_float32_cosines_or_falls_back(vectors, cache, monkeypatch):
    _, _, embedder = vectors
    check = embedder.int8_check
    assert check is not None and check.tolerance == EMBEDDER_INT8_TOLERANCE
    monkeypatch.setenv("VERIFIER_CACHE", str(cache))
    expected = probe_similarities(Embedder(backend="torch", threads=1).encode(list(PROBE_TEXTS)))
    largest = np.abs(probe_similarities(embedder.encode(list(PROBE_TEXTS))) - expected).max()
    if check.passed:
        assert largest == pytest.approx(check.difference, abs=1e-4)
        assert largest <= check.tolerance
    else:
        assert check.backend == "onnx-fp32"
        assert largest < 1e-4


class _Perturbed:
    """An ONNX Runtime session whose vectors all lean one way, so their cosines rise."""

    def __init__(self, session):
        self.session = session

    def get_inputs(self):
        return self.session.get_inputs()

    def run(self, names, feeds):
        (vectors,) = self.session.run(names, feeds)
        vectors = vectors.copy()
        vectors[:, 0] += 1.0
        return [vectors]


def test_an_int8_embedder_that_strays_is_replaced_by_float32_at_every_start(
    vectors, cache, tmp_path, monkeypatch, caplog
):
    import sentence_transformers

    copy = tmp_path / "cache"
    shutil.copytree(cache, copy)
    for record in (copy / "onnx" / "embedder-starts").glob("*.json"):
        export = json.loads(record.read_text(encoding="utf-8"))["onnx"]
        if export.endswith("model.float32.onnx"):
            shutil.rmtree((copy / "onnx" / export).parent)
            record.unlink()
    monkeypatch.setenv("VERIFIER_CACHE", str(copy))
    monkeypatch.setattr(backends, "_warned", set())
    real_session = embedder_module.onnx_session

    def session(path, threads):
        opened = real_session(path, threads)
        return _Perturbed(opened) if path.name == backends.ONNX_FILE else opened

    monkeypatch.setattr(embedder_module, "onnx_session", session)
    with caplog.at_level(logging.WARNING, logger="verifier.backends"):
        first = Embedder(backend="onnx-int8", threads=1)
        first_vectors = first.encode(TEXTS)  # exports float32 now
        monkeypatch.setattr(
            sentence_transformers,
            "SentenceTransformer",
            lambda *args, **kwargs: pytest.fail("the torch model was loaded"),
        )
        second = Embedder(backend="onnx-int8", threads=1)
        second_vectors = second.encode(TEXTS)  # the float32 export remembered
    float32 = Embedder(backend="onnx-fp32", threads=1).encode(TEXTS)
    assert np.array_equal(first_vectors, float32) and np.array_equal(second_vectors, float32)
    for embedder in (first, second):
        assert not embedder.int8_check.passed
        assert embedder.int8_check.backend == "onnx-fp32"
        assert embedder.int8_check.difference > EMBEDDER_INT8_TOLERANCE
    warnings = [r for r in caplog.records if "int8 self-check failed" in r.getMessage()]
    assert len(warnings) == 1 and "embedder" in warnings[0].getMessage()


def test_onnx_vectors_are_unit_length_and_close_to_torch(vectors):
    torch_vectors, onnx_vectors, embedder = vectors
    assert onnx_vectors.shape == torch_vectors.shape == (len(TEXTS), embedder.dimension)
    assert onnx_vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(onnx_vectors, axis=1), 1.0, atol=1e-5)
    assert (onnx_vectors * torch_vectors).sum(axis=1).min() > 0.97


def test_onnx_vectors_find_the_same_neighbours(vectors):
    torch_vectors, onnx_vectors, _ = vectors
    torch_order = np.argsort(-(torch_vectors @ torch_vectors.T), axis=1)[:, 1]
    onnx_order = np.argsort(-(onnx_vectors @ onnx_vectors.T), axis=1)[:, 1]
    assert torch_order.tolist() == onnx_order.tolist()


def test_onnx_encodes_nothing_and_keeps_settings(vectors):
    _, _, embedder = vectors
    assert embedder.encode([]).shape == (0, embedder.dimension)
    assert embedder.max_tokens == 256


def test_float32_onnx_vectors_equal_torch_and_start_without_torch(vectors, cache, monkeypatch):
    import sentence_transformers

    torch_vectors, _, _ = vectors
    monkeypatch.setenv("VERIFIER_CACHE", str(cache))
    first = Embedder(backend="onnx-fp32", threads=1).encode(TEXTS)
    assert np.abs(first - torch_vectors).max() < 1e-4
    assert list((cache / "onnx").glob("*/model.float32.onnx"))
    monkeypatch.setattr(
        sentence_transformers,
        "SentenceTransformer",
        lambda *args, **kwargs: pytest.fail("the torch model was loaded"),
    )
    assert np.array_equal(Embedder(backend="onnx-fp32", threads=1).encode(TEXTS), first)


def test_embedder_backend_settings_are_validated():
    assert Embedder().backend == DEFAULT_BACKEND
    assert Embedder(device="cuda").backend == "torch"
    with pytest.raises(ValueError, match="backend"):
        Embedder(backend="tensorrt")
    with pytest.raises(ValueError, match="CPU"):
        Embedder(backend="onnx-int8", device="cuda")
    with pytest.raises(ValueError, match="threads"):
        Embedder(threads=0)


def test_onnx_batches_keep_under_the_token_budget_and_cover_every_text():
    from verifier.retrieval.embedder import BATCH_TOKENS, _token_budget_batches

    lengths = [3, 7, 20, 64, 65, 100, 256, 256, 256] + [12] * 100
    ids = [[1] * n for n in lengths]
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    batches = _token_budget_batches(order, ids, 64)
    assert [i for batch in batches for i in batch] == order
    for batch in batches:
        assert len(batch) <= 64
        assert len(batch) == 1 or len(batch) * max(lengths[i] for i in batch) <= BATCH_TOKENS
    assert len(batches[0]) == 64, "short texts still fill a batch"
