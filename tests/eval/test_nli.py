"""``python -m eval.runs.nli``: readers, the two-way collapse, the command line and its errors."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from eval.runs import nli as eval_nli
from verifier.types import NLIScores


class KeywordJudge:
    """Says contradiction when the hypothesis has "not", entailment when it has "yes"."""

    def __init__(
        self,
        model=None,
        *,
        device="cpu",
        batch_size=32,
        max_length=256,
        backend="torch",
        threads=None,
    ) -> None:
        self.model = model

    def warm_up(self) -> None:
        pass

    def predict(
        self, pairs: Sequence[tuple[str, str]], batch_size: int | None = None
    ) -> list[NLIScores]:
        scores = []
        for _, hypothesis in pairs:
            if "not" in hypothesis:
                scores.append(NLIScores(0.1, 0.2, 0.7))
            elif "yes" in hypothesis:
                scores.append(NLIScores(0.8, 0.1, 0.1))
            else:
                scores.append(NLIScores(0.2, 0.6, 0.2))
        return scores


@pytest.fixture
def fake_judge(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("verifier.judging.NLIJudge", KeywordJudge)


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_binary_gold_collapses_neutral_and_contradiction() -> None:
    gold = ["entailment", "not_entailment", "not_entailment", "entailment"]
    predicted = ["entailment", "neutral", "contradiction", "contradiction"]
    report = eval_nli.score(gold, predicted)
    assert report.labels == ("entailment", "not_entailment")
    assert report.accuracy == 0.75
    assert report.per_class["not_entailment"].recall == 1.0
    assert report.per_class["entailment"].recall == 0.5


def test_three_way_gold_is_scored_three_way() -> None:
    report = eval_nli.score(["neutral", "contradiction"], ["contradiction", "contradiction"])
    assert report.labels == ("entailment", "neutral", "contradiction")
    assert report.accuracy == 0.5


def test_climate_fever_format_gives_one_pair_per_evidence(tmp_path: Path) -> None:
    record = {
        "claim": "Sea levels are rising.",
        "evidences": [
            {"evidence": "Sea level rose 20 cm.", "evidence_label": "SUPPORTS"},
            {"evidence": "Sea level fell.", "evidence_label": "REFUTES"},
            {"evidence": "Oceans are deep.", "evidence_label": "NOT_ENOUGH_INFO"},
        ],
    }
    path = write_jsonl(tmp_path / "climate.jsonl", [record])
    pairs = eval_nli.read_pairs(path)
    assert [p.label for p in pairs] == ["entailment", "contradiction", "neutral"]
    assert pairs[0] == eval_nli.LabeledPair(
        "Sea level rose 20 cm.", "Sea levels are rising.", "entailment"
    )


def test_scifact_tsv_is_read_as_binary(tmp_path: Path) -> None:
    path = tmp_path / "dev.tsv"
    path.write_text(
        "index\tsentence1\tsentence2\tentailment\n0\tEvidence.\tClaim.\tnot_entailment\n",
        encoding="utf-8",
    )
    assert eval_nli.read_pairs(path) == [
        eval_nli.LabeledPair("Evidence.", "Claim.", "not_entailment")
    ]


def test_command_writes_metrics_and_predictions(fake_judge, tmp_path: Path, capsys) -> None:
    data = write_jsonl(
        tmp_path / "pairs.jsonl",
        [
            {"premise": "p", "hypothesis": "yes it is", "label": "entailment"},
            {"premise": "p", "hypothesis": "it is not", "label": "not_entailment"},
            {"premise": "p", "hypothesis": "maybe", "label": "not_entailment"},
            {"premise": "p", "hypothesis": "yes again", "label": "not_entailment"},
        ],
    )
    out, predictions = tmp_path / "metrics.json", tmp_path / "predictions.jsonl"
    code = eval_nli.main(
        [
            "--model",
            "fake",
            "--data",
            str(data),
            "--out",
            str(out),
            "--predictions",
            str(predictions),
        ]
    )
    assert code == 0
    metrics = json.loads(out.read_text())
    assert metrics["accuracy"] == 0.75
    assert metrics["labels"] == ["entailment", "not_entailment"]
    assert metrics["pairs"] == 4 and metrics["format"] == "jsonl"
    rows = [json.loads(line) for line in predictions.read_text().splitlines()]
    assert rows[1]["predicted"] == "contradiction"
    assert rows[1]["contradiction"] == pytest.approx(0.7)
    assert "accuracy   0.7500" in capsys.readouterr().out


def test_limit(fake_judge, tmp_path: Path) -> None:
    data = write_jsonl(
        tmp_path / "news.jsonl",
        [
            {
                "premise": "Russia had 11,000 troops in Kursk.",
                "hypothesis": "yes, Russia had 50,000 troops in Kursk.",
                "label": "contradiction",
            },
            {"premise": "a", "hypothesis": "b", "label": "neutral"},
        ],
    )
    out = tmp_path / "m.json"
    assert eval_nli.main(["--data", str(data), "--limit", "1", "--out", str(out)]) == 0
    metrics = json.loads(out.read_text())
    assert (metrics["accuracy"], metrics["count"]) == (0.0, 1)


def test_missing_file_is_a_clear_error(fake_judge, tmp_path: Path, capsys) -> None:
    code = eval_nli.main(["--data", str(tmp_path / "nope.jsonl")])
    assert code == 2
    err = capsys.readouterr().err
    assert "nope.jsonl: file not found" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{broken", "not valid JSON"),
        ('{"premise": "a", "hypothesis": "b", "label": "maybe"}', "label 'maybe'"),
        ('{"premise": "", "hypothesis": "b", "label": "neutral"}', "'premise' must be"),
        ("[1, 2]", "expected a JSON object"),
    ],
)
def test_bad_line_names_file_and_line(fake_judge, tmp_path: Path, capsys, line, message) -> None:
    data = tmp_path / "bad.jsonl"
    data.write_text('{"premise": "a", "hypothesis": "b", "label": "neutral"}\n' + line + "\n")
    assert eval_nli.main(["--data", str(data)]) == 2
    err = capsys.readouterr().err
    assert f"bad.jsonl:2: {message}" in err


def test_unwritable_output_is_a_clear_error(fake_judge, tmp_path: Path, capsys) -> None:
    data = write_jsonl(
        tmp_path / "p.jsonl", [{"premise": "a", "hypothesis": "b", "label": "neutral"}]
    )
    code = eval_nli.main(["--data", str(data), "--out", str(tmp_path / "no" / "dir" / "m.json")])
    assert code == 2
    assert "cannot write" in capsys.readouterr().err


def test_bad_thread_count_is_refused(fake_judge, tmp_path: Path, capsys) -> None:
    data = write_jsonl(
        tmp_path / "p.jsonl", [{"premise": "a", "hypothesis": "b", "label": "neutral"}]
    )
    assert eval_nli.main(["--data", str(data), "--threads", "0"]) == 2
    assert "--threads must be at least 1" in capsys.readouterr().err


def test_source_filter_and_two_way_scoring(fake_judge, tmp_path: Path, capsys) -> None:
    data = write_jsonl(
        tmp_path / "heldout.jsonl",
        [
            {"premise": "p", "hypothesis": "x", "label": "contradiction", "source": "fever-train"},
            {"premise": "p", "hypothesis": "yes", "label": "entailment", "source": "fever-train"},
            {"premise": "p", "hypothesis": "yes", "label": "neutral", "source": "snli"},
        ],
    )
    out = tmp_path / "m.json"
    assert eval_nli.main(["--data", str(data), "--source", "fever-train", "--out", str(out)]) == 0
    three_way = json.loads(out.read_text())
    assert (three_way["pairs"], three_way["accuracy"]) == (2, 0.5)
    args = ["--data", str(data), "--source", "fever-train", "--two-way", "--out", str(out)]
    assert eval_nli.main(args) == 0
    assert json.loads(out.read_text())["accuracy"] == 1.0
    assert eval_nli.main(["--data", str(data), "--source", "vitaminc"]) == 2
    assert "no pair has a source" in capsys.readouterr().err


def test_heldout_of_scores_the_slice_training_held_out(fake_judge, tmp_path: Path) -> None:
    from models.nli_data import load_training_examples, split_heldout

    rows = [
        {
            "premise": "P.",
            "hypothesis": f"yes {i}" if i % 2 else f"not {i}",
            "title": f"Page {i % 40}",
            "label": "entailment" if i % 2 else "contradiction",
        }
        for i in range(400)
    ]
    (tmp_path / "nli").mkdir()
    write_jsonl(tmp_path / "nli" / "vitaminc_train.jsonl", rows)
    _, held = split_heldout(load_training_examples(tmp_path, ["vitaminc"]), 0.2)
    assert 0 < len(held) < len(rows)
    out, predictions = tmp_path / "m.json", tmp_path / "p.jsonl"
    args = ["--heldout-of", "vitaminc", "--data-dir", str(tmp_path), "--heldout-fraction", "0.2"]
    assert eval_nli.main([*args, "--out", str(out), "--predictions", str(predictions)]) == 0
    metrics = json.loads(out.read_text())
    assert (metrics["pairs"], metrics["accuracy"]) == (len(held), 1.0)
    assert metrics["data"] == "heldout-of vitaminc"
    scored = [json.loads(line)["hypothesis"] for line in predictions.read_text().splitlines()]
    assert scored == [example.hypothesis for example in held]


def test_heldout_of_an_unknown_source_or_bad_fraction_is_a_clear_error(
    fake_judge, tmp_path: Path, capsys
) -> None:
    assert eval_nli.main(["--heldout-of", "wikipedia", "--data-dir", str(tmp_path)]) == 2
    assert "wikipedia" in capsys.readouterr().err
    args = ["--heldout-of", "vitaminc", "--heldout-fraction", "1.5"]
    assert eval_nli.main(args) == 2
    assert "--heldout-fraction" in capsys.readouterr().err
