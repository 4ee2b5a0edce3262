"""The shipped NLI model (models/nli-minilm-l6): its files, label order and golden outputs."""

from __future__ import annotations

import json
import struct

import pytest

from verifier.judging import map_labels
from verifier.registry import SHIPPED_NLI_MODEL

pytestmark = pytest.mark.skipif(
    not (SHIPPED_NLI_MODEL / "model.safetensors").exists(),
    reason=f"shipped model not found at {SHIPPED_NLI_MODEL}",
)

PREMISE = "A man is playing a guitar on stage."
# (hypothesis, label, entailment, neutral, contradiction) as measured on CPU in float32.
GOLDEN = [
    ("A man is playing music.", "entailment", 0.9932, 0.0044, 0.0025),
    ("A man is sleeping in bed.", "contradiction", 0.0007, 0.0034, 0.9958),
    ("The man is a famous musician.", "neutral", 0.0056, 0.9888, 0.0056),
    # An unrelated sentence: SNLI-style data calls another scene a contradiction. In the
    # verifier such a passage has a low retrieval score, which the fitted verdict reads.
    ("The stock market fell sharply on Tuesday.", "contradiction", 0.0012, 0.1880, 0.8108),
]

KURSK = "North Korea sent about 11,000 troops to help Russia retake Kursk."
DENIAL = "Dmitry Peskov, a Kremlin spokesperson, denied reports that Trump had spoken with Putin."
DRONES = "Russia launched a total of 145 drones on Saturday night."
# (premise, hypothesis, label, entailment, neutral, contradiction): one wrong detail
# (version 4 said entailment to the first two; version 6 read the denial as contradicting the
# confirmation at 0.76, version 8 at 0.96, version 9 at 0.83, version 11 at 0.99, version 15,
# shipped 8 December 2026, at 0.99), and the right figure against the wrong one.
DETAIL_GOLDEN = [
    (KURSK, "Japan sent troops to help Russia in Kursk.", "neutral", 0.0060, 0.9557, 0.0383),
    (
        DENIAL,
        "The Kremlin confirmed that Trump had spoken with Putin.",
        "contradiction",
        0.0026,
        0.0066,
        0.9908,
    ),
    (
        DRONES,
        "Russia launched 300 drones on Saturday night.",
        "contradiction",
        0.0157,
        0.0454,
        0.9389,
    ),
    (DRONES, "Russia launched 145 drones on Saturday night.", "entailment", 0.9872, 0.0053, 0.0075),
]


def test_config_names_the_three_labels_in_order() -> None:
    config = json.loads((SHIPPED_NLI_MODEL / "config.json").read_text(encoding="utf-8"))
    assert config["id2label"] == {"0": "entailment", "1": "neutral", "2": "contradiction"}
    assert config["label2id"] == {"entailment": 0, "neutral": 1, "contradiction": 2}
    assert map_labels(config["id2label"], str(SHIPPED_NLI_MODEL)) == {
        "entailment": 0,
        "neutral": 1,
        "contradiction": 2,
    }


def test_weights_are_fp16_and_small() -> None:
    weights = SHIPPED_NLI_MODEL / "model.safetensors"
    assert weights.stat().st_size < 50 * 1024 * 1024
    with weights.open("rb") as handle:
        header_size = struct.unpack("<Q", handle.read(8))[0]
        header = json.loads(handle.read(header_size))
    dtypes = {entry["dtype"] for name, entry in header.items() if name != "__metadata__"}
    assert "F32" not in dtypes
    assert "F16" in dtypes
    assert (SHIPPED_NLI_MODEL / "tokenizer.json").exists()


@pytest.fixture(scope="module")
def judge():
    pytest.importorskip("torch")
    from verifier.judging import NLIJudge

    judge = NLIJudge(backend="torch")  # the golden figures are float32 torch's
    judge.warm_up()
    return judge


def test_default_judge_loads_the_shipped_model_as_float32(judge) -> None:
    import torch

    assert judge.model_name == str(SHIPPED_NLI_MODEL)
    assert judge.label_index == {"entailment": 0, "neutral": 1, "contradiction": 2}
    assert next(judge._model.parameters()).dtype == torch.float32


@pytest.mark.parametrize("rows", [GOLDEN, DETAIL_GOLDEN], ids=["snli", "details"])
def test_golden_predictions(judge, rows) -> None:
    rows = [row if len(row) == 6 else (PREMISE, *row) for row in rows]
    scores = judge.predict([(premise, hypothesis) for premise, hypothesis, *_ in rows])
    for (_, hypothesis, label, entailment, neutral, contradiction), got in zip(
        rows, scores, strict=True
    ):
        assert got.label == label, hypothesis
        assert got.entailment == pytest.approx(entailment, abs=0.02), hypothesis
        assert got.neutral == pytest.approx(neutral, abs=0.02), hypothesis
        assert got.contradiction == pytest.approx(contradiction, abs=0.02), hypothesis
