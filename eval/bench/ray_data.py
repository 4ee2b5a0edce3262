"""Batch checking on Ray Data against one process, and what a cluster would take.

    python -m eval.bench.ray_data --corpus ../shared/corpus/news --out runs/scale/ray
    python -m eval.bench.ray_data --corpus ../shared/corpus/news --store milvus-server \
        --out runs/scale/ray-milvus
    python -m eval.bench.ray_data --report runs/scale/ray/bench_ray.json   # re-derive the estimate

Measures, with the shipped models on one corpus, at several numbers of claims:

- ``verify_many`` in this process, with the torch threads the library picks (the
  cores less the load average, as ``check --claims`` runs; recorded), and
- ``check_on_ray`` with a local Ray of ``--workers`` single-threaded actors,

each end to end, as a user of ``check --claims`` pays it: loading the models (Ray:
starting Ray and its actors too), checking, and for Ray shutting down. Sizes and
engines alternate within each repeat, so that other jobs on the machine weigh on both
alike; the report gives medians and the median of the per-repeat ratios, and how many
claims got another verdict from Ray than from ``verify_many`` (expected: none).

The corpus is indexed once, before the timing, into the store both engines read: a
FAISS folder (``--store faiss``, the default), or a collection on a Milvus server
started for the run (``--store milvus-server``: PyPI's ``milvus``, HNSW with the
store's defaults, as ``check --engine ray --store milvus --milvus-uri URI`` reads it).
A 2.3 server has no BM25, so retrieval over it is dense only (the report says which).

A straight line through (claims, seconds) gives each engine's fixed cost (its
intercept) and its steady rate (its slope); the Ray rate divided by its actors is
the per-actor rate the cluster estimate starts from. The estimate is arithmetic on
that rate and on assumptions named in its output (search latency at 50M passages,
the judge's speed on a GPU); it is re-derived from the JSON without measuring again.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eval.bench.milvus import MILVUS_SERVER, milvus_server, wait_until_indexed
from eval.bench.timing import cpu_description, median

if TYPE_CHECKING:
    from verifier.io import VerifierRecipe
    from verifier.pipeline import Verifier

logger = logging.getLogger(__name__)

FAISS = "faiss"
STORES = (FAISS, MILVUS_SERVER)

DEFAULT_SIZES = (10, 100, 1000)
ESTIMATE_CLAIMS = 1_000_000
ESTIMATE_PASSAGES = 50_000_000
WORKERS = (1, 8, 32, 128)
GPU_JUDGE_PAIRS_PER_S = 1800.0
GPU_SOURCE = (
    "cross-encoder/ms-marco-MiniLM-L-6-v2 model card: 1,800 query-passage pairs/s on one "
    "V100 for the same 6-layer, 384-wide MiniLM cross-encoder as the fast judge (longer "
    "MS MARCO passages, an older GPU: a conservative figure)"
)
SEARCH_MS_PER_CLAIM = 2.0
SEARCH_SOURCE = (
    "assumed, not measured: this project measured HNSW at 0.51 ms a query at 1M passages; "
    "HNSW search grows with log(N), and a Milvus cluster adds a network hop, so 2 ms a "
    "claim at 50M passages, on search nodes that keep up with the workers' query rate"
)


@dataclass(frozen=True)
class Fit:
    """Seconds = fixed_s + claims / claims_per_s, through each size's median time."""

    fixed_s: float
    claims_per_s: float


def fit_line(sizes: Sequence[int], seconds: Sequence[float]) -> Fit:
    """Least-squares line through (claims, seconds): its intercept and 1 / slope.

    Raises:
        ValueError: the seconds do not grow with the claims (noise swamps the work:
            measure larger sizes).

    Example:
        >>> fit_line([10, 100, 1000], [2.1, 3.0, 12.0])
        Fit(fixed_s=2.0, claims_per_s=100.0)
    """
    mean_n, mean_s = statistics.fmean(sizes), statistics.fmean(seconds)
    spread = sum((n - mean_n) ** 2 for n in sizes)
    slope = sum((n - mean_n) * (s - mean_s) for n, s in zip(sizes, seconds, strict=True)) / spread
    if slope <= 0:
        raise ValueError(f"seconds {list(seconds)} do not grow with claims {list(sizes)}")
    return Fit(fixed_s=round(mean_s - slope * mean_n, 6), claims_per_s=round(1.0 / slope, 6))


