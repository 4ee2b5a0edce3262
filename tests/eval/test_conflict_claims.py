"""Pairing VitaminC revisions into conflict, single-document and distractor-only pools."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.runs import conflict_claims
from eval.runs.conflict_claims import Quotas, build
from eval.runs.datasets import read_dataset
from models.nli_data import DataError, NLIExample
from verifier.types import CONFLICTING, NOT_ENOUGH_INFO, REFUTED, SUPPORTED


def pair(page: str, claim: str, premise: str, label: str) -> NLIExample:
    return NLIExample(premise, claim, label, "vitaminc", f"title:{page}")


def contrastive_page(page: str) -> list[NLIExample]:
    """A page whose claim one revision supports and another refutes."""
    claim = f"{page} has 5 members ."
    return [
        pair(page, claim, f"{page} has 5 members .", "entailment"),
        pair(page, claim, f"{page} has 6 members .", "contradiction"),
    ]


def open_page(page: str) -> list[NLIExample]:
    """A page whose claim one revision supports and another leaves open."""
    claim = f"{page} was founded in 1990 ."
    return [
        pair(page, claim, f"{page} was founded in 1990 by two friends .", "entailment"),
        pair(page, claim, f"{page} is a band from Leeds .", "neutral"),
    ]


def test_quotas_match_the_conflicts_with_as_many_others() -> None:
    quotas = Quotas.for_conflicts(10)
    assert quotas.by_label() == {
        CONFLICTING: 10,
        SUPPORTED: 2,
        REFUTED: 2,
        NOT_ENOUGH_INFO: 6,
    }
    with pytest.raises(ValueError, match="at least 1"):
        Quotas.for_conflicts(0)


def test_each_label_gets_the_pool_that_makes_it_true() -> None:
    rows = [row for n in range(4) for row in contrastive_page(f"c{n}")]
    rows += [row for n in range(4) for row in open_page(f"o{n}")]
    records = build(rows, Quotas(2, 1, 1, 1), heldout_fraction=0.0)
    by_label: dict[str, list[dict]] = {}
    for record in records:
        by_label.setdefault(record["label"], []).append(record)
    assert {label: len(items) for label, items in by_label.items()} == {
        CONFLICTING: 2,
        SUPPORTED: 1,
        REFUTED: 1,
        NOT_ENOUGH_INFO: 1,
    }
    for record in by_label[CONFLICTING]:
        texts = [item["text"] for item in record["evidence"]]
        assert any("has 5" in text for text in texts) and any("has 6" in text for text in texts)
        titles = {item["title"] for item in record["evidence"]}
        assert len(titles) == 2  # two documents, never one conflicting with itself
        assert record["distractors"] == []
    (supported,) = by_label[SUPPORTED]
    assert [item["text"] for item in supported["evidence"]] == [
        f"{supported['page'][6:]} was founded in 1990 by two friends ."
    ]
    assert [item["text"] for item in supported["distractors"]] == [
        f"{supported['page'][6:]} is a band from Leeds ."
    ]
    (refuted,) = by_label[REFUTED]
    assert [item["text"] for item in refuted["evidence"]] == [
        f"{refuted['page'][6:]} has 6 members ."
    ]
    (unsettled,) = by_label[NOT_ENOUGH_INFO]
    assert unsettled["evidence"] == []
    assert [item["text"] for item in unsettled["distractors"]] == [
        f"{unsettled['page'][6:]} is a band from Leeds ."
    ]


def test_one_claim_per_page_and_ids_name_the_judge_slice() -> None:
    rows = [row for n in range(6) for row in contrastive_page(f"c{n}")]
    rows += [row for n in range(6) for row in open_page(f"o{n}")]
    records = build(rows, Quotas(3, 1, 1, 2), heldout_fraction=0.0)
    pages = [record["page"] for record in records]
    assert len(pages) == len(set(pages))
    assert all(record["id"].startswith("vitc-train-") for record in records)
    every = build(rows, Quotas(1, 0, 0, 1), heldout_fraction=0.999999)
    assert all(record["id"].startswith("vitc-val-") for record in every)


def test_too_few_pages_is_an_error_naming_the_shortfall() -> None:
    with pytest.raises(DataError, match="CONFLICTING"):
        build(contrastive_page("c0"), Quotas(2, 0, 0, 0), heldout_fraction=0.0)


def test_the_output_reads_as_a_factcheck_dataset(tmp_path: Path) -> None:
    data = tmp_path / "nli"
    data.mkdir()
    rows = [row for n in range(8) for row in contrastive_page(f"c{n}")]
    rows += [row for n in range(8) for row in open_page(f"o{n}")]
    (data / "vitaminc_train.jsonl").write_text(
        "".join(
            json.dumps(
                {
                    "premise": r.premise,
                    "hypothesis": r.hypothesis,
                    "label": r.label,
                    "source": "vitaminc",
                    "title": r.group.removeprefix("title:"),
                }
            )
            + "\n"
            for r in rows
        ),
        encoding="utf-8",
    )
    out = tmp_path / "claims.jsonl"
    args = ["--data-dir", str(tmp_path), "--out", str(out), "--conflicts", "4"]
    assert conflict_claims.main(args) == 0
    dataset = read_dataset("jsonl", out)
    labels = [example.label for example in dataset.examples]
    assert labels.count(CONFLICTING) == 4
    assert len(labels) == 8
    conflict = next(e for e in dataset.examples if e.label == CONFLICTING)
    assert len(conflict.gold_evidence) == 2
    unsettled = next(e for e in dataset.examples if e.label == NOT_ENOUGH_INFO)
    assert unsettled.gold_evidence == ()
