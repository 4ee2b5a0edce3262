"""The int8 recipe study on a tiny model: every recipe scored against torch on the same pairs."""

from __future__ import annotations

import json

import pytest

from eval import int8_recipes
from tests.tiny_models import save_tiny_nli
from verifier.judging import NLIJudge


@pytest.fixture
def pairs_file(tmp_path):
    rows = [
        {"premise": f"The ferry {n} left at {n} o'clock.", "hypothesis": h, "label": label}
        for n in range(6)
        for h, label in (("A ferry left.", "entailment"), ("No ferry left.", "contradiction"))
    ]
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_every_recipe_is_scored_and_float32_agrees_with_torch(tmp_path, pairs_file, monkeypatch):
    monkeypatch.setenv("VERIFIER_CACHE", str(tmp_path / "cache"))
    model = save_tiny_nli(tmp_path / "tiny")
    records = int8_recipes.compare(pairs_file, str(model), threads=1)
    names = [record["recipe"] for record in records]
    assert names[0] == "torch" and names[-1] == "float32 (no quantisation)"
    assert len(names) == 8
    float32 = records[-1]
    assert float32["labels_agreeing"] == 1.0 and float32["drop_points"] == 0.0
    shipped = records[1]
    assert shipped["float32_nodes"] == 2  # the tiny model's two down projections
    assert records[2]["float32_nodes"] > shipped["float32_nodes"]
    assert all(0.0 <= r["accuracy"] <= 1.0 for r in records)
    table = int8_recipes.table(records, 12)
    assert "| torch | – |" in table and "| float32 (no quantisation) | all |" in table


def test_an_onnx_file_needs_an_onnx_backend_and_must_exist(tmp_path):
    with pytest.raises(ValueError, match="onnx_file"):
        NLIJudge(backend="torch", onnx_file=tmp_path / "model.onnx")
    from verifier.errors import ModelLoadError

    judge = NLIJudge(
        str(save_tiny_nli(tmp_path / "tiny")), backend="onnx", onnx_file=tmp_path / "none.onnx"
    )
    with pytest.raises(ModelLoadError, match="not found"):
        judge.warm_up()