def break_even_claims(local: Fit, ray: Fit) -> float | None:
    """The number of claims past which Ray finishes first; ``None`` if it never does."""
    ray_slope, local_slope = 1.0 / ray.claims_per_s, 1.0 / local.claims_per_s
    if ray_slope >= local_slope:
        return None
    return max(0.0, (ray.fixed_s - local.fixed_s) / (local_slope - ray_slope))


def claims_from_passages(passages: Sequence[str], count: int) -> list[dict[str, Any]]:
    """``count`` claim records: the corpus's sentences of 6 to 40 words, cycled if too few.

    Claims taken from the corpus retrieve and judge as real claims do (their own
    sentence and its neighbours come back), unlike random text.
    """
    usable = [text for text in passages if 6 <= len(text.split()) <= 40]
    if not usable:
        raise ValueError("the corpus has no sentence of 6 to 40 words to use as a claim")
    return [{"claim": usable[i % len(usable)], "id": i} for i in range(count)]


def verdicts_differing(local: Sequence[str | None], ray: Sequence[str | None]) -> int:
    """How many claims got another verdict from one engine than from the other.

    A claim that failed in a Ray actor has the verdict ``None``, and so differs.

    Raises:
        ValueError: the engines returned verdicts for different numbers of claims.

    Example:
        >>> verdicts_differing(["SUPPORTED", "REFUTED"], ["SUPPORTED", None])
        1
    """
    return sum(ours != theirs for ours, theirs in zip(local, ray, strict=True))


