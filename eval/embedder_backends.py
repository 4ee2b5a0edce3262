"""Does the embedder retrieve the same evidence on every backend? Recall@k per backend.

Usage::

    python -m eval.embedder_backends --data runs/fever/claims.jsonl \\
        [--dataset jsonl|climate-fever] [--k 5] [--backends torch onnx-fp32 onnx] [--out FILE]

Every evidence and distractor sentence of the set goes into one pool; each
claim with gold evidence (SUPPORTED or REFUTED) is embedded and its ``k``
nearest pool sentences found by exact inner product. Per backend: recall@k
(the share of claims with a gold sentence among their ``k``), the share of
claims whose ``k`` sentences equal torch's, passages/s embedding the pool, and
the share of a claim's ``k`` that torch also returns.

It is what the embedder's default was weighed on: int8 keeps recall within
half a point of torch's and embeds about 1.4 times faster than float32, but
its vectors depend on the texts batched beside them (activations share one
int8 scale per batch), so the same claim could retrieve differently alone and
in a batch; the default stays float32 and int8 is ``--backend onnx-int8``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from eval.datasets import read_dataset
from eval.timing import cpu_description
from verifier.backends import BACKENDS
from verifier.retrieval import Embedder


def pool_and_claims(path: Path, dataset: str) -> tuple[list[str], list[tuple[str, set[str]]]]:
    """The set's sentences (gold and distractors, once each) and its claims with gold evidence."""
    data = read_dataset(dataset, path)
    checked = [
        (example.claim, set(example.gold_evidence))
        for example in data.examples
        if example.gold_evidence and example.label in ("SUPPORTED", "REFUTED")
    ]
    return [sentence.text for sentence in data.pool], checked


def retrieve(
    backend: str, pool: Sequence[str], claims: Sequence[str], k: int
) -> tuple[list[list[int]], float]:
    """Each claim's ``k`` nearest pool sentences (positions), and pool passages/s."""
    embedder = Embedder(backend=backend)
    embedder.encode(list(pool[:64]))  # load and warm up
    started = time.perf_counter()
    vectors = embedder.encode(list(pool))
    rate = len(pool) / (time.perf_counter() - started)
    queries = embedder.encode(list(claims))
    scores = queries @ vectors.T
    top = np.argsort(-scores, axis=1)[:, :k]
    return top.tolist(), rate


def compare(path: Path, dataset: str, k: int, backends: Sequence[str]) -> list[dict[str, Any]]:
    pool, checked = pool_and_claims(path, dataset)
    texts = [claim for claim, _ in checked]
    results = {backend: retrieve(backend, pool, texts, k) for backend in backends}
    reference = results[backends[0]][0]
    records = []
    for backend, (top, rate) in results.items():
        found = sum(
            any(pool[i] in gold for i in row) for row, (_, gold) in zip(top, checked, strict=True)
        )
        same = sum(set(a) == set(b) for a, b in zip(top, reference, strict=True))
        shared = sum(len(set(a) & set(b)) for a, b in zip(top, reference, strict=True))
        records.append(
            {
                "backend": backend,
                "claims": len(checked),
                "pool": len(pool),
                "recall_at_k": found / len(checked),
                "same_top_k_as_first": same / len(checked),
                "shared_of_top_k": shared / (k * len(checked)),
                "passages_per_second": rate,
            }
        )
    return records


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m eval.embedder_backends", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--dataset", default="jsonl", help="jsonl or climate-fever (default jsonl)")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    if not args.data.is_file():
        print(f"error: no such file: {args.data}", file=sys.stderr)
        return 2
    cpu = cpu_description()
    print(cpu, flush=True)
    records = compare(args.data, args.dataset, args.k, args.backends)
    first = args.backends[0]
    print(
        f"| backend | claims | pool | recall@{args.k} | same top-{args.k} as {first} "
        f"| share of {first}'s top-{args.k} | pool passages/s |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in records:
        print(
            f"| {r['backend']} | {r['claims']:,} | {r['pool']:,} | {r['recall_at_k']:.4f} "
            f"| {r['same_top_k_as_first']:.1%} | {r['shared_of_top_k']:.1%} "
            f"| {r['passages_per_second']:.0f} |"
        )
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        report = {"cpu": cpu, "records": records}
        args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
