"""eval.runs.factcheck: the predict step on fakes, the CLI's errors, and one slow real run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from eval.runs import factcheck, score
from eval.runs.datasets import read_dataset
from tests.fakes import FakeEmbedder, FakeJudge
from verifier import VerifierConfig
from verifier.registry import SHIPPED_NLI_MODEL

REPO = Path(__file__).resolve().parents[2]
CLIMATE_FEVER = REPO / ".." / "shared" / "data" / "factcheck" / "climate-fever.jsonl"

ROWS = [
    {
        "id": f"c{i}",
        "claim": claim,
        "label": label,
        "evidence": evidence,
    }
    for i, (claim, label, evidence) in enumerate(
        [
            (
                "The river flooded the old town",
                "SUPPORTED",
                ["The river flooded the old town in May."],
            ),
            ("The mayor resigned last week", "REFUTED", ["The mayor did not resign last week."]),
            ("Bees pollinate almond trees", "NOT_ENOUGH_INFO", ["Almond prices rose sharply."]),
            ("The bridge opened in 1990", "SUPPORTED", ["The bridge opened in 1990 after delays."]),
            ("The factory closed its doors", "REFUTED", ["The factory never closed its doors."]),
            ("Snow fell on the harbour", "NOT_ENOUGH_INFO", []),
        ]
    )
]


@pytest.fixture
def tiny_dataset(tmp_path):
    path = tmp_path / "mine.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in ROWS), encoding="utf-8")
    return path


def test_predict_with_fakes_writes_one_record_per_claim(tmp_path, tiny_dataset):
    dataset = read_dataset("jsonl", tiny_dataset)
    out = tmp_path / "run"
    config = VerifierConfig(top_k=3, batch_claims=4)
    info = factcheck.run_predict(
        dataset, out, embedder=FakeEmbedder(), judge=FakeJudge(), config=config, command="test"
    )
    records = score.read_predictions(out / score.PREDICTIONS)
    assert [r["id"] for r in records] == [f"c{i}" for i in range(6)]
    assert not (out / (score.PREDICTIONS + ".partial")).exists()
    first = records[0]
    assert first["verdict"] == "SUPPORTED"
    assert first["gold_evidence"] == ["The river flooded the old town in May."]
    assert first["evidence"][0]["text"] == first["gold_evidence"][0]
    assert set(first["evidence"][0]["nli"]) >= {"entailment", "neutral", "contradiction"}
    assert "score" in first["evidence"][0]
    assert records[1]["verdict"] == "REFUTED"
    assert all(len(r["evidence"]) == 3 for r in records)
    assert all(r["split"] in ("dev", "test") for r in records)
    assert all(r["latency_s"] > 0 for r in records)
    assert info["dataset"]["pool"] == 5
    assert info["verifier_config"]["top_k"] == 3

    metrics = score.score_run(out)
    assert metrics["counts"]["claims"] == 6
    assert metrics["replay_agreement"] == 1.0


def test_limit_keeps_the_whole_pool(tmp_path, tiny_dataset):
    dataset = read_dataset("jsonl", tiny_dataset)
    config = VerifierConfig()
    info = factcheck.run_predict(
        dataset,
        tmp_path / "run",
        embedder=FakeEmbedder(),
        judge=FakeJudge(),
        config=config,
        limit=2,
    )
    assert info["dataset"]["claims_run"] == 2
    assert info["dataset"]["pool"] == 5
    assert len(score.read_predictions(tmp_path / "run" / score.PREDICTIONS)) == 2


def test_pool_passages_group_sentences_by_article(tmp_path, tiny_dataset):
    passages = factcheck.pool_passages(read_dataset("jsonl", tiny_dataset))
    assert len({p.doc_id for p in passages}) == len(passages)  # no titles: one doc each
    assert all(p.text and p.end == len(p.text) for p in passages)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dataset", "jsonl", "--data", "{missing}"], "dataset file not found"),
        (["--dataset", "jsonl", "--data", "{bad}"], "bad.jsonl:2: not valid JSON"),
    ],
)
def test_cli_bad_input_is_a_message_not_a_traceback(tmp_path, capsys, args, message):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"claim": "c", "label": "SUPPORTED"}\n{oops\n')
    args = [a.format(missing=tmp_path / "none.jsonl", bad=bad) for a in args]
    assert factcheck.main([*args, "--out", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_cli_unknown_dataset_exits_non_zero_without_traceback(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "eval.runs.factcheck",
            "--dataset",
            "fever",
            "--data",
            "x",
            "--out",
            "y",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert result.returncode != 0
    assert "invalid choice: 'fever'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_real_pipeline_on_climate_fever_sample(tmp_path):
    if not CLIMATE_FEVER.is_file():
        pytest.skip(f"the shared Climate-FEVER file is not at {CLIMATE_FEVER}")
    model = os.environ.get("VERIFIER_EVAL_NLI_MODEL")
    if not model and not SHIPPED_NLI_MODEL.is_dir():
        pytest.skip(f"no shipped NLI model at {SHIPPED_NLI_MODEL}; set VERIFIER_EVAL_NLI_MODEL")
    args = ["--dataset", "climate-fever", "--data", str(CLIMATE_FEVER), "--limit", "16"]
    args += ["--out", str(tmp_path / "run")] + (["--model", model] if model else [])
    assert factcheck.main(args) == 0
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["counts"]["claims"] == 16
    assert metrics["replay_agreement"] == 1.0
    for name in ("predictions.jsonl", "report.md", "confusion.png", "reliability.png"):
        assert (tmp_path / "run" / name).is_file()


def test_index_cache_is_reused_for_the_same_pool(tmp_path, tiny_dataset):
    dataset = read_dataset("jsonl", tiny_dataset)
    config = VerifierConfig()
    cache = tmp_path / "cache"
    first = factcheck.run_predict(
        dataset,
        tmp_path / "a",
        embedder=FakeEmbedder(),
        judge=FakeJudge(),
        config=config,
        index_cache=cache,
    )
    embedder = FakeEmbedder()
    second = factcheck.run_predict(
        dataset,
        tmp_path / "b",
        embedder=embedder,
        judge=FakeJudge(),
        config=config,
        index_cache=cache,
    )
    assert first["index_cache"] == second["index_cache"]
    assert first["machine"]["cpu"].startswith("CPU: ")  # timings are this CPU's
    assert embedder.calls == 1  # only the claims were embedded
    read = [score.read_predictions(tmp_path / run / score.PREDICTIONS) for run in ("a", "b")]
    assert [r["verdict"] for r in read[0]] == [r["verdict"] for r in read[1]]


def test_a_claim_the_pipeline_refuses_stops_the_run_before_indexing(tmp_path, capsys):
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps({"id": "big", "claim": "word " * 300, "label": "SUPPORTED"}) + "\n")
    args = ["--dataset", "jsonl", "--data", str(path), "--out", str(tmp_path / "run")]
    assert factcheck.main(args) == 1
    err = capsys.readouterr().err
    assert "claim big:" in err and "limit is 1000" in err
    assert not (tmp_path / "run").exists()


def test_weights_digest(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"weights")
    assert factcheck.weights_digest(tmp_path) == "9a129038d9a00aed"  # sha256(b"weights")
    assert factcheck.weights_digest(None) is None
    assert factcheck.weights_digest(tmp_path / "none") is None
