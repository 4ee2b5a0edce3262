"""Recall@k per embedder backend, on a three-claim set."""

from __future__ import annotations

import json

from eval import embedder_backends


def test_recall_and_agreement_per_backend(tmp_path, monkeypatch):
    monkeypatch.setenv("VERIFIER_CACHE", str(tmp_path / "cache"))
    rows = [
        {
            "id": "1",
            "claim": "The council approved the budget in March.",
            "label": "SUPPORTED",
            "evidence": [{"text": "The council approved the budget on 14 March."}],
        },
        {
            "id": "2",
            "claim": "The library opened in 2005.",
            "label": "REFUTED",
            "evidence": [{"text": "The Millbrook library opened its doors in 1998."}],
        },
        {
            "id": "3",
            "claim": "The mayor plays the violin.",
            "label": "NOT_ENOUGH_INFO",
            "evidence": [{"text": "Bus fares rise to 2.80 dollars in July."}],
        },
    ]
    data = tmp_path / "claims.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    pool, checked = embedder_backends.pool_and_claims(data, "jsonl")
    assert len(pool) == 3 and len(checked) == 2  # the NOT_ENOUGH_INFO claim has no gold
    records = embedder_backends.compare(data, "jsonl", 1, ["torch", "onnx-fp32"])
    assert [r["backend"] for r in records] == ["torch", "onnx-fp32"]
    assert all(r["recall_at_k"] == 1.0 for r in records)
    assert records[1]["same_top_k_as_first"] == 1.0
    assert embedder_backends.main(["--data", str(tmp_path / "absent.jsonl")]) == 2
