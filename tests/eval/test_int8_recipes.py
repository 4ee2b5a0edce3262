"""The int8 recipe study on a tiny model: every weight format scored against torch on the same pairs."""

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


def test_every_weight_format_is_scored_here_and_as_avx2_computes_it(
    tmp_path, pairs_file, monkeypatch
):
    monkeypatch.setenv("VERIFIER_CACHE", str(tmp_path / "cache"))
    model = save_tiny_nli(tmp_path / "tiny")
    records = int8_recipes.compare(pairs_file, str(model), threads=1, emulate_avx2=3)
    assert [r["recipe"] for r in records] == ["torch", *int8_recipes.RECIPES]
    assert [r.get("weights") for r in records[1:]] == ["s8", "s7", "u8", None]
    float32 = records[-1]
    assert float32["labels_agreeing"] == 1.0 and float32["drop_points"] == 0.0
    assert "avx2" not in float32
    assert all(0.0 <= record["accuracy"] <= 1.0 for record in records)
    emulated = [record for record in records if "avx2" in record]
    assert [record["weights"] for record in emulated] == ["s8"]  # the others cannot saturate
    assert emulated[0]["avx2"]["pairs"] == 3
    assert all(0.0 <= value <= 1.0 for key, value in emulated[0]["avx2"].items() if key != "pairs")
    table = int8_recipes.table(records, 12)
    assert "| torch | " in table
    assert "| float32 (no quantisation) |" in table
    assert "as x86 without VNNI computes it (emulated, 3 pairs)" in table


def test_the_study_prints_the_cpu_first_and_writes_it(tmp_path, pairs_file, monkeypatch, capsys):
    monkeypatch.setenv("VERIFIER_CACHE", str(tmp_path / "cache"))
    model = save_tiny_nli(tmp_path / "tiny")
    out = tmp_path / "recipes.json"
    argv = ["--data", str(pairs_file), "--model", str(model), "--threads", "1", "--out", str(out)]
    assert int8_recipes.main(argv) == 0
    assert capsys.readouterr().out.startswith("CPU: ")
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["cpu"].startswith("CPU: ") and written["shipped_weights"] == "s7"
    assert len(written["records"]) == 5


def test_an_onnx_file_needs_an_onnx_backend_and_must_exist(tmp_path):
    with pytest.raises(ValueError, match="onnx_file"):
        NLIJudge(backend="torch", onnx_file=tmp_path / "model.onnx")
    from verifier.errors import ModelLoadError

    judge = NLIJudge(
        str(save_tiny_nli(tmp_path / "tiny")), backend="onnx-int8", onnx_file=tmp_path / "none.onnx"
    )
    with pytest.raises(ModelLoadError, match="not found"):
        judge.warm_up()
