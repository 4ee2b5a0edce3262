"""Milvus (Lite, or a server with HNSW) against FAISS (exact flat and HNSW) on synthetic passages.

    python -m eval.bench.milvus --sizes 100000 1000000 --out runs/scale/milvus
    python -m eval.bench.milvus --sizes 1000000 --stores milvus-server hnsw --out runs/scale/server

Each (size, store) runs in its own spawned process, time-boxed, on the same
synthetic clustered unit vectors as ``eval.bench.scale``. FAISS is the product's
``FaissStore``; Milvus is the product's ``MilvusStore``, over Milvus Lite in a
temporary file or over a Milvus standalone server (PyPI's ``milvus``) started in
a temporary folder for the run, so the figures describe what ``--store milvus``
gives. A server's build is adding, flushing and waiting until its HNSW index
covers every passage and is loaded; its memory is the server process's RSS.
Recall@k of each store is measured against an exact numpy search; latency is
one query at a time, as the pipeline searches for a single claim. Writes
``<out>.json`` and ``<out>.md``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from eval.bench.scale import (
    DIMENSION,
    ScaleSettings,
    _timed_repeats,
    exact_top_k,
    measure_index,
    run_scales,
    single_query_ms,
    synthetic_vectors,
)
from eval.bench.timing import cpu_description, current_rss_mb, median, percentile, recall_at_k

logger = logging.getLogger(__name__)

MILVUS = "milvus-lite"
MILVUS_SERVER = "milvus-server"
STORES = ("flat", "hnsw", MILVUS, MILVUS_SERVER)
_INSERT_BATCH = 4096
REOPEN_LIMIT_S = 300.0
"""Reopening past this is reported as not done (``None``)."""
INDEX_LIMIT_S = 1800.0
"""The longest a server's index is waited for after a build."""


def _directory_mb(folder: Path) -> float:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) / 2**20


def _seconds_within(function: Callable[[], object], limit_s: float) -> float | None:
    """Seconds ``function`` took, or ``None`` if it was still running after ``limit_s``."""
    took: list[float] = []

    def timed() -> None:
        start = time.perf_counter()
        function()
        took.append(time.perf_counter() - start)

    # A daemon thread: one still running does not keep the process from ending.
    thread = threading.Thread(target=timed, daemon=True)
    thread.start()
    thread.join(limit_s)
    return took[0] if took else None


@contextmanager
def milvus_server(folder: Path) -> Iterator[tuple[str, int]]:
    """A Milvus standalone server run from ``folder``: its URI and process id."""
    from milvus import MilvusServer

    server = MilvusServer()
    server.set_base_dir(str(folder))
    server.start()
    try:
        yield f"http://127.0.0.1:{server.listen_port}", server.server_proc.pid
    finally:
        server.stop()


def _process_rss_mb(pid: int) -> float:
    import psutil

    return psutil.Process(pid).memory_info().rss / 2**20


def wait_until_indexed(uri: str, collection: str, count: int) -> None:
    """Wait until a server's vector index covers ``count`` rows, then load them with it.

    Raises:
        TimeoutError: the index did not cover them within ``INDEX_LIMIT_S``.
    """
    from pymilvus import MilvusClient

    client = MilvusClient(uri)
    deadline = time.monotonic() + INDEX_LIMIT_S
    while True:
        described = client.describe_index(collection, "vector")
        if described["indexed_rows"] >= count and not described["pending_index_rows"]:
            break
        if time.monotonic() > deadline:
            raise TimeoutError(f"{collection}: {described['indexed_rows']} of {count} indexed")
        time.sleep(1.0)
    # Loading again swaps the segments searched by brute force for their indexed copies.
    client.release_collection(collection)
    client.load_collection(collection)
    client.close()


