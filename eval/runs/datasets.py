"""Readers for claim-verification datasets, into one shape for the evaluation.

Each reader returns a :class:`FactCheckDataset`: the claims with their gold labels
mapped to the verdict labels (Climate-FEVER's DISPUTED becomes CONFLICTING) and
their gold evidence, plus every evidence sentence of the dataset, which becomes the
retrieval pool.

Formats:

* ``climate-fever``: ``{"claim_id", "claim", "claim_label", "evidences": [{"evidence",
  "evidence_label", "article", ...}]}``; gold evidence is the claim's sentences
  labelled SUPPORTS or REFUTES.
* ``covidfact``: ``{"claim", "label", "evidence": [sentence, ...]}``; every evidence
  sentence is gold. Ids are ``L<line number>``.
* ``jsonl``: ``{"claim", "label", "evidence": [...], "id"?}``; labels SUPPORTED,
  REFUTED, NOT_ENOUGH_INFO, CONFLICTING or DISPUTED (also SUPPORTS/REFUTES/NEI);
  evidence items are sentences or ``{"text", "title"?}`` objects; they are gold
  unless the claim is NOT_ENOUGH_INFO. An optional ``"distractors"`` list, in the
  same form, adds sentences to the pool that are never gold (on-topic passages
  that decide nothing, as a real corpus holds). Ids are ``"id"`` (or
  ``"claim_id"``) when given, else ``L<line number>``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from verifier import json_objects
from verifier.decision import gold_label, normalize_text
from verifier.records import line_number
from verifier.types import NOT_ENOUGH_INFO


class DatasetError(Exception):
    """A dataset file is missing or holds something the reader cannot use."""


@dataclass(frozen=True)
class EvidenceSentence:
    """One evidence sentence of the dataset, and the article it came from."""

    text: str
    title: str

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "title": self.title}


@dataclass(frozen=True)
class ClaimExample:
    """A claim with its gold label (a verdict label) and gold evidence texts.

    ``original_label`` is the label as the dataset spells it (e.g. DISPUTED).
    """

    claim_id: str
    claim: str
    label: str
    original_label: str
    gold_evidence: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.claim_id,
            "claim": self.claim,
            "label": self.label,
            "original_label": self.original_label,
            "gold_evidence": list(self.gold_evidence),
        }


@dataclass(frozen=True)
class FactCheckDataset:
    """The claims of a dataset and its pool of evidence sentences (unique by text)."""

    name: str
    path: str
    examples: tuple[ClaimExample, ...]
    pool: tuple[EvidenceSentence, ...]
    evidence_occurrences: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": self.path,
            "claims": len(self.examples),
            "pool": len(self.pool),
            "evidence_occurrences": self.evidence_occurrences,
        }


_GOLD_EVIDENCE_LABELS = {"SUPPORTS", "REFUTES"}


class _PoolBuilder:
    """Collects evidence sentences, keeping the first of each text."""

    def __init__(self) -> None:
        self._seen: dict[str, EvidenceSentence] = {}
        self.occurrences = 0

    def add(self, text: str, title: str) -> str:
        clean = normalize_text(text)
        self.occurrences += 1
        if clean not in self._seen:
            self._seen[clean] = EvidenceSentence(text=clean, title=title)
        return clean

    def sentences(self) -> tuple[EvidenceSentence, ...]:
        return tuple(self._seen.values())


def _records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    if not path.is_file():
        raise DatasetError(f"dataset file not found: {path}")
    with path.open(encoding="utf-8") as handle:
        for where, record in json_objects(handle, str(path), DatasetError):
            yield line_number(where), record


def _text(record: dict[str, Any], key: str, where: str) -> str:
    value = record.get(key)
    if not isinstance(value, str) or not value.strip():
        raise DatasetError(f"{where}: {key!r} must be non-empty text")
    return value.strip()


def _label(value: Any, where: str) -> str:
    try:
        label = gold_label(value)
    except ValueError as error:
        raise DatasetError(f"{where}: unknown label {value!r}: {error}") from error
    if label is None:
        raise DatasetError(f"{where}: empty label")
    return label


def _check_unique(examples: list[ClaimExample], path: Path) -> None:
    seen: set[str] = set()
    for example in examples:
        if example.claim_id in seen:
            raise DatasetError(f"{path}: claim id {example.claim_id!r} occurs more than once")
        seen.add(example.claim_id)


def read_climate_fever(path: str | Path) -> FactCheckDataset:
    """Read Climate-FEVER JSONL (one claim a line with its five evidence sentences)."""
    path = Path(path)
    pool = _PoolBuilder()
    examples = []
    for number, record in _records(path):
        where = f"{path}:{number}"
        evidences = record.get("evidences")
        if not isinstance(evidences, list):
            raise DatasetError(f"{where}: 'evidences' must be a list")
        gold = []
        for item in evidences:
            if not isinstance(item, dict):
                raise DatasetError(f"{where}: each evidence must be an object")
            text = pool.add(_text(item, "evidence", where), str(item.get("article", "")))
            if str(item.get("evidence_label", "")).upper() in _GOLD_EVIDENCE_LABELS:
                gold.append(text)
        original = str(record.get("claim_label", ""))
        examples.append(
            ClaimExample(
                claim_id=str(record.get("claim_id", f"L{number}")),
                claim=_text(record, "claim", where),
                label=_label(original, where),
                original_label=original,
                gold_evidence=tuple(gold),
            )
        )
    _check_unique(examples, path)
    return FactCheckDataset(
        "climate-fever", str(path), tuple(examples), pool.sentences(), pool.occurrences
    )


def _add_to_pool(pool: _PoolBuilder, items: Any, key: str, where: str) -> list[str]:
    if not isinstance(items, list):
        raise DatasetError(f"{where}: {key!r} must be a list")
    texts = []
    for item in items:
        if isinstance(item, str) and item.strip():
            texts.append(pool.add(item, ""))
        elif isinstance(item, dict):
            texts.append(pool.add(_text(item, "text", where), str(item.get("title", ""))))
        else:
            raise DatasetError(f"{where}: {key} items must be non-empty text or objects")
    return texts


def _generic(path: str | Path, name: str, id_keys: tuple[str, ...]) -> FactCheckDataset:
    path = Path(path)
    pool = _PoolBuilder()
    examples = []
    for number, record in _records(path):
        where = f"{path}:{number}"
        original = record.get("label")
        if original is None:
            raise DatasetError(f"{where}: missing 'label'")
        label = _label(original, where)
        texts = _add_to_pool(pool, record.get("evidence", []), "evidence", where)
        _add_to_pool(pool, record.get("distractors", []), "distractors", where)
        claim_id = next((str(record[key]) for key in id_keys if key in record), f"L{number}")
        examples.append(
            ClaimExample(
                claim_id=claim_id,
                claim=_text(record, "claim", where),
                label=label,
                original_label=str(original),
                gold_evidence=() if label == NOT_ENOUGH_INFO else tuple(dict.fromkeys(texts)),
            )
        )
    _check_unique(examples, path)
    return FactCheckDataset(name, str(path), tuple(examples), pool.sentences(), pool.occurrences)


def read_covidfact(path: str | Path) -> FactCheckDataset:
    """Read COVID-Fact JSONL (``claim``, ``label`` SUPPORTED/REFUTED, ``evidence`` sentences)."""
    return _generic(path, "covidfact", id_keys=())


def read_jsonl(path: str | Path) -> FactCheckDataset:
    """Read the generic JSONL format described in the module docstring."""
    return _generic(path, "jsonl", id_keys=("id", "claim_id"))


READERS: dict[str, Callable[[str | Path], FactCheckDataset]] = {
    "climate-fever": read_climate_fever,
    "covidfact": read_covidfact,
    "jsonl": read_jsonl,
}


def read_dataset(name: str, path: str | Path) -> FactCheckDataset:
    """Read ``path`` with the reader for dataset ``name`` (a key of ``READERS``).

    Raises:
        DatasetError: unknown dataset name, missing file, or a bad line (named).
    """
    reader = READERS.get(name)
    if reader is None:
        raise DatasetError(f"unknown dataset {name!r}; expected one of {sorted(READERS)}")
    return reader(path)
