"""The corpus-level FEVER set: only the judge's validation claims, with gold and distractors."""

from __future__ import annotations

import json
from pathlib import Path

from eval.runs import fever_claims
from eval.runs.datasets import read_dataset
from models.nli_data import heldout_group

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
