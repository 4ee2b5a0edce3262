"""eval.runs.score re-creates metrics from predictions alone; eval.runs.compare tabulates two runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.runs import compare, score
from verifier.types import CONFLICTING, NOT_ENOUGH_INFO, REFUTED, SUPPORTED


def evidence(text: str, score_: float, entail: float, contra: float) -> dict:
    return {
        "text": text,
        "source": "doc",
        "doc_id": "doc",
        "title": "",
        "start": 0,
        "end": len(text),
        "score": score_,
        "nli": {
            "label": "entailment",
            "entailment": entail,
            "neutral": 1 - entail - contra,
            "contradiction": contra,
        },
        "stance": "neutral",
        "notes": [],
    }


def record(claim_id, split, gold, verdict, confidence, items, gold_evidence=(), latency=0.1):
    return {
        "id": claim_id,
        "split": split,
        "claim": f"claim {claim_id}",
        "gold_label": gold,
        "gold_label_original": gold,
        "gold_evidence": list(gold_evidence),
        "verdict": verdict,
        "confidence": confidence,
        "evidence": items,
        "warnings": [],
        "latency_s": latency,
    }


RECORDS = [
    record("1", "dev", SUPPORTED, SUPPORTED, 0.85, [evidence("g1", 0.8, 0.9, 0.05)], ["g1"], 0.1),
    record("2", "dev", NOT_ENOUGH_INFO, SUPPORTED, 0.55, [evidence("x", 0.8, 0.6, 0.1)], [], 0.2),
    record("3", "dev", REFUTED, REFUTED, 0.85, [evidence("g3", 0.7, 0.05, 0.9)], ["g3"], 0.3),
    record(
        "4",
        "test",
        SUPPORTED,
        SUPPORTED,
        0.9,
        [evidence("y", 0.9, 0.1, 0.1), evidence("g4", 0.5, 0.95, 0.01)],
        ["g4"],
        0.4,
    ),
    record("5", "test", NOT_ENOUGH_INFO, SUPPORTED, 0.6, [evidence("z", 0.8, 0.65, 0.1)], [], 0.5),
    record("6", "test", REFUTED, NOT_ENOUGH_INFO, 0.8, [], ["g6"], 0.6),
    record(
        "7",
        "test",
        CONFLICTING,
        CONFLICTING,
        0.85,
        [evidence("a", 0.8, 0.9, 0.05), evidence("b", 0.7, 0.05, 0.9)],
        ["a"],
        0.7,
    ),
]


def write_run(directory: Path, records=RECORDS) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps(item) + "\n" for item in records)
    (directory / score.PREDICTIONS).write_text(lines, encoding="utf-8")
    return directory


def test_score_twice_gives_the_same_metrics(tmp_path):
    run = write_run(tmp_path / "run")
    score.score_run(run)
    first = (run / score.METRICS).read_text()
    report = (run / "report.md").read_text()
    (run / score.METRICS).unlink()
    score.score_run(run)
    assert (run / score.METRICS).read_text() == first
    assert (run / "report.md").read_text() == report
    assert (run / "confusion.png").stat().st_size > 0
    assert (run / "reliability.png").stat().st_size > 0


def test_score_fits_on_dev_and_reports_test(tmp_path):
    metrics = score.score_run(write_run(tmp_path / "run"))
    assert metrics["counts"] == {
        "claims": 7,
        "dev": 3,
        "test": 4,
        "gold": {SUPPORTED: 2, REFUTED: 2, NOT_ENOUGH_INFO: 2, CONFLICTING: 1},
    }
    # Dev has a NEI claim with entailment 0.6: a higher support threshold fixes it.
    fitted = metrics["fit"]["aggregation"]["config"]
    assert fitted["support_threshold"] == 0.7
    headline = metrics["headline"]
    assert headline["test_claims"] == 4 and headline["scored_claims"] == 3
    # Test with the fitted threshold: 4 SUPPORTED right (0.95), 5 NEI right (0.65 < 0.7),
    # 6 REFUTED -> NEI wrong.
    assert headline["accuracy"] == pytest.approx(2 / 3)
    assert headline["shipped_accuracy"] == pytest.approx(1 / 3)
    # recall@1: claim 4's gold is second by retrieval score; claim 6 retrieved nothing;
    # claim 7's gold is first.
    assert headline["evidence_recall@1"] == pytest.approx(1 / 3)
    assert headline["evidence_recall@3"] == pytest.approx(2 / 3)
    assert headline["fever_strict"] == pytest.approx(2 / 3)
    assert headline["conflicting_recall"] == 1.0
    assert headline["latency_median_ms"] == pytest.approx(550.0)
    assert metrics["replay_agreement"] == 1.0  # the verdicts are what the defaults give
    assert metrics["protocol"]["fitted_on"] == "dev"
    # dev golds S, N, R tie: the first class (SUPPORTED) is the majority answer
    assert metrics["majority_baseline"]["label"] == SUPPORTED
    assert headline["majority_accuracy"] == pytest.approx(1 / 3)
    report = (tmp_path / "run" / "report.md").read_text()
    assert "All headline figures are on the test half" in report


def test_score_uses_run_info_aggregation(tmp_path):
    run = write_run(tmp_path / "run")
    settings = {"support_threshold": 0.8, "refute_threshold": 0.5}
    info = {"dataset": {"name": "mine"}, "verifier_config": {"aggregation": settings}}
    (run / score.RUN_INFO).write_text(json.dumps(info))
    metrics = score.score_run(run)
    assert metrics["dataset"] == "mine"
    assert metrics["fit"]["aggregation"]["start_config"]["support_threshold"] == 0.8


def test_score_cli_prints_headline(tmp_path, capsys):
    run = write_run(tmp_path / "run")
    assert score.main([str(run)]) == 0
    assert "macro_f1" in json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{nope\n", r"predictions\.jsonl:1: not valid JSON"),
        ('{"id": "1"}\n', r"predictions\.jsonl:1: missing fields"),
        (
            json.dumps({**RECORDS[0], "split": "train"}) + "\n",
            r"split must be 'dev' or 'test'",
        ),
        (json.dumps({**RECORDS[0], "verdict": "TRUE"}) + "\n", r"verdict 'TRUE'"),
        (json.dumps({**RECORDS[0], "evidence": [{"text": "t"}]}) + "\n", r"evidence must be"),
    ],
)
def test_score_bad_predictions_name_the_line(tmp_path, capsys, content, message):
    run = tmp_path / "run"
    run.mkdir()
    (run / score.PREDICTIONS).write_text(content)
    assert score.main([str(run)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert "Traceback" not in err
    with pytest.raises(score.PredictionsError, match=message):
        score.read_predictions(run / score.PREDICTIONS)


def test_score_missing_run(tmp_path, capsys):
    assert score.main([str(tmp_path / "none")]) == 1
    assert "predictions file not found" in capsys.readouterr().err


def test_compare_prints_deltas(tmp_path, capsys):
    first = write_run(tmp_path / "a")
    second = write_run(tmp_path / "b", RECORDS[:-1])
    score.score_run(first)
    score.score_run(second)
    assert compare.main([str(first), str(second)]) == 0
    table = capsys.readouterr().out
    assert table.splitlines()[0] == f"| metric | {first} | {second} | {second} - {first} |"
    assert "| test_claims | 4 | 3 | -1 |" in table
    assert "| conflicting_recall | 1.000 | 0.000 | -1.000 |" in table


def test_compare_table_missing_values():
    table = compare.compare_table({"a": 1.0}, {"b": None})
    assert "| a | 1.000 | n/a |  |" in table
    assert "| b | n/a | n/a |  |" in table


def test_compare_missing_metrics(tmp_path, capsys):
    assert compare.main([str(tmp_path), str(tmp_path)]) == 1
    assert "no metrics.json" in capsys.readouterr().err
