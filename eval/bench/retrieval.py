"""Dense, lexical (BM25) and hybrid retrieval side by side: recall, index cost and latency.

Usage::

    python -m eval.bench.retrieval --fever runs/fever/claims.jsonl \\
        --climate-fever ../shared/data/factcheck/climate-fever.jsonl \\
        --corpus ../shared/corpus/news --claims eval/claims/news_claims.jsonl \\
        [--repeats 5] [--out runs/bench-retrieval.json]

Recall: a set's evidence and distractor
sentences are one pool (indexed as ``eval.runs.factcheck`` indexes it, each with its
article title), and a claim with gold evidence (SUPPORTED or REFUTED) is found
at ``k`` when one of its gold sentences is among the ``k`` passages retrieved.
Beside the three modes, the two top-50 lists fused by plain reciprocal rank
fusion (k=60), the issue's starting point, for comparison.

Cost: the seconds to build the BM25 index and its share of the saved index
folder, for each pool and the news corpus. Latency on the news corpus: the
p50 of ``retrieve()`` (where the modes differ) and of ``verify()`` (the judge
reads ``top_k`` passages either way), each claim in each mode in turn, so
load on the machine falls on all modes alike. No model is timed here that a
mode does not change. Prints ``cpu_description()`` first.

Scale (``--scale N --scale-texts FILE``): the distinct ``premise`` sentences of
an NLI JSONL file (FEVER's training pairs: real sentences with real names and
figures) repeated to ``N`` passages, each copy its own document, with
synthetic clustered vectors (``eval.bench.scale``) in a
flat FAISS index: the p50 and p95 of ``retrieve()`` per mode (the dense
search is exact here, so what hybrid adds is the figure to read), the
seconds to tokenise and fit the BM25 index, and its bytes saved.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from eval.bench.scale import synthetic_vectors
from eval.bench.timing import cpu_description, median, percentile
from eval.fit.split import DEV, TEST, split_of
from eval.runs.datasets import read_dataset
from eval.runs.factcheck import pool_passages
from verifier import Passage, Verifier, VerifierConfig, read_claims
from verifier.retrieval import (
    DENSE,
    FUSION_DEPTH,
    HYBRID,
    LEXICAL,
    RETRIEVAL_MODES,
    Embedder,
    FaissStore,
    LexicalIndex,
    lexical_text,
)

ALL = "all"
RRF = "hybrid, reciprocal rank fusion (k=60)"
RRF_K = 60
KS = (5, 20)


def reciprocal_rank_fusion(dense: Sequence[int], lexical: Sequence[int], k: int) -> list[int]:
    """The ``k`` best positions by the sum of ``1 / (60 + rank)`` over the lists holding each."""
    scores: dict[int, float] = {}
    for ranking in (dense, lexical):
        for rank, position in enumerate(ranking, start=1):
            scores[position] = scores.get(position, 0.0) + 1.0 / (RRF_K + rank)
    return sorted(scores, key=lambda position: -scores[position])[:k]


def recall(path: Path, dataset: str, embedder: Embedder) -> dict[str, Any]:
    """Recall@5 and @20 of each mode and of plain RRF over one set's pool, per half and overall.

    The halves are ``eval.fit.split``'s, by a hash of the claim id: the fusion
    settings were chosen on FEVER's dev half, so its test half is the figure to read.
    """
    data = read_dataset(dataset, path)
    claims = [
        (example.claim, set(example.gold_evidence), split_of(example.claim_id))
        for example in data.examples
        if example.gold_evidence and example.label in ("SUPPORTED", "REFUTED")
    ]
    passages = pool_passages(data)
    started = time.perf_counter()
    verifier = Verifier.from_passages(passages, embedder=embedder)
    indexing_s = time.perf_counter() - started
    cost = lexical_cost(verifier, [lexical_text(passage) for passage in passages], indexing_s)
    texts = [claim for claim, _, _ in claims]
    found: dict[str, list[list[str]]] = {}
    for mode in RETRIEVAL_MODES:
        moded = verifier.with_config(replace(verifier.config, retrieval=mode))
        found[mode] = [[hit.passage.text for hit in moded.retrieve(t, max(KS))] for t in texts]
    vectors = embedder.encode(texts)
    dense = verifier.index.search(vectors, FUSION_DEPTH)
    lexical = verifier.index.lexical_search(texts, FUSION_DEPTH)
    found[RRF] = [
        [passages[p].text for p in reciprocal_rank_fusion([p for p, _ in d], [p for p, _ in b], 20)]
        for d, b in zip(dense, lexical, strict=True)
    ]
    halves = {ALL: None, DEV: DEV, TEST: TEST}
    counts = {name: sum(half in (None, s) for _, _, s in claims) for name, half in halves.items()}
    rows = {
        name: {
            half_name: {
                f"recall@{k}": sum(
                    bool(set(hits[:k]) & gold)
                    for hits, (_, gold, split) in zip(lists, claims, strict=True)
                    if half in (None, split)
                )
                / counts[half_name]
                for k in KS
            }
            for half_name, half in halves.items()
        }
        for name, lists in found.items()
    }
    return {"claims": counts, "pool": len(passages), "recall": rows, "cost": cost}


def saved_bytes(save: Callable[[str], object]) -> tuple[int, int]:
    """Bytes of the index folder ``save`` writes, in all and of its BM25 index."""

    def size(folder: Path) -> int:
        return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())

    with tempfile.TemporaryDirectory() as folder:
        save(folder)
        version = next(Path(folder).glob("v-*"))
        return size(version), size(version / "lexical")


def lexical_cost(verifier: Verifier, texts: Sequence[str], indexing_s: float) -> dict[str, Any]:
    """Seconds to build the BM25 index alone, and its bytes in a saved index folder."""
    started = time.perf_counter()
    LexicalIndex.build(texts)
    build_s = time.perf_counter() - started
    total, lexical = saved_bytes(verifier.save)
    return {
        "passages": len(texts),
        "indexing_s": indexing_s,
        "bm25_build_s": build_s,
        "index_bytes": total,
        "bm25_bytes": lexical,
    }


def latency(corpus: Path, claims_path: Path, repeats: int, embedder: Embedder) -> dict[str, Any]:
    """p50 ms of ``retrieve()`` and ``verify()`` per mode on a corpus, modes interleaved."""
    started = time.perf_counter()
    verifier = Verifier.from_corpus(corpus, embedder=embedder)
    indexing_s = time.perf_counter() - started
    cost = lexical_cost(verifier, [lexical_text(p) for p in verifier.passages], indexing_s)
    claims = [str(record["claim"]) for record in read_claims(claims_path)]
    moded = {
        mode: verifier.with_config(replace(verifier.config, retrieval=mode))
        for mode in RETRIEVAL_MODES
    }
    for mode in RETRIEVAL_MODES:  # warm up: models loaded, caches filled
        moded[mode].verify(claims[0])
    retrieve_s: dict[str, list[float]] = {mode: [] for mode in RETRIEVAL_MODES}
    verify_s: dict[str, list[float]] = {mode: [] for mode in RETRIEVAL_MODES}
    for _ in range(repeats):
        for claim in claims:
            for mode in RETRIEVAL_MODES:
                started = time.perf_counter()
                moded[mode].retrieve(claim)
                retrieve_s[mode].append(time.perf_counter() - started)
                started = time.perf_counter()
                moded[mode].verify(claim)
                verify_s[mode].append(time.perf_counter() - started)
    return {
        "claims": len(claims),
        "repeats": repeats,
        "passages": len(verifier.passages),
        "retrieve_p50_ms": {mode: 1000 * median(s) for mode, s in retrieve_s.items()},
        "verify_p50_ms": {mode: 1000 * median(s) for mode, s in verify_s.items()},
        "cost": cost,
    }


def scale_latency(
    texts_path: Path, claims_path: Path, size: int, repeats: int, embedder: Embedder
) -> dict[str, Any]:
    """p50/p95 ms of ``retrieve()`` per mode over ``size`` passages, and the BM25 index's cost."""
    with texts_path.open(encoding="utf-8") as handle:
        base = list(
            dict.fromkeys(str(json.loads(line)["premise"]) for line in handle if line.strip())
        )
    passages = [
        Passage(f"p{n}", texts_path.name, "", base[n % len(base)], 0, len(base[n % len(base)]))
        for n in range(size)
    ]
    store = FaissStore(embedder.dimension, "flat", embedder.model_id)
    vectors = synthetic_vectors(size, seed=0)
    started = time.perf_counter()
    store.add(vectors, passages)
    store.lexical_search(["warm"], 1)  # the BM25 arrays are fitted at the first search
    indexing_s = time.perf_counter() - started
    total, lexical = saved_bytes(store.save)
    verifier = Verifier.open(store, embedder=embedder)
    claims = [str(record["claim"]) for record in read_claims(claims_path)]
    moded = {
        mode: verifier.with_config(replace(verifier.config, retrieval=mode))
        for mode in RETRIEVAL_MODES
    }
    for mode in RETRIEVAL_MODES:
        moded[mode].retrieve(claims[0])
    retrieve_s: dict[str, list[float]] = {mode: [] for mode in RETRIEVAL_MODES}
    # The BM25 list alone, as hybrid asks for it: what hybrid adds to a dense retrieve()
    # besides fusing two lists of 50 (the dense search's own noise hides it at this size).
    bm25_s: list[float] = []
    for _ in range(repeats):
        for claim in claims:
            for mode in RETRIEVAL_MODES:
                started = time.perf_counter()
                moded[mode].retrieve(claim)
                retrieve_s[mode].append(time.perf_counter() - started)
            started = time.perf_counter()
            store.lexical_search([claim], FUSION_DEPTH)
            bm25_s.append(time.perf_counter() - started)
    return {
        "bm25_search_p50_ms": 1000 * median(bm25_s),
        "bm25_search_p95_ms": 1000 * percentile(bm25_s, 95),
        "passages": size,
        "distinct_passages": len(base),
        "claims": len(claims),
        "repeats": repeats,
        "retrieve_p50_ms": {mode: 1000 * median(s) for mode, s in retrieve_s.items()},
        "retrieve_p95_ms": {mode: 1000 * percentile(s, 95) for mode, s in retrieve_s.items()},
        "bm25_indexing_s": indexing_s,
        "index_bytes": total,
        "bm25_bytes": lexical,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m eval.bench.retrieval", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--fever", type=Path, help="FEVER validation claims (eval.runs.fever_claims)"
    )
    parser.add_argument("--climate-fever", type=Path, help="climate-fever.jsonl")
    parser.add_argument("--corpus", type=Path, help="corpus for the latency (the news corpus)")
    parser.add_argument("--claims", type=Path, default=Path("eval/claims/news_claims.jsonl"))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--scale",
        type=int,
        help="time retrieve() over this many passages (--scale-texts repeated)",
    )
    parser.add_argument("--scale-texts", type=Path, help="NLI JSONL whose premises --scale repeats")
    parser.add_argument(
        "--embedder",
        help="the dense side's sentence embedder: minilm (shipped, the default), mpnet "
        "(all-mpnet-base-v2 from its PyPI pieces) or a folder",
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    cpu = cpu_description()
    print(cpu, flush=True)
    embedder = Embedder(args.embedder)
    report: dict[str, Any] = {
        "cpu": cpu,
        "default": VerifierConfig.retrieval,
        "embedder": embedder.model_id,
    }
    sets = [
        ("FEVER validation", args.fever, "jsonl"),
        ("Climate-FEVER", args.climate_fever, "climate-fever"),
    ]
    for name, path, dataset in sets:
        if path is None:
            continue
        result = recall(path, dataset, embedder)
        report[name] = result
        counts = ", ".join(f"{half} {count:,}" for half, count in result["claims"].items())
        print(f"\n{name}: claims {counts}; pool {result['pool']:,}")
        print(
            "| retrieval | test @5 | test @20 | dev @5 | dev @20 | all @5 | all @20 |\n"
            "|---|---:|---:|---:|---:|---:|---:|"
        )
        for mode, halves in result["recall"].items():
            cells = " | ".join(
                f"{halves[half]['recall@5']:.4f} | {halves[half]['recall@20']:.4f}"
                for half in (TEST, DEV, ALL)
            )
            print(f"| {mode} | {cells} |")
        print_cost(result["cost"])
    if args.corpus is not None:
        result = latency(args.corpus, args.claims, args.repeats, embedder)
        report["news"] = result
        print(
            f"\n{args.corpus}: {result['passages']} passages, {result['claims']} claims "
            f"x {result['repeats']} repeats"
        )
        print("| retrieval | retrieve() p50 ms | verify() p50 ms |\n|---|---:|---:|")
        for mode in RETRIEVAL_MODES:
            print(
                f"| {mode} | {result['retrieve_p50_ms'][mode]:.2f} "
                f"| {result['verify_p50_ms'][mode]:.1f} |"
            )
        for mode in (LEXICAL, HYBRID):
            added = result["retrieve_p50_ms"][mode] - result["retrieve_p50_ms"][DENSE]
            print(f"{mode} adds {added:+.2f} ms to retrieve() p50 over dense")
        print_cost(result["cost"])
    if args.scale_texts is not None and args.scale:
        result = scale_latency(args.scale_texts, args.claims, args.scale, args.repeats, embedder)
        report["scale"] = result
        print(
            f"\n{result['passages']:,} passages ({result['distinct_passages']:,} distinct, "
            f"repeated), {result['claims']} claims x {result['repeats']} repeats"
        )
        print("| retrieval | retrieve() p50 ms | p95 ms |\n|---|---:|---:|")
        for mode in RETRIEVAL_MODES:
            print(
                f"| {mode} | {result['retrieve_p50_ms'][mode]:.1f} "
                f"| {result['retrieve_p95_ms'][mode]:.1f} |"
            )
        added = result["retrieve_p50_ms"][HYBRID] - result["retrieve_p50_ms"][DENSE]
        print(f"hybrid adds {added:+.1f} ms to retrieve() p50 over dense")
        print(
            f"the BM25 list of {FUSION_DEPTH} alone (what hybrid adds, fusion aside): "
            f"p50 {result['bm25_search_p50_ms']:.2f} ms, p95 {result['bm25_search_p95_ms']:.2f} ms"
        )
        print(
            f"BM25 tokenised and fitted in {result['bm25_indexing_s']:.1f} s; saved index "
            f"{result['index_bytes'] / 1e6:.0f} MB, BM25 {result['bm25_bytes'] / 1e6:.0f} MB of it"
        )
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


def print_cost(cost: dict[str, Any]) -> None:
    print(
        f"indexing {cost['passages']:,} passages: {cost['indexing_s']:.2f} s in all, "
        f"BM25 alone {cost['bm25_build_s']:.2f} s; saved index {cost['index_bytes'] / 1e6:.2f} MB, "
        f"BM25 {cost['bm25_bytes'] / 1e6:.2f} MB of it"
    )


if __name__ == "__main__":
    sys.exit(main())
