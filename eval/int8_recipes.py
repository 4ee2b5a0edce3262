"""Which int8 weight format is right on every x86 CPU? Quantisation recipes for the ONNX judge.

Usage::

    python -m eval.int8_recipes --data VALIDATION.jsonl \\
        [--model models/nli-minilm-l6] [--threads N] [--emulate-avx2 N] \\
        [--out runs/int8-recipes.json]

The judge is exported once at float32. Each recipe quantises that export with
the feed-forward down projections left in float32 and the weights in one
format (:data:`verifier.backends.WEIGHT_FORMATS`): 8-bit signed (the recipe
before version 3), 7-bit signed (shipped) or 8-bit unsigned. Each is scored on
the same pairs as the torch model: accuracy, its drop in points, the share of
labels the two agree on, and pairs/s. ``float32`` is the export run unquantised.

These figures are this CPU's: int8 arithmetic differs between CPUs (x86
without VNNI saturates 8-bit signed weights' products, :mod:`eval.avx2_int8`).
``--emulate-avx2 N`` also scores the 8-bit recipe on N pairs spread evenly
through the file as such a CPU computes it (slow: seconds a batch). The other
formats cannot saturate, so their integer sums are the same on every x86 CPU. The output starts with the CPU.

Choose on a validation split carved from training data (``models.train_nli``
writes the judge's own as ``heldout.jsonl`` in its output folder), not on the
evaluation sets; then check the chosen recipe with ``eval.backend_accuracy``
on those.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.avx2_int8 import Avx2Session
from eval.nli import read_pairs, resolve_format, score
from eval.timing import cpu_description
from verifier.backends import (
    INT8_WEIGHTS,
    down_projections,
    export_float32,
    pad_batch,
    quantise_int8,
)
from verifier.judging import NLIJudge, resolve_nli_model
from verifier.threads import automatic_threads

logger = logging.getLogger(__name__)

RECIPES = {
    "8-bit weights (before v3)": "s8",
    "7-bit weights (shipped)": "s7",
    "unsigned 8-bit weights": "u8",
    "float32 (no quantisation)": None,
}
"""Each candidate's weight format; ``None`` is no quantisation at all."""
SATURATING = {"s8"}
"""The formats whose u8 x s8 pair sums can pass 16 bits (:func:`eval.avx2_int8.saturated_matmul_integer`)."""


def _scored(judge: NLIJudge, pairs: Sequence[Any], gold: Sequence[str]) -> dict[str, Any]:
    started = time.perf_counter()
    labels = [s.label for s in judge.predict([(p.premise, p.hypothesis) for p in pairs])]
    seconds = time.perf_counter() - started
    report = score(gold, labels)
    return {
        "labels": labels,
        "accuracy": report.accuracy,
        "macro_f1": report.macro_f1,
        "pairs_per_second": len(pairs) / seconds,
    }


def avx2_labels(judge: NLIJudge, path: Path, pairs: Sequence[Any], batch_size: int = 32) -> list:
    """The labels of ``pairs`` from the int8 file ``path`` as an x86 CPU without VNNI computes them.

    Pairs are batched as :meth:`NLIJudge.predict` batches them (sorted by token
    count), since int8 activations share one scale per batch.
    """
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(judge.model_name)
    names = judge.input_names
    labels_by_index = {index: label for label, index in judge.label_index.items()}
    encoded = tokenizer(
        [p.premise for p in pairs],
        [p.hypothesis for p in pairs],
        truncation="longest_first",
        max_length=judge.max_length,
    )
    order = sorted(range(len(pairs)), key=lambda i: len(encoded["input_ids"][i]))
    session = Avx2Session(path)
    labels: list[str] = [""] * len(pairs)
    for offset in range(0, len(order), batch_size):
        chunk = order[offset : offset + batch_size]
        rows = [{name: encoded[name][i] for name in names} for i in chunk]
        (logits,) = session.run(None, pad_batch(rows, names, tokenizer.pad_token_id or 0))
        for i, best in zip(chunk, logits.argmax(axis=1).tolist(), strict=True):
            labels[i] = labels_by_index[best]
    return labels


