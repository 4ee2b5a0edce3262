"""The judge on both backends: each distinct pair judged once, batches by length, ONNX like torch."""

from __future__ import annotations

import pytest

from tests.tiny_models import save_tiny_nli
from verifier.backends import DEFAULT_BACKEND
from verifier.judging import NLIJudge
from verifier.registry import SHIPPED_NLI_MODEL


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory):
    return save_tiny_nli(tmp_path_factory.mktemp("tiny-nli"))


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """Exports go to a temporary cache, not the user's."""
    folder = tmp_path_factory.mktemp("cache")
    patch = pytest.MonkeyPatch()
    patch.setenv("VERIFIER_CACHE", str(folder))
    yield folder
    patch.undo()


class _CountingForward:
    def __init__(self, forward):
        self.forward = forward
        self.widths: list[int] = []
        self.rows = 0

    def __call__(self, batch):
        self.rows += len(batch["input_ids"])
        self.widths.append(batch["input_ids"].shape[1])
        return self.forward(batch)


def _counting(judge: NLIJudge) -> _CountingForward:
    judge.warm_up()
    counter = _CountingForward(judge._forward)
    judge._forward = counter
    return counter


PAIRS = [
    ("The council met on Monday evening in the town hall.", "The council met."),
    ("It rained.", "The weather was dry."),
    ("The council met on Monday evening in the town hall.", "The council met."),
    ("A long premise about the library's annual report and its many new books.", "Books."),
    ("It rained.", "The weather was dry."),
]


@pytest.mark.parametrize("backend", ["torch", "onnx-fp32", "onnx"])
def test_each_distinct_pair_is_judged_once_and_answers_keep_their_order(
    tiny_folder, cache, backend
):
    judge = NLIJudge(tiny_folder, backend=backend, threads=1)
    counter = _counting(judge)
    scores = judge.predict(PAIRS)
    assert counter.rows == 3
    assert len(scores) == len(PAIRS)
    assert scores[0] == scores[2]
    assert scores[1] == scores[4]
    one_by_one = [judge.predict([pair])[0] for pair in PAIRS]
    # int8 activations share one scale per batch, so batch-mates move scores a little
    tolerance = 0.02 if backend == "onnx" else 1e-4
    for batched, alone in zip(scores, one_by_one, strict=True):
        assert batched.label == alone.label
        assert batched.entailment == pytest.approx(alone.entailment, abs=tolerance)


def test_batches_are_cut_from_pairs_sorted_by_token_count(tiny_folder, cache):
    judge = NLIJudge(tiny_folder, threads=1)
    counter = _counting(judge)
    judge.predict(list(dict.fromkeys(PAIRS)), batch_size=1)
    assert counter.widths == sorted(counter.widths)
    assert counter.widths == sorted(judge.token_counts(list(dict.fromkeys(PAIRS))))


def test_onnx_scores_match_torch_on_a_tiny_model(tiny_folder, cache):
    pairs = list(dict.fromkeys(PAIRS))
    torch_scores = NLIJudge(tiny_folder, backend="torch", threads=1).predict(pairs)
    onnx_judge = NLIJudge(tiny_folder, backend="onnx", threads=1)
    onnx_scores = onnx_judge.predict(pairs)
    for a, b in zip(torch_scores, onnx_scores, strict=True):
        assert b.entailment == pytest.approx(a.entailment, abs=0.05)
        assert b.contradiction == pytest.approx(a.contradiction, abs=0.05)
    assert onnx_judge._model is None  # the torch weights are not kept
    assert list(cache.glob("onnx/*/model.int8.onnx"))


def test_the_float32_onnx_judge_scores_as_torch_does(tiny_folder, cache):
    pairs = list(dict.fromkeys(PAIRS))
    torch_scores = NLIJudge(tiny_folder, backend="torch", threads=1).predict(pairs)
    judge = NLIJudge(tiny_folder, backend="onnx-fp32", threads=1)
    for a, b in zip(torch_scores, judge.predict(pairs), strict=True):
        assert b.label == a.label
        for field in ("entailment", "neutral", "contradiction"):
            assert getattr(b, field) == pytest.approx(getattr(a, field), abs=1e-4)
    assert judge._model is None
    assert list(cache.glob("onnx/*/model.float32.onnx"))


def test_torch_threads_follow_the_judge(tiny_folder):
    import torch

    before = torch.get_num_threads()
    try:
        NLIJudge(tiny_folder, backend="torch", threads=1).warm_up()
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_backend_settings_are_validated():
    assert NLIJudge().backend == DEFAULT_BACKEND == "onnx-fp32"
    assert NLIJudge(device="cuda").backend == "torch"
    with pytest.raises(ValueError, match="backend"):
        NLIJudge(backend="tensorrt")
    for backend in ("onnx", "onnx-fp32"):
        with pytest.raises(ValueError, match="CPU"):
            NLIJudge(backend=backend, device="cuda")
    with pytest.raises(ValueError, match="threads"):
        NLIJudge(threads=0)


PREMISE = "A man is playing a guitar on stage."
HYPOTHESES = [
    "A man is playing music.",
    "A man is sleeping in bed.",
    "The man is a famous musician.",
    "The stock market fell sharply on Tuesday.",
]


@pytest.mark.skipif(
    not (SHIPPED_NLI_MODEL / "model.safetensors").exists(), reason="no shipped NLI model"
)
def test_the_shipped_judge_gives_the_same_labels_on_both_backends(cache):
    pairs = [(PREMISE, hypothesis) for hypothesis in HYPOTHESES]
    torch_scores = NLIJudge(backend="torch", threads=1).predict(pairs)
    float_scores = NLIJudge(backend="onnx-fp32", threads=1).predict(pairs)
    assert [s.label for s in float_scores] == [s.label for s in torch_scores]
    onnx_scores = NLIJudge(backend="onnx", threads=1).predict(pairs)
    for a, b in zip(torch_scores, onnx_scores, strict=True):
        if max(a.entailment, a.neutral, a.contradiction) >= 0.8:  # a clear call keeps its label
            assert b.label == a.label
        assert b.entailment == pytest.approx(a.entailment, abs=0.1)
        assert b.neutral == pytest.approx(a.neutral, abs=0.1)
        assert b.contradiction == pytest.approx(a.contradiction, abs=0.1)
    assert sum(s.label == t.label for s, t in zip(onnx_scores, torch_scores, strict=True)) >= 3
