"""Simulated corrections: only the pairs the judge gets wrong, recorded as the app records them."""

from __future__ import annotations

import json
from pathlib import Path

from eval.runs import simulate_feedback
from eval.runs.nli import LabeledPair
from models.nli_data import feedback_examples
from verifier.feedback import read_feedback
from verifier.types import NLIScores

PAIRS = [
    LabeledPair("The bridge opened in 2019.", "The bridge opened in 2019.", "entailment"),
    LabeledPair("The bridge opened in 2019.", "The bridge opened in 2018.", "contradiction"),
    LabeledPair("The bridge opened in 2019.", "The bridge is red.", "neutral"),
]


class SaysEntailment:
    """A judge that calls every pair entailment."""

    def predict(self, pairs):
        return [NLIScores(0.8, 0.1, 0.1) for _ in pairs]


def test_wrong_pairs_become_corrections_that_map_back_to_the_gold_labels(tmp_path: Path) -> None:
    records, judged = simulate_feedback.simulate(
        PAIRS, SaysEntailment(), max_records=10, source="toy"
    )
    assert judged == 3
    assert [(r.verdict, r.correct_label) for r in records] == [
        ("SUPPORTED", "REFUTED"),
        ("SUPPORTED", "NOT_ENOUGH_INFO"),
    ]
    assert [(e.hypothesis, e.label) for e in feedback_examples(records)] == [
        (PAIRS[1].hypothesis, "contradiction"),
        (PAIRS[2].hypothesis, "neutral"),
    ]
    few, judged = simulate_feedback.simulate(PAIRS, SaysEntailment(), max_records=1, source="t")
    assert (len(few), judged) == (1, 2)


def test_the_command_writes_a_feedback_file_and_refuses_evaluation_sets(
    tmp_path: Path, monkeypatch
) -> None:
    data = tmp_path / "toy_train.jsonl"
    data.write_text("".join(json.dumps(p.__dict__) + "\n" for p in PAIRS), encoding="utf-8")
    monkeypatch.setattr(simulate_feedback, "NLIJudge", lambda *a, **k: SaysEntailment())
    out = tmp_path / "feedback.jsonl"
    assert simulate_feedback.main(["--data", str(data), "--out", str(out)]) == 0
    assert len(read_feedback(out)) == 2
    heldout = tmp_path / "mnli_heldout.jsonl"
    heldout.write_text(data.read_text(), encoding="utf-8")
    assert simulate_feedback.main(["--data", str(heldout), "--out", str(out)]) == 2
