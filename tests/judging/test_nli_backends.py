"""The judge on each backend: each distinct pair judged once, batches by length, ONNX like torch.

int8 arithmetic differs between CPUs, so the int8 tests hold the self-check's
contract (the judge in use agrees with torch on the probe pairs, or it fell
back to float32 and says so), never a fixed int8 figure.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest

from tests.fakes import FakeEmbedder
from tests.tiny_models import save_tiny_nli
from verifier import backends
from verifier.backends import DEFAULT_BACKEND, INT8_PROBE_PAIRS, JUDGE_INT8_TOLERANCE
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
    in_use = judge.int8_check.backend if judge.int8_check else backend
    if in_use == "onnx":
        return  # int8 activations share one scale per batch, so batch-mates move scores
    one_by_one = [judge.predict([pair])[0] for pair in PAIRS]
    for batched, alone in zip(scores, one_by_one, strict=True):
        assert batched.label == alone.label
        assert batched.entailment == pytest.approx(alone.entailment, abs=1e-4)


def test_batches_are_cut_from_pairs_sorted_by_token_count(tiny_folder, cache):
    judge = NLIJudge(tiny_folder, threads=1)
    counter = _counting(judge)
    judge.predict(list(dict.fromkeys(PAIRS)), batch_size=1)
    assert counter.widths == sorted(counter.widths)
    assert counter.widths == sorted(judge.token_counts(list(dict.fromkeys(PAIRS))))


def _largest_difference(scores, expected) -> float:
    fields = ("entailment", "neutral", "contradiction")
    return max(
        abs(getattr(a, field) - getattr(b, field))
        for a, b in zip(scores, expected, strict=True)
        for field in fields
    )


def assert_int8_contract(judge: NLIJudge, torch_judge: NLIJudge) -> None:
    """The judge in use agrees with torch on the probe pairs, or it fell back to float32."""
    judge.warm_up()
    check = judge.int8_check
    assert check is not None and check.tolerance == JUDGE_INT8_TOLERANCE
    pairs = list(INT8_PROBE_PAIRS)
    largest = _largest_difference(judge.predict(pairs), torch_judge.predict(pairs))
    if check.passed:
        assert check.backend == "onnx"
        assert largest == pytest.approx(check.difference, abs=1e-3)
        assert largest <= check.tolerance + 1e-3
    else:
        assert check.backend == "onnx-fp32"
        assert check.difference > check.tolerance
        assert largest < 1e-4  # float32 in use


def test_the_int8_judge_agrees_with_torch_or_falls_back_to_float32(tiny_folder, cache):
    judge = NLIJudge(tiny_folder, backend="onnx", threads=1)
    assert_int8_contract(judge, NLIJudge(tiny_folder, backend="torch", threads=1))
    assert judge._model is None  # the torch weights are not kept
    assert list(cache.glob("onnx/*/model.int8.onnx"))


def test_a_model_that_quantises_well_keeps_int8(tmp_path, monkeypatch):
    # weights of BERT's usual spread: int8 stays within about 0.01 of float32 here,
    # and the 7-bit weights give the same integer sums on every x86 CPU
    monkeypatch.setenv("VERIFIER_CACHE", str(tmp_path / "cache"))
    folder = save_tiny_nli(tmp_path / "narrow", initializer_range=0.02)
    judge = NLIJudge(folder, backend="onnx", threads=1)
    assert_int8_contract(judge, NLIJudge(folder, backend="torch", threads=1))
    assert judge.int8_check.passed
    assert judge.int8_check.difference < JUDGE_INT8_TOLERANCE / 4


class _Perturbed:
    """An ONNX Runtime session whose logits are pushed towards the first label."""

    def __init__(self, session):
        self.session = session

    def get_inputs(self):
        return self.session.get_inputs()

    def run(self, names, feeds):
        (logits,) = self.session.run(names, feeds)
        return [logits + np.array([4.0, 0.0, 0.0], dtype=logits.dtype)]


def test_an_int8_session_that_strays_is_replaced_by_float32_once_logged_and_in_stats(
    tmp_path, monkeypatch, caplog
):
    from verifier import FaissStore, Verifier
    from verifier.judging import nli

    monkeypatch.setenv("VERIFIER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(backends, "_warned", set())
    real_session = nli.onnx_session

    def session(path, threads):
        opened = real_session(path, threads)
        return _Perturbed(opened) if path.name == backends.ONNX_FILE else opened

    monkeypatch.setattr(nli, "onnx_session", session)
    folder = save_tiny_nli(tmp_path / "narrow", initializer_range=0.02)
    torch_judge = NLIJudge(folder, backend="torch", threads=1)
    with caplog.at_level(logging.WARNING, logger="verifier.backends"):
        judges = [NLIJudge(folder, backend="onnx", threads=1) for _ in range(2)]
        for judge in judges:
            assert_int8_contract(judge, torch_judge)
            assert not judge.int8_check.passed
            assert judge.int8_check.backend == "onnx-fp32"
    warnings = [r for r in caplog.records if "int8 self-check failed" in r.getMessage()]
    assert len(warnings) == 1
    assert str(folder) in warnings[0].getMessage()
    assert list((tmp_path / "cache").glob("onnx/*/model.float32.onnx"))
    verifier = Verifier(
        FaissStore(64, "flat", "fake-bow"), embedder=FakeEmbedder(), judge=judges[0]
    )
    assert verifier.stats.int8_checks == (judges[0].int8_check,)
    recorded = verifier.stats.to_dict()["int8_checks"]
    assert recorded == [
        {
            "model": f"NLI judge {folder}",
            "difference": judges[0].int8_check.difference,
            "tolerance": JUDGE_INT8_TOLERANCE,
            "passed": False,
            "backend": "onnx-fp32",
        }
    ]


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
def test_the_shipped_judge_gives_torch_labels_on_float32_and_keeps_the_int8_contract(cache):
    pairs = [(PREMISE, hypothesis) for hypothesis in HYPOTHESES]
    torch_judge = NLIJudge(backend="torch", threads=1)
    torch_scores = torch_judge.predict(pairs)
    float_scores = NLIJudge(backend="onnx-fp32", threads=1).predict(pairs)
    assert [s.label for s in float_scores] == [s.label for s in torch_scores]
    assert_int8_contract(NLIJudge(backend="onnx", threads=1), torch_judge)
