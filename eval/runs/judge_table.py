"""Two judges side by side, from their ``make judge-figures`` report folders, as Markdown.

Usage::

    python -m eval.runs.judge_table runs/judge-before runs/judge [--names "v9" "v10"]

Each folder holds what ``make judge-report`` (or ``make ship-judge``) writes: the
claim sets ``news``, ``swap-news``, ``demo`` and ``swap-demo`` (``eval.runs.corpus_claims``
folders), the judge alone on ``vitaminc.json``, ``fever-pairs.json`` and ``mnli.json``
(``eval.runs.nli``), and where present ``cf-fitted`` and ``fever-fitted``
(``eval.runs.redecide``: the Climate-FEVER and FEVER test halves). Prints the table the
model card gives for each version, then every claim whose verdict differs. A missing
part is a dash, not an error, so a partial report still reads.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

SUPPORTED = "SUPPORTED"
CLAIM_SETS = ("news", "swap-news", "demo", "swap-demo")
JUDGE_ALONE = (
    ("vitaminc.json", "VitaminC validation pairs, accuracy"),
    ("fever-pairs.json", "FEVER validation pairs, 2-way accuracy"),
    ("mnli.json", "MNLI held-out, accuracy"),
)
HALVES = (
    ("cf-fitted", "Climate-FEVER test half: accuracy / macro-F1 / ECE"),
    ("fever-fitted", "FEVER test half: accuracy / macro-F1 / ECE"),
)
PINNED = "Japan sent troops to help Russia in Kursk."
DASH = "-"


def predictions(folder: Path, name: str) -> list[dict[str, Any]]:
    """The claim set's predictions, or none when it was not run."""
    path = folder / name / "predictions.jsonl"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _json(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def claim_counts(records: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Right verdicts, false claims SUPPORTED and true claims not SUPPORTED."""
    return {
        "claims": len(records),
        "right": sum(r["verdict"] == r["gold_label"] for r in records),
        "false_supported": sum(
            r["verdict"] == SUPPORTED and r["gold_label"] != SUPPORTED for r in records
        ),
        "true_missed": sum(
            r["verdict"] != SUPPORTED and r["gold_label"] == SUPPORTED for r in records
        ),
    }


def figures(folder: Path) -> dict[str, str]:
    """One report folder's figures, formatted, by the row they fill."""
    rows: dict[str, str] = {}
    sets = {name: predictions(folder, name) for name in CLAIM_SETS}
    counts = {name: claim_counts(records) for name, records in sets.items() if records}
    swaps = [counts[name] for name in ("swap-news", "swap-demo") if name in counts]
    if swaps:
        parts = " + ".join(str(c["false_supported"]) for c in swaps)
        total = sum(c["false_supported"] for c in swaps)
        rows["swap"] = f"{total} of {sum(c['claims'] for c in swaps)} ({parts})"
    pinned = [r for r in sets["swap-news"] if r["claim"] == PINNED]
    if pinned:
        rows["pinned"] = f"{pinned[0]['verdict']} {pinned[0]['confidence']:.2f}"
    for name in ("news", "demo"):
        if name in counts:
            c = counts[name]
            rows[name] = f"{c['right']} of {c['claims']}"
            rows[f"{name}-errors"] = f"{c['false_supported']} / {c['true_missed']}"
    for file, _ in JUDGE_ALONE:
        metrics = _json(folder / file)
        if metrics:
            rows[file] = f"{metrics['accuracy']:.4f}"
    for name, _ in HALVES:
        metrics = _json(folder / name / "metrics.json")
        if metrics:
            head = metrics["headline"]
            rows[name] = (
                f"{head['shipped_accuracy']:.3f} / {head['shipped_macro_f1']:.3f}"
                f" / {head['shipped_ece']:.3f}"
            )
    return rows


ROWS = (
    ("swap", "one-detail swaps SUPPORTED (news + demo; lower is better)"),
    ("pinned", f'"{PINNED}"'),
    ("news", "news claims right"),
    ("news-errors", "news claims: false SUPPORTED / true not SUPPORTED"),
    ("demo", "demo claims right"),
    ("demo-errors", "demo claims: false SUPPORTED / true not SUPPORTED"),
    *JUDGE_ALONE,
    *HALVES,
)


def table(before: Path, after: Path, names: Sequence[str]) -> str:
    """The Markdown table of both folders' figures."""
    left, right = figures(before), figures(after)
    lines = [f"| measure | {names[0]} | {names[1]} |", "|---|---|---|"]
    for key, label in ROWS:
        lines.append(f"| {label} | {left.get(key, DASH)} | {right.get(key, DASH)} |")
    return "\n".join(lines)


def changed(before: Path, after: Path) -> list[str]:
    """Each claim whose verdict differs between the two, with both verdicts."""
    lines = []
    for name in CLAIM_SETS:
        old = {r["claim"]: r for r in predictions(before, name)}
        for record in predictions(after, name):
            was = old.get(record["claim"])
            if was and was["verdict"] != record["verdict"]:
                lines.append(
                    f"- {name}: {record['claim']} (gold {record['gold_label']}): "
                    f"{was['verdict']} {was['confidence']:.2f} -> "
                    f"{record['verdict']} {record['confidence']:.2f}"
                )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.runs.judge_table", description=__doc__)
    parser.add_argument("before", type=Path, help="the baseline judge's report folder")
    parser.add_argument("after", type=Path, help="the new judge's report folder")
    parser.add_argument("--names", nargs=2, default=("before", "after"), metavar="NAME")
    args = parser.parse_args(argv)
    for folder in (args.before, args.after):
        if not folder.is_dir():
            print(f"error: {folder}: no such report folder", file=sys.stderr)
            return 2
    print(table(args.before, args.after, args.names))
    lines = changed(args.before, args.after)
    print(f"\nVerdicts that changed ({len(lines)}):")
    print("\n".join(lines) if lines else "(none)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