def measure_milvus(size: int, index_type: str, settings: ScaleSettings) -> dict[str, Any]:
    """Fill a ``MilvusStore`` with ``size`` synthetic passages and time it.

    ``index_type`` is ``MILVUS`` (Milvus Lite in a file, exact) or
    ``MILVUS_SERVER`` (a server started here, HNSW with the store's defaults).
    Build is opening a new collection, adding every passage in batches and
    flushing (a server: and waiting for its index); reopen is opening the
    filled collection again, which reads its counts (``None`` past
    ``REOPEN_LIMIT_S``). Runs in the calling process; ``run_scales`` calls it in a child.
    """
    with tempfile.TemporaryDirectory(prefix="bench-milvus-") as folder:
        if index_type == MILVUS_SERVER:
            with milvus_server(Path(folder) / "server") as (uri, pid):
                idle_rss_mb = _process_rss_mb(pid)
                record = _measure_milvus_at(uri, size, index_type, settings)
                return {
                    **record,
                    "server_idle_rss_mb": idle_rss_mb,
                    "server_rss_mb": _process_rss_mb(pid),
                    "disk_mb": _directory_mb(Path(folder) / "server" / "data"),
                }
        return _measure_milvus_at(folder, size, index_type, settings)


def _measure_milvus_at(
    where: str, size: int, index_type: str, settings: ScaleSettings
) -> dict[str, Any]:
    """Build, search and reopen a Milvus collection at a server URI or in a folder (Lite)."""
    from verifier.retrieval import MilvusStore
    from verifier.types import Passage

    on_server = index_type == MILVUS_SERVER

    vectors = synthetic_vectors(size, settings.seed)
    queries = synthetic_vectors(settings.queries, settings.seed + 1)
    exact = exact_top_k(vectors, queries, settings.k)
    # Distinct offsets, so every passage has its own key and none is skipped as stored.
    passages = [
        Passage(doc_id="synthetic", source="synthetic", title="", text="", start=i, end=i)
        for i in range(size)
    ]

    def open_build(number: int) -> MilvusStore:
        if on_server:
            return MilvusStore(
                where, DIMENSION, "synthetic", collection=f"build{number}", batch_size=_INSERT_BATCH
            )
        return MilvusStore(
            Path(where) / f"build{number}.db", DIMENSION, "synthetic", batch_size=_INSERT_BATCH
        )

    builds = iter(range(settings.repeats))

    def build() -> MilvusStore:
        store = open_build(next(builds))
        store.add(vectors, passages)
        store.save()
        if on_server:
            wait_until_indexed(where, store.collection, size)
        return store

    start = time.perf_counter()
    store = build()
    build_seconds = [time.perf_counter() - start]
    logger.info("%s %d: first build %.1f s", index_type, size, build_seconds[0])
    build_seconds += _timed_repeats(
        lambda: build().close(),
        settings.repeats - 1,
        settings.budget_s - build_seconds[0],
    )
    disk_mb = None if on_server else _directory_mb(Path(where)) / len(build_seconds)

    store.search(queries[:1], settings.k)  # the first search loads the segments
    search_seconds = _timed_repeats(
        lambda: store.search(queries, settings.k), settings.repeats, settings.budget_s
    )
    found = [[position for position, _ in row] for row in store.search(queries, settings.k)]
    single_ms = single_query_ms(store.search, queries, settings)
    hnsw = {"M": store.hnsw_m, "efConstruction": store.hnsw_ef_construction, "ef": store.hnsw_ef}
    store.close()
    reopen_s = _seconds_within(lambda: open_build(0).close(), REOPEN_LIMIT_S)
    build_median = median(build_seconds)
    search_median = median(search_seconds)
    return {
        "passages": size,
        "index_type": index_type,
        "status": "ok",
        "build_s": build_median,
        "build_vectors_per_s": size / build_median,
        "build_repeats": len(build_seconds),
        "reopen_s": reopen_s,
        "reopen_limit_s": REOPEN_LIMIT_S,
        "search_queries_per_s": settings.queries / search_median,
        "search_repeats": len(search_seconds),
        "single_query_ms_p50": median(single_ms),
        "single_query_ms_p95": percentile(single_ms, 95),
        f"recall_at_{settings.k}": recall_at_k(found, exact.tolist(), settings.k),
        "disk_mb": disk_mb,
        "hnsw": hnsw if on_server else None,
        "vectors_mb": vectors.nbytes / 2**20,
        "process_rss_mb": current_rss_mb(),
    }


