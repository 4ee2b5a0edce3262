from __future__ import annotations

import csv
import io
import json

import pytest

from verifier.errors import ClaimsFileError
from verifier.io import read_claims, result_record, results_csv, write_jsonl
from verifier.types import SUPPORTED, SUPPORTS, Evidence, NLIScores, Passage, Verdict


def test_jsonl_claims_keep_their_other_fields(tmp_path):
    path = tmp_path / "claims.jsonl"
    path.write_text(
        '{"claim": "It rained.", "id": 7, "label": "SUPPORTED"}\n\n{"claim": "It snowed."}\n'
    )
    assert read_claims(path) == [
        {"claim": "It rained.", "id": 7, "label": "SUPPORTED"},
        {"claim": "It snowed."},
    ]


def test_csv_claims(tmp_path):
    path = tmp_path / "claims.csv"
    path.write_text('claim,label\n"It rained, a lot.",SUPPORTED\n')
    assert read_claims(path) == [{"claim": "It rained, a lot.", "label": "SUPPORTED"}]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("c.jsonl", '{"claim": "ok"}\n{oops\n', "c.jsonl:2: not valid JSON"),
        ("c.jsonl", '{"claim": "ok"}\n["a"]\n', "c.jsonl:2: expected a JSON object"),
        ("c.jsonl", '{"text": "no claim"}\n', 'c.jsonl:1: "claim" is missing or empty'),
        ("c.jsonl", '{"claim": "  "}\n', 'c.jsonl:1: "claim" is missing or empty'),
        ("c.jsonl", "\n\n", "no claims found"),
        ("c.csv", "text\nhello\n", 'no "claim" column'),
        ("c.csv", "claim\n\n", "no claims found"),
        ("c.txt", "a claim", "unknown claims format '.txt'"),
    ],
)
def test_bad_claims_files_name_the_file_and_line(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ClaimsFileError, match=message):
        read_claims(path)


def test_missing_claims_file(tmp_path):
    with pytest.raises(ClaimsFileError, match="not found"):
        read_claims(tmp_path / "none.jsonl")


def verdict():
    passage = Passage("d", "d.txt", "T", "It rained all day.", 3, 21)
    evidence = Evidence(passage, 0.8, NLIScores(0.9, 0.07, 0.03), SUPPORTS)
    return Verdict("It rained.", SUPPORTED, 0.9, (evidence,), (evidence,), ())


def test_result_record_adds_verdict_confidence_and_evidence():
    record = result_record({"claim": "It rained.", "id": 3}, verdict())
    assert record["id"] == 3
    assert record["verdict"] == "SUPPORTED"
    assert record["confidence"] == pytest.approx(0.9)
    evidence = record["evidence"][0]
    assert {"text", "source", "score", "nli"} <= set(evidence)
    assert evidence["nli"] == {
        "label": "entailment",
        "entailment": 0.9,
        "neutral": 0.07,
        "contradiction": 0.03,
    }
    json.dumps(record)


def test_results_csv_flattens_and_keeps_input_columns():
    rows = list(
        csv.DictReader(
            io.StringIO(results_csv([result_record({"claim": "It rained.", "id": 3}, verdict())]))
        )
    )
    assert rows[0]["id"] == "3"
    assert rows[0]["verdict"] == "SUPPORTED"
    assert rows[0]["top_evidence"] == "It rained all day."


def test_write_jsonl_replaces_the_file_whole(tmp_path):
    path = tmp_path / "out" / "r.jsonl"
    write_jsonl([{"a": 1}, {"b": "é"}], path)
    assert [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] == [
        {"a": 1},
        {"b": "é"},
    ]
    assert [p.name for p in path.parent.iterdir()] == ["r.jsonl"]
