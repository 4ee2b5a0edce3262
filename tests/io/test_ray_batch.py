"""Batch checking on Ray Data: the same results as one process, failed claims kept.

Ray starts locally once for the module; the actors load the shipped embedder and a
tiny random NLI model from files, as they would on a cluster.
"""

from __future__ import annotations

import csv
import json
import logging
import sys

import pytest

from tests.fakes import FakeEmbedder, FakeJudge
from tests.tiny_models import save_tiny_nli
from verifier.io.cli import EXIT_BAD_INPUT, main
from verifier.io.ray_batch import check_records
from verifier.pipeline import Verifier

DOCS = {
    "bridge.txt": "The river footbridge opened in 2019. It cost 4 million euros to build.",
    "library.txt": "The library opened in 1998 in the old post office. It has 40,000 books.",
    "council.txt": "The council did not approve the new parking fees in March.",
}
CLAIMS = [
    {"claim": "The footbridge opened in 2019.", "id": 1, "label": "SUPPORTED"},
    {"claim": "The library opened in 1998.", "id": 2},
    {"claim": "The council approved the parking fees.", "id": 3, "note": {"nested": [1, 2]}},
    {"claim": "The bridge cost 9 million euros.", "id": 4},
    {"claim": "The library has 40,000 books.", "id": 5},
    {"claim": "Parking fees rose in March.", "id": 6},
]
TOO_LONG = {"claim": "The bridge opened. " * 60, "id": 99}


