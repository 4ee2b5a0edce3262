"""Does the ONNX int8 judge score like the torch one? Accuracy of both backends on the same pairs.

Usage::

    python -m eval.runs.backend_accuracy [--model models/nli-minilm-l6] \\
        [--data ../shared/data/nli/mnli_heldout.jsonl ../shared/data/factcheck/climate-fever.jsonl] \\
        [--limit N] [--threads 1] [--tolerance 0.5] [--out runs/backend-accuracy.json]

For each data set it runs ``eval.runs.nli``'s prediction with each backend
(``torch``, ``onnx-fp32``, ``onnx`` int8; one model loaded at a time) and prints a
Markdown table of accuracy, macro-F1, pairs/s and the share of pairs whose label
each ONNX backend shares with torch. The exit code is 1 when an ONNX backend's
accuracy on any set is more than ``--tolerance`` points below torch's, so it can
gate a retrained model: the ONNX export is keyed by the weights' content and
rebuilt for new weights.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.bench.timing import cpu_description
from eval.runs.nli import predict, read_pairs, resolve_format, score
from verifier.backends import BACKENDS, ONNX_BACKENDS

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
DEFAULT_DATA = (
    SHARED_DATA / "nli" / "mnli_heldout.jsonl",
    SHARED_DATA / "factcheck" / "climate-fever.jsonl",
)


def compare(
    data: Path, model: str | None, *, limit: int | None, threads: int | None, batch_size: int
) -> dict[str, Any]:
    """Accuracy, macro-F1 and pairs/s of each backend on one data set, and each ONNX
    backend's accuracy drop below torch and share of labels agreeing with it.

    The record's top-level ``accuracy_drop_points`` and ``label_agreement`` are the
    worst over the ONNX backends.
    """
    pairs = read_pairs(data, resolve_format(data))[:limit]
    gold = [pair.label for pair in pairs]
    labels: dict[str, list[str]] = {}
    record: dict[str, Any] = {"data": str(data), "pairs": len(pairs)}
    for backend in BACKENDS:
        scores, seconds = predict(
            pairs, model, batch_size=batch_size, device="cpu", backend=backend, threads=threads
        )
        labels[backend] = [s.label for s in scores]
        report = score(gold, labels[backend])
        record[backend] = {
            "accuracy": report.accuracy,
            "macro_f1": report.macro_f1,
            "pairs_per_second": len(pairs) / seconds if seconds > 0 else None,
        }
    for backend in ONNX_BACKENDS:
        agreeing = sum(a == b for a, b in zip(labels["torch"], labels[backend], strict=True))
        record[backend]["label_agreement"] = agreeing / max(1, len(pairs))
        record[backend]["drop_points"] = 100 * (
            record["torch"]["accuracy"] - record[backend]["accuracy"]
        )
    record["label_agreement"] = min(record[b]["label_agreement"] for b in ONNX_BACKENDS)
    record["accuracy_drop_points"] = max(record[b]["drop_points"] for b in ONNX_BACKENDS)
    return record


def format_table(records: Sequence[dict[str, Any]]) -> str:
    """A Markdown table: one row per data set and ONNX backend, against torch."""
    lines = [
        "| data | backend | pairs | torch accuracy | its accuracy | drop (points) "
        "| torch macro-F1 | its macro-F1 | labels agreeing | torch pairs/s | its pairs/s |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in records:
        torch = r["torch"]
        for backend in ONNX_BACKENDS:
            b = r[backend]
            lines.append(
                f"| {Path(r['data']).name} | {backend} | {r['pairs']:,} | {torch['accuracy']:.4f} "
                f"| {b['accuracy']:.4f} | {b['drop_points']:+.2f} "
                f"| {torch['macro_f1']:.4f} | {b['macro_f1']:.4f} "
                f"| {b['label_agreement']:.1%} | {torch['pairs_per_second']:.0f} "
                f"| {b['pairs_per_second']:.0f} |"
            )
    return "\n".join(lines) + "\n"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m eval.runs.backend_accuracy", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--model", help="NLI model path or alias (default: the shipped model)")
    parser.add_argument("--data", nargs="+", type=Path, default=list(DEFAULT_DATA))
    parser.add_argument("--limit", type=int, help="only the first N pairs of each set")
    parser.add_argument("--threads", type=int, help="CPU threads (default: automatic)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument(
        "--tolerance",
        type=float,
        default=0.5,
        help="largest accepted accuracy drop of onnx below torch, in points (default 0.5)",
    )
    parser.add_argument("--out", type=Path, help="write the records as JSON here")
    args = parser.parse_args(argv)
    for name in ("limit", "threads", "batch_size"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1, got {value}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    args = parse_args(argv)
    cpu = cpu_description()
    print(cpu, flush=True)
    records = [
        compare(
            path, args.model, limit=args.limit, threads=args.threads, batch_size=args.batch_size
        )
        for path in args.data
    ]
    sys.stdout.write(format_table(records))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        report = {"cpu": cpu, "records": records}
        args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    worst = max(record["accuracy_drop_points"] for record in records)
    return 1 if worst > args.tolerance else 0


if __name__ == "__main__":
    sys.exit(main())
