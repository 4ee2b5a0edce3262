"""Reading JSON Lines with errors that name the file and line."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any


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
        if not isinstance(record, dict):
            raise error(f"{where}: expected a JSON object")
        yield where, record
