"""Which matrix products may int8 touch? Quantisation recipes for the ONNX judge, on validation pairs.

Usage::

    python -m eval.int8_recipes --data ckpt/v4/heldout.jsonl \\
        [--model models/nli-minilm-l6] [--threads N] [--out runs/int8-recipes.json]

The judge is exported once at float32. Each recipe quantises that export to
int8 with some matrix products left in float32, and is scored on the same pairs
as the torch model: accuracy, its drop in points, the share of labels the two
agree on, and pairs/s. ``float32`` is the export run unquantised.

Choose on a validation split carved from training data (``models.train_nli``
writes the judge's own as ``heldout.jsonl`` in its output folder), not on the
evaluation sets; then check the chosen recipe with ``eval.backend_accuracy``
on those.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from eval.nli import read_pairs, resolve_format, score
from verifier.backends import (
    down_projections,
    export_float32,
    quantise_int8,
)
from verifier.judging import NLIJudge, resolve_nli_model
from verifier.threads import automatic_threads

logger = logging.getLogger(__name__)

_LAYER = re.compile(r"layer\.(\d+)/")


def matmul_nodes(path: Path) -> list[str]:
    """Names of the matrix products (MatMul and Gemm) in an ONNX file."""
    import onnx

    graph = onnx.load(str(path), load_external_data=False).graph
    return [node.name for node in graph.node if node.op_type in ("MatMul", "Gemm")]


def recipes(float_path: Path) -> dict[str, list[str] | None]:
    """Each candidate's nodes kept float32; ``None`` is no quantisation at all."""
    nodes = matmul_nodes(float_path)
    down = down_projections(float_path)
    layers = sorted({int(m.group(1)) for name in nodes if (m := _LAYER.search(name))})

    def also(match: Callable[[str], bool]) -> list[str]:
        return sorted(set(down) | {name for name in nodes if match(name)})

    return {
        "down projections float32 (shipped)": down,
        "+ pooler and classifier": also(lambda n: "/pooler/" in n or "/classifier/" in n),
        "+ attention output projections": also(lambda n: "/attention/output/" in n),
        "+ first layer": also(lambda n: f"layer.{layers[0]}/" in n),
        "+ last layer": also(lambda n: f"layer.{layers[-1]}/" in n),
        "+ first and last layer": also(
            lambda n: f"layer.{layers[0]}/" in n or f"layer.{layers[-1]}/" in n
        ),
        "float32 (no quantisation)": None,
    }


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


def compare(data: Path, model: str | None, threads: int) -> list[dict[str, Any]]:
    """Torch, then each recipe, on the pairs of ``data``: one record each.

    ``model`` is a plain transformers model (an adapter folder is not merged here).
    """
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    pairs = read_pairs(data, resolve_format(data))
    gold = [pair.label for pair in pairs]
    torch_run = _scored(NLIJudge(model, backend="torch", threads=threads), pairs, gold)
    records = [{"recipe": "torch", **{k: v for k, v in torch_run.items() if k != "labels"}}]
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
        for number, (recipe, keep) in enumerate(recipes(float_path).items()):
            path, backend = float_path, "onnx-fp32"
            if keep is not None:
                path, backend = Path(work) / f"recipe-{number}.onnx", "onnx"
                quantise_int8(float_path, path, keep)
            judge = NLIJudge(model, backend=backend, threads=threads, onnx_file=path)
            run = _scored(judge, pairs, gold)
            agreeing = sum(a == b for a, b in zip(run["labels"], torch_run["labels"], strict=True))
            records.append(
                {
                    "recipe": recipe,
                    "float32_nodes": None if keep is None else len(keep),
                    "accuracy": run["accuracy"],
                    "macro_f1": run["macro_f1"],
                    "drop_points": 100 * (torch_run["accuracy"] - run["accuracy"]),
                    "labels_agreeing": agreeing / len(pairs),
                    "pairs_per_second": run["pairs_per_second"],
                }
            )
            logger.info("%s: %s", recipe, records[-1])
    return records


def table(records: Sequence[dict[str, Any]], pairs: int) -> str:
    lines = [
        f"| recipe ({pairs:,} pairs) | float32 products | accuracy | drop (points) "
        "| labels agreeing with torch | pairs/s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in records:
        nodes = "all" if r.get("float32_nodes", 0) is None else r.get("float32_nodes", "–")
        drop = f"{r['drop_points']:+.2f}" if "drop_points" in r else "–"
        agree = f"{r['labels_agreeing']:.1%}" if "labels_agreeing" in r else "–"
        lines.append(
            f"| {r['recipe']} | {nodes} | {r['accuracy']:.4f} | {drop} | {agree} "
            f"| {r['pairs_per_second']:.0f} |"
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
    parser.add_argument("--out", type=Path, help="write the records as JSON here")
    args = parser.parse_args(argv)
    if not args.data.is_file():
        print(f"error: no such file: {args.data}", file=sys.stderr)
        return 2
    records = compare(args.data, args.model, args.threads or automatic_threads())
    pairs = len(read_pairs(args.data, resolve_format(args.data)))
    print(table(records, pairs))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(records, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
