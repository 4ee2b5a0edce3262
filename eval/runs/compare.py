"""Side-by-side headline metrics of two scored runs, as a Markdown table.

Usage::

    python -m eval.runs.compare runs/A runs/B

Deltas are B minus A. Each run folder needs a ``metrics.json`` (``eval.runs.score``
writes it).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from eval.runs.report import format_value
from eval.runs.score import METRICS


class RunError(Exception):
    """A run folder has no readable metrics.json."""


def read_headline(run_dir: str | Path) -> dict[str, Any]:
    """The ``headline`` block of a run's metrics.json.

    Raises:
        RunError: the file is missing, not JSON, or has no headline.
    """
    path = Path(run_dir) / METRICS
    if not path.is_file():
        raise RunError(
            f"no {METRICS} in {run_dir}; run `python -m eval.runs.score {run_dir}` first"
        )
    try:
        metrics = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise RunError(f"{path}: not valid JSON ({error.msg})") from error
    headline = metrics.get("headline") if isinstance(metrics, dict) else None
    if not isinstance(headline, dict):
        raise RunError(f"{path}: has no 'headline' block")
    return headline


def _delta(first: Any, second: Any) -> str:
    if isinstance(first, int) and isinstance(second, int):
        return f"{second - first:+d}"
    if isinstance(first, int | float) and isinstance(second, int | float):
        return f"{second - first:+.3f}"
    return ""


def compare_table(
    first: Mapping[str, Any], second: Mapping[str, Any], names: Sequence[str] = ("A", "B")
) -> str:
    """A Markdown table of both runs' headline metrics and B - A.

    Metrics are listed in the first run's order, then any only the second has.

    Example:
        >>> print(compare_table({"accuracy": 0.5}, {"accuracy": 0.75}))
        | metric | A | B | B - A |
        |---|---|---|---|
        | accuracy | 0.500 | 0.750 | +0.250 |
    """
    keys = list(first) + [key for key in second if key not in first]
    lines = [
        f"| metric | {names[0]} | {names[1]} | {names[1]} - {names[0]} |",
        "|---|---|---|---|",
    ]
    for key in keys:
        a, b = first.get(key), second.get(key)
        lines.append(f"| {key} | {format_value(a)} | {format_value(b)} | {_delta(a, b)} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m eval.runs.compare", description="Compare two runs' headline metrics."
    )
    parser.add_argument("run_a", help="first run folder (A)")
    parser.add_argument("run_b", help="second run folder (B)")
    args = parser.parse_args(argv)
    try:
        first, second = read_headline(args.run_a), read_headline(args.run_b)
    except RunError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(compare_table(first, second, (args.run_a, args.run_b)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