def _timed(run: Callable[[], Any]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


@dataclass(frozen=True)
class IndexedCorpus:
    """The corpus indexed once, and how each engine opens the same store again.

    Attributes:
        verifier: over the store, as indexing left it (claims are drawn from its passages).
        recipe: what both engines build their verifier from.
        index_s: seconds to index the corpus.
        description: the store in a few words, for the report.
    """

    verifier: Verifier
    recipe: VerifierRecipe
    index_s: float
    description: str


@contextmanager
def indexed_corpus(corpus: Sequence[str], store: str, scratch: Path) -> Iterator[IndexedCorpus]:
    """Index ``corpus`` into a FAISS folder in ``scratch``, or a Milvus server run from it.

    ``index_s`` covers reading, embedding and storing the passages; on a server also
    waiting until its HNSW index covers them all and is loaded, so that no timed run
    searches unindexed rows. The server stops when the block ends.
    """
    from verifier.config import VerifierConfig
    from verifier.io import VerifierRecipe
    from verifier.pipeline import Verifier
    from verifier.retrieval import Embedder, MilvusStore

    if store not in STORES:
        raise ValueError(f"store must be one of {STORES}, got {store!r}")
    config = VerifierConfig()
    if store == FAISS:
        index_dir = scratch / "index"
        started = time.perf_counter()
        verifier = Verifier.from_corpus(list(corpus))
        verifier.save(index_dir)
        index_s = time.perf_counter() - started
        recipe = VerifierRecipe(str(index_dir), "fast", "torch", config)
        yield IndexedCorpus(verifier, recipe, index_s, f"FAISS {verifier.stats.index_type}")
        return
    with milvus_server(scratch / "server") as (uri, _):
        started = time.perf_counter()
        embedder = Embedder()
        collection = MilvusStore(uri, embedder.dimension, embedder.model_id)
        verifier = Verifier.open(collection, list(corpus), embedder=embedder)
        wait_until_indexed(uri, collection.collection, len(collection))
        index_s = time.perf_counter() - started
        # The recipe opens the collection that ``collection`` filled, by its URI and name.
        recipe = VerifierRecipe(
            uri, "fast", "torch", config, kind="milvus", collection=collection.collection
        )
        hnsw = f"M {collection.hnsw_m}, efConstruction {collection.hnsw_ef_construction}"
        described = (
            f"a Milvus {collection.server_version} server collection "
            f"({collection.index_type.upper()}: {hnsw}, ef {collection.hnsw_ef})"
        )
        try:
            yield IndexedCorpus(verifier, recipe, index_s, described)
        finally:
            collection.close()


def measure(
    corpus: Sequence[str],
    sizes: Sequence[int],
    repeats: int,
    workers: int,
    scratch: Path,
    store: str = FAISS,
) -> dict[str, Any]:
    """Time both engines at each size, ``repeats`` times, alternating; raw seconds in a dict."""
    with indexed_corpus(corpus, store, scratch) as indexed:
        return _measure_engines(corpus, indexed, sizes, repeats, workers)


def _measure_engines(
    corpus: Sequence[str], indexed: IndexedCorpus, sizes: Sequence[int], repeats: int, workers: int
) -> dict[str, Any]:
    import torch

    from verifier.io import check_on_ray, import_ray, start_ray

    ray = import_ray()
    load_before = os.getloadavg()[0]
    recipe = indexed.recipe
    claims = claims_from_passages([p.text for p in indexed.verifier.passages], max(sizes))

    local_threads: list[int] = []

    def local(records: list[dict[str, Any]]) -> list[str | None]:
        verifier = recipe.build()  # picks its torch threads from the cores and the load
        local_threads.append(torch.get_num_threads())
        verdicts = verifier.verify_many([record["claim"] for record in records])
        return [verdict.label for verdict in verdicts]

    def on_ray(records: list[dict[str, Any]]) -> list[str | None]:
        results = check_on_ray(records, recipe, workers=workers)  # starts and stops a local Ray
        return [result["verdict"] for result in results]

    def ray_start() -> None:
        start_ray(None, workers)
        ray.shutdown()

    runs: list[dict[str, Any]] = []
    for repeat in range(repeats):
        runs.append({"repeat": repeat, "engine": "ray_start", "claims": 0, "s": _timed(ray_start)})
        for size in sizes:
            records = claims[:size]
            verdicts: dict[str, list[str | None]] = {}
            for engine, run in (("local", local), ("ray", on_ray)):
                started = time.perf_counter()
                verdicts[engine] = run(records)
                seconds = time.perf_counter() - started
                runs.append({"repeat": repeat, "engine": engine, "claims": size, "s": seconds})
                logger.info("repeat %d %s %d claims: %.1f s", repeat, engine, size, seconds)
            differing = verdicts_differing(verdicts["local"], verdicts["ray"])
            runs[-1]["verdicts_differing"] = differing  # on the Ray run of this size
            if differing:
                logger.warning("repeat %d, %d claims: %d verdicts differ", repeat, size, differing)

    judge = recipe.build().judge
    torch.set_num_threads(1)
    pairs = [
        (hit.passage.text, record["claim"])
        for record in claims[:40]
        for hit in indexed.verifier.retrieve(record["claim"])
    ]
    judge.predict(pairs[:32])
    judge_s = median([_timed(lambda: judge.predict(pairs)) for _ in range(repeats)])
    config = recipe.config
    return {
        "settings": {
            "corpus": [str(path) for path in corpus],
            "store": indexed.description,
            "retrieval": config.retrieval if indexed.verifier.index.has_lexical else "dense",
            "passages": len(indexed.verifier.passages),
            "distinct_claims": len({record["claim"] for record in claims}),
            "sizes": list(sizes),
            "repeats": repeats,
            "workers": workers,
            "top_k": config.top_k,
            "models": "shipped: all-MiniLM-L6-v2 embedder, fast MiniLM-L6 NLI judge, torch CPU",
            "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            "cores": os.cpu_count(),
        },
        "index_s": round(indexed.index_s, 3),
        "runs": runs,
        "local_torch_threads": local_threads,
        "judge_one_thread": {"pairs": len(pairs), "s": round(judge_s, 4)},
    }


def summarise(measured: dict[str, Any]) -> dict[str, Any]:
    """Medians, per-repeat ratios, fits and the cluster estimate from ``measure``'s output."""
    settings, runs = measured["settings"], measured["runs"]
    sizes, workers = settings["sizes"], settings["workers"]

    def seconds(engine: str, size: int) -> list[float]:
        return [run["s"] for run in runs if run["engine"] == engine and run["claims"] == size]

    table = []
    for size in sizes:
        local, ray = seconds("local", size), seconds("ray", size)
        table.append(
            {
                "claims": size,
                "local_s": round(median(local), 3),
                "ray_s": round(median(ray), 3),
                "local_claims_per_s": round(size / median(local), 2),
                "ray_claims_per_s": round(size / median(ray), 2),
                "ray_over_local_speed": round(
                    median([a / b for a, b in zip(local, ray, strict=True)]), 3
                ),
            }
        )
    local_fit = fit_line(sizes, [row["local_s"] for row in table])
    ray_fit = fit_line(sizes, [row["ray_s"] for row in table])
    per_actor = ray_fit.claims_per_s / workers
    compared = [run for run in runs if "verdicts_differing" in run]
    judge = measured["judge_one_thread"]
    judge_pairs_per_s = judge["pairs"] / judge["s"]
    return {
        "local_torch_threads": measured.get("local_torch_threads", []),
        "table": table,
        # None for a report measured before the engines' verdicts were compared.
        "verdicts": {
            "claims_compared": sum(run["claims"] for run in compared),
            "differing": sum(run["verdicts_differing"] for run in compared),
        }
        if compared
        else None,
        "ray_start_s": round(median(seconds("ray_start", 0)), 3),
        "fit": {"local": asdict(local_fit), "ray": asdict(ray_fit)},
        "break_even_claims": break_even_claims(local_fit, ray_fit),
        "per_actor_claims_per_s": round(per_actor, 3),
        "judge_pairs_per_s_one_thread": round(judge_pairs_per_s, 1),
        "estimate": estimate(per_actor, judge_pairs_per_s, settings["top_k"], ray_fit.fixed_s),
    }


def estimate(
    per_actor_claims_per_s: float,
    judge_pairs_per_s: float,
    top_k: int,
    fixed_s: float,
    *,
    search_ms: float = SEARCH_MS_PER_CLAIM,
    gpu_pairs_per_s: float = GPU_JUDGE_PAIRS_PER_S,
) -> dict[str, Any]:
    """Hours for ``ESTIMATE_CLAIMS`` claims against ``ESTIMATE_PASSAGES`` passages on N workers.

    A CPU worker is one measured actor plus ``search_ms`` a claim for the search of the
    larger collection. A GPU worker judges at ``gpu_pairs_per_s``; the rest of its time
    per claim (embedding the claim, the checks, Ray's share) stays at the CPU actor's,
    which makes the GPU figure a conservative one.
    """
    cpu_claim_s = 1.0 / per_actor_claims_per_s
    judge_claim_s = top_k / judge_pairs_per_s
    rest_claim_s = max(0.0, cpu_claim_s - judge_claim_s)
    search_s = search_ms / 1000.0
    worker_claim_s = {
        "cpu": cpu_claim_s + search_s,
        "gpu": rest_claim_s + top_k / gpu_pairs_per_s + search_s,
    }

    def hours(kind: str, count: int) -> float:
        return round((fixed_s + ESTIMATE_CLAIMS * worker_claim_s[kind] / count) / 3600, 2)

    return {
        "claims": ESTIMATE_CLAIMS,
        "passages": ESTIMATE_PASSAGES,
        "per_claim_s": {kind: round(value, 5) for kind, value in worker_claim_s.items()},
        "cpu_share_judging": round(judge_claim_s / cpu_claim_s, 3),
        "gpu_judge_speedup": round(gpu_pairs_per_s / judge_pairs_per_s, 1),
        "assumptions": {
            "search_ms_per_claim": search_ms,
            "search_source": SEARCH_SOURCE,
            "gpu_judge_pairs_per_s": gpu_pairs_per_s,
            "gpu_source": GPU_SOURCE,
            "collection": (
                f"{ESTIMATE_PASSAGES:,} passages x 384 float32 = "
                f"{ESTIMATE_PASSAGES * 384 * 4 / 1e9:.0f} GB of vectors: a Milvus cluster, "
                "not one FAISS file per actor"
            ),
        },
        "hours": {
            "cpu": {str(n): hours("cpu", n) for n in WORKERS},
            "gpu": {str(n): hours("gpu", n) for n in WORKERS},
        },
    }


def markdown(summary: dict[str, Any], settings: dict[str, Any]) -> str:
    """The measured table, the fits and the estimate, as Markdown."""
    workers = settings["workers"]
    threads = sorted(set(summary.get("local_torch_threads", [])))
    store = (
        f" in {settings['store']}, {settings['retrieval']} retrieval" if "store" in settings else ""
    )
    lines = [
        f"Ray local ({workers} actors of 1 thread) against `verify_many` "
        f"({'/'.join(map(str, threads)) or '?'} torch threads, as the library chose them "
        f"from the load), end to end, median of {settings['repeats']} alternating repeats; "
        f"{settings['passages']} passages{store}, top-{settings['top_k']}"
        + (
            f"; 1-minute load average {settings['load_average'][0]} before, "
            f"{settings['load_average'][1]} after, on {settings['cores']} cores."
            if "load_average" in settings
            else "."
        ),
        "",
        "| claims | verify_many s | Ray s | verify_many claims/s | Ray claims/s | Ray / verify_many speed |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {row['claims']} | {row['local_s']:.1f} | {row['ray_s']:.1f} | "
        f"{row['local_claims_per_s']:.1f} | {row['ray_claims_per_s']:.1f} | "
        f"{row['ray_over_local_speed']:.2f} |"
        for row in summary["table"]
    ]
    verdicts = summary.get("verdicts")
    if verdicts is not None:
        lines += [
            "",
            f"Verdicts: Ray and `verify_many` differ on {verdicts['differing']} of the "
            f"{verdicts['claims_compared']:,} claims both checked (the same claims, the same store).",
        ]
    fit, even = summary["fit"], summary["break_even_claims"]
    lines += [
        "",
        f"Fixed cost: verify_many {fit['local']['fixed_s']:.1f} s (loading the models), "
        f"Ray {fit['ray']['fixed_s']:.1f} s (of which starting Ray {summary['ray_start_s']:.1f} s; "
        "the rest is the actors importing torch and loading the models). Steady rate: "
        f"verify_many {fit['local']['claims_per_s']:.1f} claims/s, Ray "
        f"{fit['ray']['claims_per_s']:.1f} claims/s, so {summary['per_actor_claims_per_s']:.1f} "
        "claims/s per actor. "
        + (
            f"Ray finishes first past about {math.ceil(even):,} claims on this machine."
            if even is not None
            else "On this machine Ray never catches up: it pays only with more cores or machines."
        ),
    ]
    est = summary["estimate"]
    lines += [
        "",
        f"On paper: {est['claims']:,} claims against {est['passages']:,} passages "
        f"(hours, including Ray's fixed cost once).",
        "",
        "| workers | CPU actors, hours | GPU workers, hours |",
        "|---:|---:|---:|",
    ]
    lines += [
        f"| {n} | {est['hours']['cpu'][n]} | {est['hours']['gpu'][n]} |"
        for n in est["hours"]["cpu"]
    ]
    assumptions = est["assumptions"]
    lines += [
        "",
        f"- Per claim: {est['per_claim_s']['cpu'] * 1000:.0f} ms on a CPU actor "
        f"(judging is {est['cpu_share_judging']:.0%} of it), "
        f"{est['per_claim_s']['gpu'] * 1000:.0f} ms on a GPU worker.",
        f"- Search: {assumptions['search_ms_per_claim']} ms a claim, "
        f"{assumptions['search_source']}.",
        f"- GPU judge: {assumptions['gpu_judge_pairs_per_s']:.0f} pairs/s, "
        f"{est['gpu_judge_speedup']}x the measured one-thread CPU judge; "
        f"{assumptions['gpu_source']}. Only judging is sped up.",
        f"- Collection: {assumptions['collection']}.",
    ]
    return "\n".join(lines) + "\n"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m eval.bench.ray_data", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--corpus", nargs="+", default=["demo_corpus"], help="files or folders")
    parser.add_argument(
        "--store",
        choices=STORES,
        default=FAISS,
        help="what both engines read: a FAISS folder, or a Milvus server started for the run",
    )
    parser.add_argument("--sizes", nargs="+", type=int, default=list(DEFAULT_SIZES))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="Ray actors (and local Ray's CPUs)")
    parser.add_argument("--out", default="runs/scale/ray", help="folder for JSON and Markdown")
    parser.add_argument("--report", help="a bench_ray.json to summarise again instead of measuring")
    args = parser.parse_args(argv)
    if not args.report:
        # The fit is a line through the sizes' medians: it needs two sizes.
        if len(set(args.sizes)) < 2 or min(args.sizes) < 1:
            parser.error(f"--sizes needs two or more different positive counts, got {args.sizes}")
        for name in ("repeats", "workers"):
            if getattr(args, name) < 1:
                parser.error(f"--{name} must be positive, got {getattr(args, name)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    if args.report:
        measured = json.loads(Path(args.report).read_text(encoding="utf-8"))["measured"]
        print(measured.get("cpu", "CPU: not recorded"), flush=True)
        out = Path(args.report).parent
    else:
        cpu = cpu_description()
        print(cpu, flush=True)
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=out) as scratch:
            measured = {
                "cpu": cpu,
                **measure(
                    args.corpus, args.sizes, args.repeats, args.workers, Path(scratch), args.store
                ),
            }
        # Kept before summarising, so that a fit that fails loses no measurement (--report).
        _write_json(out / "bench_ray.json", {"measured": measured})
    summary = summarise(measured)
    result = {"measured": measured, "summary": summary}
    text = markdown(summary, measured["settings"])
    _write_json(out / "bench_ray.json", result)
    (out / "bench_ray.md").write_text(text, encoding="utf-8")
    print(text)
    print(json.dumps(summary, indent=2))
    return 0


def _write_json(path: Path, content: dict[str, Any]) -> None:
    path.write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
