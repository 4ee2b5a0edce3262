"""Batch files of claims: reading JSONL/CSV in, writing results out.

Every input field is kept in the output; each result adds ``verdict``,
``confidence`` and ``evidence``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from verifier.claims import claim_text_problem
from verifier.errors import ClaimsFileError
from verifier.records import json_objects, line_number, write_atomically
from verifier.types import Verdict

CLAIMS_SUFFIXES = (".jsonl", ".csv")


def _claims_from_jsonl(text: str, name: str) -> list[dict[str, Any]]:
    records = [
        (line_number(where), record)
        for where, record in json_objects(text.splitlines(), name, ClaimsFileError)
    ]
    return _checked(records, name)


def _claims_from_csv(text: str, name: str) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        if not reader.fieldnames or "claim" not in reader.fieldnames:
            raise ClaimsFileError(
                f'{name}: the CSV header has no "claim" column (found {reader.fieldnames})'
            )
        rows = [(reader.line_num, dict(row)) for row in reader]
    except csv.Error as error:
        raise ClaimsFileError(f"{name}:{reader.line_num}: not readable CSV ({error})") from error
    return _checked(rows, name)


def _checked(records: list[tuple[int, dict[str, Any]]], name: str) -> list[dict[str, Any]]:
    for number, record in records:
        claim = record.get("claim")
        if not isinstance(claim, str) or not claim.strip():
            raise ClaimsFileError(f'{name}:{number}: "claim" is missing or empty')
        problem = claim_text_problem(claim)
        if problem is not None:
            raise ClaimsFileError(f"{name}:{number}: {problem}")
    if not records:
        raise ClaimsFileError(f"{name}: no claims found")
    return [record for _, record in records]


def read_claims(path: str | Path) -> list[dict[str, Any]]:
    """Read a JSONL or CSV file of claims; each record has at least ``"claim"``.

    Raises:
        ClaimsFileError: naming the file and the line at fault.
    """
    path = Path(path)
    if not path.is_file():
        raise ClaimsFileError(f"claims file not found: {path}")
    suffix = path.suffix.lower()
    if suffix not in CLAIMS_SUFFIXES:
        raise ClaimsFileError(
            f"{path.name}: unknown claims format {suffix or '(none)'!r}; use .jsonl or .csv"
        )
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ClaimsFileError(f"{path.name}: not UTF-8 text ({error.reason})") from error
    except OSError as error:
        raise ClaimsFileError(f"{path.name}: cannot read ({error.strerror or error})") from error
    if suffix == ".jsonl":
        return _claims_from_jsonl(text, path.name)
    return _claims_from_csv(text, path.name)


def result_record(record: Mapping[str, Any], verdict: Verdict) -> dict[str, Any]:
    """The input record with the verdict, confidence and evidence added."""
    return {
        **record,
        "verdict": verdict.label,
        "confidence": verdict.confidence,
        "evidence": [item.to_dict() for item in verdict.evidence],
        "warnings": list(verdict.warnings),
    }


def results_csv(records: Iterable[Mapping[str, Any]]) -> str:
    """Flatten result records to CSV: input fields, verdict, confidence, top evidence."""
    rows = []
    for record in records:
        evidence = record.get("evidence") or []
        top = evidence[0] if evidence else {}
        row = {key: value for key, value in record.items() if key not in {"evidence", "warnings"}}
        row["top_evidence"] = top.get("text", "")
        row["top_evidence_source"] = top.get("source", "")
        row["top_evidence_label"] = (top.get("nli") or {}).get("label", "")
        rows.append(row)
    columns: list[str] = []
    for row in rows:
        columns.extend(key for key in row if key not in columns)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                key: value
                if isinstance(value, str | int | float) or value is None
                else json.dumps(value)
                for key, value in row.items()
            }
        )
    return buffer.getvalue()


def write_csv(records: Iterable[Mapping[str, Any]], path: str | Path) -> None:
    """Write :func:`results_csv`, replacing ``path`` only once all is written."""
    write_atomically(path, results_csv(records))