@pytest.fixture(scope="module")
def ray_local():
    ray = pytest.importorskip("ray")
    pytest.importorskip("ray.data")
    ray.init(num_cpus=2, include_dashboard=False, logging_level=logging.ERROR)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A saved index of three documents, the tiny NLI model and the ``check`` options for them."""
    root = tmp_path_factory.mktemp("ray-batch")
    corpus = root / "corpus"
    corpus.mkdir()
    for name, text in DOCS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    assert main(["index", str(corpus), "--out", str(root / "index")]) == 0
    nli = save_tiny_nli(root / "nli")
    return root, ["--index", str(root / "index"), "--nli-model", str(nli)]


def write_claims(path, records):
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def rounded(value):
    """Floats to 6 places: batches of other sizes pad differently, moving the last digits."""
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {key: rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [rounded(item) for item in value]
    return value


def by_id(records):
    return sorted((rounded(record) for record in records), key=lambda record: record["id"])


def test_ray_writes_what_one_process_writes_and_keeps_a_failed_claim(ray_local, files, capsys):
    root, options = files
    claims = write_claims(root / "claims.jsonl", CLAIMS)
    with_bad = write_claims(root / "with_bad.jsonl", [*CLAIMS[:3], TOO_LONG, *CLAIMS[3:]])
    assert main(["check", *options, "--claims", str(claims), "--out", str(root / "one.jsonl")]) == 0
    argv = ["check", *options, "--claims", str(with_bad), "--out", str(root / "ray.jsonl")]
    assert main([*argv, "--engine", "ray"]) == 0
    assert "1 failed, written with their error" in capsys.readouterr().out

    single, distributed = read_jsonl(root / "one.jsonl"), read_jsonl(root / "ray.jsonl")
    assert len(distributed) == len(CLAIMS) + 1
    failed = [record for record in distributed if record["id"] == TOO_LONG["id"]]
    assert failed == [
        {
            **TOO_LONG,
            "verdict": None,
            "confidence": None,
            "evidence": [],
            "warnings": [],
            "error": failed[0]["error"],
        }
    ]
    assert "characters long; the limit is 1000" in failed[0]["error"]
    checked = [record for record in distributed if record["id"] != TOO_LONG["id"]]
    assert by_id(checked) == by_id(single)
    assert all(record["evidence"] for record in checked)


def test_ray_csv_output_matches_one_process(ray_local, files):
    root, options = files
    claims = write_claims(root / "claims_csv.jsonl", CLAIMS)
    outputs = {}
    for engine in ("local", "ray"):
        out = root / f"{engine}.csv"
        argv = ["check", *options, "--claims", str(claims), "--out", str(out)]
        assert (
            main([*argv, "--engine", engine, "--ray-workers", "1"] if engine == "ray" else argv)
            == 0
        )
        with out.open(encoding="utf-8", newline="") as stream:
            rows = list(csv.DictReader(stream))
        outputs[engine] = sorted(
            ({**row, "confidence": round(float(row["confidence"]), 6)} for row in rows),
            key=lambda row: int(row["id"]),
        )
    assert outputs["ray"] == outputs["local"]
    assert list(outputs["ray"][0]) == list(outputs["local"][0])


def test_a_batch_with_a_bad_claim_still_checks_the_others():
    verifier = Verifier.from_corpus(
        {name: text for name, text in DOCS.items()}, embedder=FakeEmbedder(), judge=FakeJudge()
    )
    records = [CLAIMS[0], {"claim": "It\ud800 rained.", "id": 7}, TOO_LONG, CLAIMS[1]]
    results = check_records(verifier, records)
    assert [result["id"] for result in results] == [1, 7, 99, 2]
    assert [result["verdict"] for result in results][1:3] == [None, None]
    assert "lone surrogate" in results[1]["error"]
    assert "characters long" in results[2]["error"]
    assert results[0] == check_records(verifier, [CLAIMS[0]])[0]
    assert "error" not in results[3]


def test_missing_ray_is_one_clear_line(files, monkeypatch, capsys):
    root, options = files
    claims = write_claims(root / "claims_noray.jsonl", CLAIMS[:1])
    monkeypatch.setitem(sys.modules, "ray", None)
    argv = ["check", *options, "--claims", str(claims), "--out", str(root / "no.jsonl")]
    assert main([*argv, "--engine", "ray"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "--engine ray needs Ray Data" in err
    assert "pip install 'verifier[ray]'" in err
    assert not (root / "no.jsonl").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--ray-address", "auto"], "--ray-address needs --engine ray"),
        (["--engine", "ray", "The bridge opened."], "--engine ray checks a --claims FILE"),
    ],
)
def test_engine_options_are_checked(files, capsys, extra, message):
    root, options = files
    argv = ["check", *options, *extra]
    if "--engine" not in extra:
        argv += ["--claims", str(write_claims(root / "c.jsonl", CLAIMS[:1])), "--out", "x.jsonl"]
    assert main(argv) == EXIT_BAD_INPUT
    assert message in capsys.readouterr().err


def test_ray_over_milvus_lite_writes_what_one_process_writes(ray_local, files, tmp_path):
    """The driver adds the corpus once; each actor opens its own copy of the Lite folder."""
    pytest.importorskip("pymilvus")
    pytest.importorskip("milvus_lite")
    root, options = files
    nli = options[options.index("--nli-model") + 1]
    milvus = ["--store", "milvus", "--milvus-uri", str(tmp_path / "m.db"), "--nli-model", nli]
    corpus = ["--corpus", str(root / "corpus")]
    claims = ["--claims", str(write_claims(tmp_path / "claims.jsonl", CLAIMS))]
    assert main(["check", *milvus, *corpus, *claims, "--out", str(tmp_path / "one.jsonl")]) == 0
    argv = ["check", *milvus, *claims, "--out", str(tmp_path / "ray.jsonl"), "--engine", "ray"]
    assert main(argv) == 0
    single, distributed = read_jsonl(tmp_path / "one.jsonl"), read_jsonl(tmp_path / "ray.jsonl")
    assert [record["id"] for record in distributed] == [claim["id"] for claim in CLAIMS]
    assert [rounded(record) for record in distributed] == [rounded(record) for record in single]
    assert all(record["evidence"] for record in distributed)
