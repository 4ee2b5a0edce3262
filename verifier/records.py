"""Reading record files (JSON Lines, SciFact TSV) and writing files atomically.

Every reader names the file and line of a bad record; every writer replaces its
target only once the whole file is written.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCIFACT_HEADER = ("sentence1", "sentence2", "entailment")


def json_objects(
    lines: Iterable[str], name: str, error: type[Exception]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield ``("name:line", object)`` for each non-blank line.

    Args:
        lines: an open text file or any iterable of lines.
        name: the file's name, used in error messages.
        error: the exception type to raise for a line that is not a JSON object.

    Example:
        >>> list(json_objects(['{"a": 1}', "", '{"b": 2}'], "x.jsonl", ValueError))
        [('x.jsonl:1', {'a': 1}), ('x.jsonl:3', {'b': 2})]
    """
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{name}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as decode_error:
            raise error(f"{where}: not valid JSON ({decode_error.msg})") from decode_error
        except RecursionError as deep:
            raise error(f"{where}: JSON nested too deeply to read") from deep
        if not isinstance(record, dict):
            raise error(f"{where}: expected a JSON object")
        yield where, record


def line_number(where: str) -> int:
    """The line of a ``"name:line"`` place given by :func:`json_objects`."""
    return int(where.rsplit(":", 1)[1])


@dataclass(frozen=True)
class SciFactRow:
    """One row of the SciFact RTE TSV: evidence, claim, and ``entailment``/``not_entailment``."""

    where: str
    evidence: str
    claim: str
    label: str


def scifact_rows(handle: Iterable[str], name: str, error: type[Exception]) -> Iterator[SciFactRow]:
    """Read ``index, sentence1 (evidence), sentence2 (claim), entailment`` rows.

    Raises:
        error: the header is not SciFact's, or a row lacks one of the four columns.
    """
    reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header[1:4]) != SCIFACT_HEADER:
        raise error(f"{name}:1: expected the header 'index sentence1 sentence2 entailment'")
    for row in reader:
        if not row:
            continue
        where = f"{name}:{reader.line_num}"
        if len(row) != 4:
            raise error(f"{where}: expected 4 tab-separated columns, got {len(row)}")
        yield SciFactRow(where, row[1], row[2], row[3])


def write_atomically(path: str | Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it over ``path``.

    A crash mid-write leaves the previous file (or none), never half a file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_jsonl(records: Iterable[dict[str, Any]], path: str | Path) -> None:
    """Write one JSON object a line, replacing ``path`` only once all is written."""
    write_atomically(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