def measure_store(size: int, index_type: str, settings: ScaleSettings) -> dict[str, Any]:
    """Time one store: Milvus Lite, a Milvus server, or a FAISS ``FaissStore`` of ``index_type``."""
    if index_type in (MILVUS, MILVUS_SERVER):
        return measure_milvus(size, index_type, settings)
    return measure_index(size, index_type, settings)


def _ratio(value: float | None, baseline: float | None) -> float | None:
    return None if value is None or not baseline else value / baseline


def add_ratios(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each record with its latency p50 and build time over FAISS flat's at the same size."""
    flat = {r["passages"]: r for r in records if r["index_type"] == "flat" and r["status"] == "ok"}
    out = []
    for record in records:
        baseline = flat.get(record["passages"])
        if record["status"] == "ok" and baseline is not None:
            record = {
                **record,
                "p50_over_faiss_flat": _ratio(
                    record["single_query_ms_p50"], baseline["single_query_ms_p50"]
                ),
                "build_over_faiss_flat": _ratio(record["build_s"], baseline["build_s"]),
            }
        out.append(record)
    return out


def format_markdown(records: list[dict[str, Any]], k: int) -> str:
    """The table of build time, single-query latency and recall per size and store."""
    names = {
        "flat": "FAISS flat (exact)",
        "hnsw": "FAISS HNSW",
        MILVUS: "Milvus Lite (FLAT)",
        MILVUS_SERVER: "Milvus server (HNSW)",
    }
    lines = [
        f"| passages | store | build s | query p50 ms | query p95 ms | p50 / FAISS flat "
        f"| recall@{k} | batch queries/s |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in records:
        name = names.get(r["index_type"], r["index_type"])
        if r["status"] != "ok":
            lines.append(f"| {r['passages']:,} | {name} | {r['status']} | | | | | |")
            continue
        ratio = r.get("p50_over_faiss_flat")
        lines.append(
            f"| {r['passages']:,} | {name} | {r['build_s']:.1f} | {r['single_query_ms_p50']:.2f} "
            f"| {r['single_query_ms_p95']:.2f} | {'' if ratio is None else f'{ratio:.2f}x'} "
            f"| {r[f'recall_at_{k}']:.3f} | {r['search_queries_per_s']:.0f} |"
        )
    return "\n".join(lines) + "\n"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m eval.bench.milvus", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--stores", nargs="+", choices=STORES, default=list(STORES))
    parser.add_argument("--queries", type=int, default=1000, help="queries for recall")
    parser.add_argument(
        "--single-queries", type=int, default=200, help="queries timed one at a time"
    )
    parser.add_argument("--repeats", type=int, default=3, help="most builds per store")
    parser.add_argument(
        "--budget-s", type=float, default=60.0, help="stop repeating a step after this long"
    )
    parser.add_argument(
        "--timeout-s", type=float, default=1800.0, help="stop one store's run after this long"
    )
    parser.add_argument(
        "--out", type=Path, required=True, help="writes OUT.json and OUT.md (runs/scale/...)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    args = parse_args(argv)
    cpu = cpu_description()
    print(cpu, flush=True)
    settings = ScaleSettings(
        queries=args.queries,
        single_queries=args.single_queries,
        repeats=args.repeats,
        budget_s=args.budget_s,
        timeout_s=args.timeout_s,
    )
    started = time.perf_counter()
    records = add_ratios(run_scales(args.sizes, args.stores, settings, measure_store))
    report = {
        "cpu": cpu,
        "settings": settings.to_dict(),
        "machine": {"cpus": _cpus(), "python": platform.python_version()},
        "wall_s": time.perf_counter() - started,
        "results": records,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    table = format_markdown(records, settings.k)
    args.out.with_suffix(".md").write_text(table)
    print(table)
    return 0


def _cpus() -> int | None:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


if __name__ == "__main__":
    raise SystemExit(main())
