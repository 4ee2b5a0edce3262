"""The torch-against-onnx accuracy check, with a fake judge whose int8 twin gets one pair wrong."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from eval.runs import backend_accuracy
from verifier.types import NLIScores

ENTAIL, CONTRA = NLIScores(0.8, 0.1, 0.1), NLIScores(0.1, 0.1, 0.8)


class TwinJudge:
    """Right on every pair with torch; with onnx, wrong on hypotheses containing "edge"."""

    def __init__(self, model=None, *, device="cpu", batch_size=32, backend="torch", threads=None):
        self.backend = backend

    def warm_up(self) -> None:
        pass

    def predict(self, pairs: Sequence[tuple[str, str]], batch_size=None) -> list[NLIScores]:
        scores = []
        for _, hypothesis in pairs:
            right = CONTRA if "not" in hypothesis else ENTAIL
            wrong = ENTAIL if right is CONTRA else CONTRA
            scores.append(wrong if self.backend == "onnx-int8" and "edge" in hypothesis else right)
        return scores


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr("verifier.judging.NLIJudge", TwinJudge)
    rows = [{"premise": "p", "hypothesis": f"claim {i}", "label": "entailment"} for i in range(7)]
    rows += [{"premise": "p", "hypothesis": "not so", "label": "contradiction"}]
    rows += [{"premise": "p", "hypothesis": "an edge case", "label": "entailment"}]
    rows += [{"premise": "p", "hypothesis": "not on the edge", "label": "contradiction"}]
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_compare_scores_both_backends_on_the_same_pairs(data):
    record = backend_accuracy.compare(data, None, limit=None, threads=1, batch_size=4)
    assert record["pairs"] == 10
    assert record["torch"]["accuracy"] == 1.0
    assert record["onnx-int8"]["accuracy"] == 0.8
    assert record["onnx-fp32"]["accuracy"] == 1.0
    assert record["onnx-fp32"]["label_agreement"] == 1.0
    assert record["label_agreement"] == 0.8  # the worst ONNX backend's
    assert record["accuracy_drop_points"] == pytest.approx(20.0)
    table = backend_accuracy.format_table([record])
    assert "| pairs.jsonl | onnx-int8 | 10 | 1.0000 | 0.8000 | +20.00 |" in table
    assert "| pairs.jsonl | onnx-fp32 | 10 | 1.0000 | 1.0000 | +0.00 |" in table


def test_the_exit_code_gates_on_the_tolerance(data, tmp_path, capsys):
    out = tmp_path / "out" / "accuracy.json"
    assert backend_accuracy.main(["--data", str(data), "--out", str(out)]) == 1
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["cpu"].startswith("CPU: ") and written["records"][0]["pairs"] == 10
    assert backend_accuracy.main(["--data", str(data), "--tolerance", "25"]) == 0
    assert backend_accuracy.main(["--data", str(data), "--limit", "7"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("CPU: ")
    assert "| data | backend | pairs |" in printed
