"""Dataset readers on tiny temporary files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.runs.datasets import DatasetError, read_dataset
from verifier.types import CONFLICTING, NOT_ENOUGH_INFO, REFUTED, SUPPORTED


def write_jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def climate_row(claim_id: str, label: str, evidences: list[tuple[str, str]]) -> dict:
    return {
        "claim_id": claim_id,
        "claim": f"claim {claim_id}",
        "claim_label": label,
        "evidences": [
            {"evidence_id": f"A:{i}", "evidence_label": ev_label, "article": "A", "evidence": text}
            for i, (text, ev_label) in enumerate(evidences)
        ],
    }


def test_climate_fever_labels_gold_evidence_and_pool(tmp_path):
    path = write_jsonl(
        tmp_path / "cf.jsonl",
        [
            climate_row("1", "SUPPORTS", [("s one", "SUPPORTS"), ("n one", "NOT_ENOUGH_INFO")]),
            climate_row("2", "REFUTES", [("r two", "REFUTES"), ("s  one", "NOT_ENOUGH_INFO")]),
            climate_row("3", "NOT_ENOUGH_INFO", [("n one", "NOT_ENOUGH_INFO")]),
            climate_row("4", "DISPUTED", [("s one", "SUPPORTS"), ("r two", "REFUTES")]),
        ],
    )
    dataset = read_dataset("climate-fever", path)
    assert [e.label for e in dataset.examples] == [SUPPORTED, REFUTED, NOT_ENOUGH_INFO, CONFLICTING]
    assert dataset.examples[3].original_label == "DISPUTED"
    assert [e.gold_evidence for e in dataset.examples] == [
        ("s one",),
        ("r two",),
        (),
        ("s one", "r two"),
    ]
    # de-duplicated by text (whitespace-normalised), first occurrence kept
    assert [s.text for s in dataset.pool] == ["s one", "n one", "r two"]
    assert dataset.evidence_occurrences == 7
    assert dataset.pool[0].title == "A"


def test_covidfact_ids_and_gold(tmp_path):
    path = write_jsonl(
        tmp_path / "cov.jsonl",
        [
            {"claim": "masks work", "label": "SUPPORTED", "evidence": ["e1", "e2"]},
            {"claim": "masks fail", "label": "REFUTED", "evidence": ["e1"]},
        ],
    )
    dataset = read_dataset("covidfact", path)
    assert [e.claim_id for e in dataset.examples] == ["L1", "L2"]
    assert dataset.examples[1].gold_evidence == ("e1",)
    assert len(dataset.pool) == 2


def test_generic_jsonl_labels_ids_objects_and_nei(tmp_path):
    path = write_jsonl(
        tmp_path / "mine.jsonl",
        [
            {
                "id": "a",
                "claim": "c1",
                "label": "SUPPORTED",
                "evidence": [{"text": "t1", "title": "T"}],
            },
            {"claim": "c2", "label": "NOT_ENOUGH_INFO", "evidence": ["t2"]},
            {"id": 7, "claim": "c3", "label": "disputed", "evidence": []},
            {"claim": "c4", "label": "CONFLICTING", "evidence": ["t1", "t1"]},
        ],
    )
    dataset = read_dataset("jsonl", path)
    assert [e.claim_id for e in dataset.examples] == ["a", "L2", "7", "L4"]
    assert [e.label for e in dataset.examples] == [
        SUPPORTED,
        NOT_ENOUGH_INFO,
        CONFLICTING,
        CONFLICTING,
    ]
    assert dataset.examples[1].gold_evidence == ()  # NEI evidence is pool only
    assert dataset.examples[3].gold_evidence == ("t1",)
    assert [s.text for s in dataset.pool] == ["t1", "t2"]


def test_blank_lines_are_skipped(tmp_path):
    path = tmp_path / "blank.jsonl"
    path.write_text('\n{"claim": "c", "label": "REFUTED", "evidence": []}\n\n', encoding="utf-8")
    assert len(read_dataset("jsonl", path).examples) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"claim": "c", "label": "SUPPORTED"}\n{oops\n', r"bad\.jsonl:2: not valid JSON"),
        ("[1, 2]\n", r"bad\.jsonl:1: expected a JSON object"),
        ('{"claim": "c", "label": "MAYBE"}\n', r"bad\.jsonl:1: unknown label 'MAYBE'"),
        ('{"claim": "", "label": "SUPPORTED"}\n', r"bad\.jsonl:1: 'claim' must be non-empty"),
        ('{"claim": "c"}\n', r"bad\.jsonl:1: missing 'label'"),
        ('{"claim": "c", "label": "REFUTED", "evidence": "x"}\n', r"'evidence' must be a list"),
        ('{"claim": "c", "label": "REFUTED", "evidence": [3]}\n', r"evidence items"),
        (
            '{"id": 1, "claim": "c", "label": "REFUTED"}\n{"id": 1, "claim": "d", "label": "REFUTED"}\n',
            r"claim id '1' occurs more than once",
        ),
    ],
)
def test_bad_lines_name_file_and_line(tmp_path, content, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DatasetError, match=message):
        read_dataset("jsonl", path)


def test_climate_fever_bad_evidences(tmp_path):
    path = write_jsonl(
        tmp_path / "cf.jsonl", [{"claim_id": "1", "claim": "c", "claim_label": "SUPPORTS"}]
    )
    with pytest.raises(DatasetError, match=r"cf\.jsonl:1: 'evidences' must be a list"):
        read_dataset("climate-fever", path)


def test_missing_file_and_unknown_dataset(tmp_path):
    with pytest.raises(DatasetError, match="not found"):
        read_dataset("jsonl", tmp_path / "nope.jsonl")
    with pytest.raises(DatasetError, match="unknown dataset 'fever'"):
        read_dataset("fever", tmp_path / "nope.jsonl")


SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "factcheck"


def test_real_climate_fever_counts():
    path = SHARED / "climate-fever.jsonl"
    if not path.is_file():
        pytest.skip(f"the shared Climate-FEVER file is not at {path}")
    dataset = read_dataset("climate-fever", path)
    assert len(dataset.examples) == 1535
    assert dataset.evidence_occurrences == 7675
    assert len(dataset.pool) == 5240


def test_distractors_join_the_pool_but_are_never_gold(tmp_path):
    from eval.runs.datasets import DatasetError, read_dataset

    path = tmp_path / "claims.jsonl"
    path.write_text(
        json.dumps(
            {
                "id": "1",
                "claim": "Oslo is in Norway.",
                "label": "SUPPORTED",
                "evidence": [{"text": "Oslo is the capital of Norway.", "title": "Oslo"}],
                "distractors": [{"text": "Bergen is a city in Norway.", "title": "Bergen"}],
            }
        )
        + "\n"
    )
    dataset = read_dataset("jsonl", path)
    assert {s.text for s in dataset.pool} == {
        "Oslo is the capital of Norway.",
        "Bergen is a city in Norway.",
    }
    assert dataset.examples[0].gold_evidence == ("Oslo is the capital of Norway.",)
    path.write_text(json.dumps({"claim": "x", "label": "NEI", "distractors": "text"}) + "\n")
    with pytest.raises(DatasetError, match="'distractors' must be a list"):
        read_dataset("jsonl", path)
