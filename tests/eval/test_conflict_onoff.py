"""Scoring two verdict models side by side on stored runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval import conflict_onoff
from eval.conflict_onoff import score
from verifier.decision import FittedDecider, VerdictModel
from verifier.types import CONFLICTING, NOT_ENOUGH_INFO, REFUTED, SUPPORTED


def test_score_counts_conflicting_apart_and_keeps_the_three_way_accuracy() -> None:
    gold = [SUPPORTED, REFUTED, CONFLICTING, CONFLICTING, NOT_ENOUGH_INFO]
    predicted = [SUPPORTED, CONFLICTING, CONFLICTING, SUPPORTED, NOT_ENOUGH_INFO]
    scores = score(gold, predicted)
    assert scores.claims == 5
    assert scores.accuracy == pytest.approx(3 / 5)
    assert scores.three_way_accuracy == pytest.approx(2 / 3)
    # Three-way F1 over S, R, NEI gold only: S 1, R 0, NEI 1.
    assert scores.three_way_macro_f1 == pytest.approx(2 / 3)
    assert (scores.conflicting_given, scores.conflicting_right, scores.conflicting_gold) == (
        2,
        1,
        2,
    )
    # F1: SUPPORTED 2/3, REFUTED 0, NEI 1, CONFLICTING 1/2.
    assert scores.macro_f1 == pytest.approx((2 / 3 + 0 + 1 + 0.5) / 4)


def test_score_without_three_way_gold_is_zero_not_an_error() -> None:
    scores = score([CONFLICTING], [SUPPORTED])
    assert scores.three_way_accuracy == 0.0
    assert scores.accuracy == 0.0


def evidence(doc: str, e: float, c: float) -> dict:
    return {
        "text": f"text {doc}",
        "source": doc,
        "doc_id": doc,
        "score": 0.8,
        "nli": {"entailment": e, "neutral": round(1 - e - c, 6), "contradiction": c},
        "notes": [],
    }


def test_two_thresholds_side_by_side_on_a_split(tmp_path: Path, capsys) -> None:
    shipped = FittedDecider.shipped().model
    strict, loose = tmp_path / "strict.json", tmp_path / "loose.json"
    for path, threshold in ((strict, 0.99), (loose, 0.4)):
        data = shipped.to_dict()
        data["conflict_threshold"] = threshold
        data["conflict_cross_check"] = 0.0  # thresholds alone; no judge is loaded
        path.write_text(json.dumps(data))
    run = tmp_path / "run"
    run.mkdir()
    rows = [
        {
            "id": f"c{n}",
            "split": split,
            "claim": "The vote was seven to two.",
            "gold_label": CONFLICTING,
            "gold_evidence": [],
            "verdict": SUPPORTED,
            "confidence": 0.5,
            "evidence": [evidence("minutes", 0.97, 0.01), evidence("weekly", 0.01, 0.97)],
            "latency_s": 0.0,
        }
        for n, split in enumerate(["dev", "test", "test"])
    ]
    (run / "predictions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "table.json"
    args = ["--models", str(strict), str(loose), "--run", "votes", str(run), "test"]
    assert conflict_onoff.main([*args, "--out", str(out)]) == 0
    table = json.loads(out.read_text())
    (row,) = table["rows"]
    assert row["scores"]["t=0.99"]["claims"] == 2
    assert row["scores"]["t=0.99"]["conflicting_given"] == 0
    assert row["scores"]["t=0.4"]["conflicting_right"] == 2
    assert "| votes | 2 |" in capsys.readouterr().out
    assert VerdictModel.load(strict).conflict_threshold == 0.99