def compare(
    data: Path, model: str | None, threads: int, emulate_avx2: int = 0
) -> list[dict[str, Any]]:
    """Torch, then each recipe, on the pairs of ``data``: one record each.

    ``model`` is a plain transformers model (an adapter folder is not merged
    here). With ``emulate_avx2`` N, the records of recipes whose weights can
    saturate (8-bit signed) also hold their scores on N pairs spread evenly
    through the file as an x86 CPU without VNNI computes them.
    """
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    pairs = read_pairs(data, resolve_format(data))
    gold = [pair.label for pair in pairs]
    torch_run = _scored(NLIJudge(model, backend="torch", threads=threads), pairs, gold)
    records = [{"recipe": "torch", **{k: v for k, v in torch_run.items() if k != "labels"}}]
    spread = sorted({len(pairs) * i // emulate_avx2 for i in range(emulate_avx2)})
    emulated = [pairs[i] for i in spread]
    emulated_gold = [gold[i] for i in spread]
    emulated_torch = [torch_run["labels"][i] for i in spread]
    name = resolve_nli_model(model)
    module = AutoModelForSequenceClassification.from_pretrained(name).float().eval()
    with tempfile.TemporaryDirectory() as work:
        float_path = Path(work) / "model.float32.onnx"
        export_float32(
            module,
            tuple(AutoTokenizer.from_pretrained(name).model_input_names),
            lambda loaded, inputs: loaded(**inputs).logits,
            "logits",
            float_path,
        )
        keep = down_projections(float_path)
        for recipe, weights in RECIPES.items():
            path, backend = float_path, "onnx-fp32"
            if weights is not None:
                path, backend = Path(work) / f"{weights}.onnx", "onnx-int8"
                quantise_int8(float_path, path, keep, weights)
            judge = NLIJudge(model, backend=backend, threads=threads, onnx_file=path)
            run = _scored(judge, pairs, gold)
            record = {
                "recipe": recipe,
                "weights": weights,
                "accuracy": run["accuracy"],
                "macro_f1": run["macro_f1"],
                "drop_points": 100 * (torch_run["accuracy"] - run["accuracy"]),
                "labels_agreeing": _agreeing(run["labels"], torch_run["labels"]),
                "pairs_per_second": run["pairs_per_second"],
            }
            if emulated and weights in SATURATING:
                labels = avx2_labels(judge, path, emulated)
                here = [run["labels"][i] for i in spread]
                record["avx2"] = {
                    "pairs": len(emulated),
                    "accuracy": score(emulated_gold, labels).accuracy,
                    "accuracy_here": score(emulated_gold, here).accuracy,
                    "labels_agreeing": _agreeing(labels, emulated_torch),
                    "labels_as_here": _agreeing(labels, here),
                }
            records.append(record)
            logger.info("%s: %s", recipe, record)
    return records


def _agreeing(labels: Sequence[str], reference: Sequence[str]) -> float:
    """The share of ``labels`` equal to ``reference``'s."""
    return sum(a == b for a, b in zip(labels, reference, strict=True)) / len(labels)


def table(records: Sequence[dict[str, Any]], pairs: int) -> str:
    lines = [
        f"| recipe ({pairs:,} pairs) | accuracy | drop (points) "
        "| labels agreeing with torch | pairs/s |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in records:
        drop = f"{r['drop_points']:+.2f}" if "drop_points" in r else "–"
        agree = f"{r['labels_agreeing']:.1%}" if "labels_agreeing" in r else "–"
        lines.append(
            f"| {r['recipe']} | {r['accuracy']:.4f} | {drop} | {agree} "
            f"| {r['pairs_per_second']:.0f} |"
        )
    emulated = [r for r in records if "avx2" in r]
    if emulated:
        n = emulated[0]["avx2"]["pairs"]
        lines += [
            "",
            f"| recipe, as x86 without VNNI computes it (emulated, {n:,} pairs) "
            "| accuracy | accuracy here | labels agreeing with torch | labels as here |",
            "|---|---:|---:|---:|---:|",
        ]
        for r in emulated:
            a = r["avx2"]
            lines.append(
                f"| {r['recipe']} | {a['accuracy']:.4f} | {a['accuracy_here']:.4f} "
                f"| {a['labels_agreeing']:.1%} | {a['labels_as_here']:.1%} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(
        prog="python -m eval.int8_recipes", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--data", type=Path, required=True, help="validation pairs (JSONL)")
    parser.add_argument("--model", help="NLI model path (default: the shipped fast judge)")
    parser.add_argument("--threads", type=int, help="CPU threads (default: automatic)")
    parser.add_argument(
        "--emulate-avx2",
        type=int,
        default=0,
        metavar="N",
        help="also score each int8 recipe on the first N pairs as x86 without VNNI computes it",
    )
    parser.add_argument("--out", type=Path, help="write the records as JSON here")
    args = parser.parse_args(argv)
    if not args.data.is_file():
        print(f"error: no such file: {args.data}", file=sys.stderr)
        return 2
    cpu = cpu_description()
    print(cpu, flush=True)
    records = compare(args.data, args.model, args.threads or automatic_threads(), args.emulate_avx2)
    pairs = len(read_pairs(args.data, resolve_format(args.data)))
    print(table(records, pairs))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        report = {"cpu": cpu, "shipped_weights": INT8_WEIGHTS, "records": records}
        args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
