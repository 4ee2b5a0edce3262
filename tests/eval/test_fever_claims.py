"""The corpus-level FEVER set: only the judge's validation claims, with gold and distractors."""

from __future__ import annotations

import json
import random
from pathlib import Path

from eval import fever_claims
from eval.datasets import read_dataset
from eval.split import split_of
from models.nli_data import NLIExample, heldout_group

CITIES = ["Lyon", "Porto", "Graz", "Turin", "Ghent", "Brno", "Cork", "Bern", "Oslo", "Riga"]


def test_only_validation_claims_with_gold_evidence_and_distractors(tmp_path: Path) -> None:
    data = tmp_path / "nli"
    data.mkdir()
    rows = []
    for number, city in enumerate(CITIES * 3):
        premise = f"{city} is a city on a river. It has {number} bridges."
        label = "entailment" if number % 2 else "contradiction"
        rows.append(
            {
                "premise": premise,
                "hypothesis": f"{city} has {number} bridges or not.",
                "label": label,
                "id": number,
            }
        )
    (data / "fever_train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    unsettled = [
        {"claim": f"{city} hosted a fair in 1850.", "id": 900 + n} for n, city in enumerate(CITIES)
    ]
    (data / "fever_train_nei_claims.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in unsettled)
    )
    out = tmp_path / "claims.jsonl"
    args = ["--data-dir", str(tmp_path), "--out", str(out), "--heldout-fraction", "0.4"]
    assert fever_claims.main([*args, "--cache-dir", str(tmp_path / "cache")]) == 0
    claims = [json.loads(line) for line in out.read_text().splitlines()]
    assert claims
    assert all(heldout_group(c["id"], 0.4) for c in claims)
    expected = sum(heldout_group(f"id:{r['id']}", 0.4) for r in rows + unsettled)
    assert len(claims) == expected
    for claim in claims:
        if claim["label"] == "NOT_ENOUGH_INFO":
            assert claim["evidence"] == []
        else:
            assert len(claim["evidence"]) == 2  # the premise split into its two sentences
        assert claim["distractors"]
        gold_titles = {e["title"] for e in claim["evidence"]}
        assert not gold_titles & {d["title"] for d in claim["distractors"]}
    dataset = read_dataset("jsonl", out)
    assert len(dataset.examples) == len(claims)


def test_detail_edits_keep_evidence_and_their_originals_half() -> None:
    premise = "The bridge over the Rhine opened in March 1998 and cost 120 million euros."
    record = {
        "id": "id:7",
        "claim": "The bridge opened in March 1998.",
        "label": "SUPPORTED",
        "evidence": [{"text": premise, "title": "fever-p1"}],
        "distractors": [{"text": "Ghent has a fair.", "title": "fever-p2"}],
    }
    example = NLIExample(premise, record["claim"], "entailment", "fever-train", "id:7")
    edits = fever_claims.edited_claims([record], {record["claim"]: example}, 5, random.Random(1))
    assert len(edits) == 1  # one edit per claim
    edit = edits[0]
    assert edit["claim"] != record["claim"]
    assert edit["label"] in {"REFUTED", "NOT_ENOUGH_INFO"}
    assert edit["evidence"] == record["evidence"] and edit["distractors"] == record["distractors"]
    assert edit["id"] != record["id"] and split_of(edit["id"]) == split_of(record["id"])


def test_unsupported_claims_are_not_edited() -> None:
    record = {"id": "id:8", "claim": "It rained 3 days.", "label": "REFUTED", "evidence": []}
    example = NLIExample("It rained 4 days.", record["claim"], "contradiction", "fever-train")
    assert fever_claims.edited_claims([record], {record["claim"]: example}, 5, random.Random(1)) == []
