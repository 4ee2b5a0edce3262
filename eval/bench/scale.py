"""Index build and search at scale, on synthetic clustered unit vectors.

Each (size, index type) runs in its own spawned process so that its peak memory
is its own and a build that runs past its time box can be stopped. The index is
the product's ``verifier.index.FaissStore`` with its own parameters, so the
figures describe what users get from ``index_type="flat" | "hnsw" | "ivf"``.
Recall@k of each index is measured against an exact numpy search.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from eval.bench.timing import PeakMemory, current_rss_mb, median, percentile, recall_at_k

logger = logging.getLogger(__name__)

DIMENSION = 384
CLUSTERS = 2000
NOISE = 0.06
"""Per-coordinate noise around a cluster centre: neighbours within a cluster sit at
cosine ~0.4 to each other and ~0 to other clusters, so the top 10 are hard to tell
apart and recall is meaningful (unlike uniform random vectors, where every
neighbour is equally far)."""
_CHUNK = 100_000


@dataclass(frozen=True)
class ScaleSettings:
    """How to run one scale measurement.

    Attributes:
        queries: query vectors searched as one batch (queries/s).
        single_queries: queries searched one at a time (latency percentiles).
        k: neighbours per query, for recall@k.
        repeats: most timed repeats of each build and search.
        budget_s: stop repeating a step once its repeats have taken this long.
        timeout_s: stop the whole measurement (build included) after this long.
        seed: for the synthetic vectors.
    """

    queries: int = 1000
    single_queries: int = 100
    k: int = 10
    repeats: int = 5
    budget_s: float = 60.0
    timeout_s: float = 1800.0
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "queries": self.queries,
            "single_queries": self.single_queries,
            "k": self.k,
            "repeats": self.repeats,
            "budget_s": self.budget_s,
            "timeout_s": self.timeout_s,
            "seed": self.seed,
        }


def synthetic_vectors(count: int, seed: int, *, clusters: int = CLUSTERS) -> np.ndarray:
    """``count`` unit vectors of dimension 384 drawn around shared cluster centres.

    The centres depend only on ``clusters`` (not on ``seed``), so corpus and
    queries drawn with different seeds share them.
    """
    centres = np.random.default_rng(12345).standard_normal((clusters, DIMENSION), dtype=np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    rng = np.random.default_rng(seed)
    vectors = np.empty((count, DIMENSION), dtype=np.float32)
    for start in range(0, count, _CHUNK):
        stop = min(count, start + _CHUNK)
        chunk = centres[rng.integers(0, clusters, stop - start)]
        chunk += NOISE * rng.standard_normal((stop - start, DIMENSION), dtype=np.float32)
        chunk /= np.linalg.norm(chunk, axis=1, keepdims=True)
        vectors[start:stop] = chunk
    return vectors


def exact_top_k(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """Ids of the ``k`` highest inner products per query, best first, by brute force."""
    best_ids = np.empty((len(queries), 0), dtype=np.int64)
    best_scores = np.empty((len(queries), 0), dtype=np.float32)
    for start in range(0, len(vectors), _CHUNK):
        scores = queries @ vectors[start : start + _CHUNK].T
        take = min(k, scores.shape[1])
        top = np.argpartition(-scores, take - 1, axis=1)[:, :take]
        best_ids = np.concatenate([best_ids, top + start], axis=1)
        best_scores = np.concatenate([best_scores, np.take_along_axis(scores, top, axis=1)], axis=1)
        keep = np.argsort(-best_scores, axis=1, kind="stable")[:, :k]
        best_ids = np.take_along_axis(best_ids, keep, axis=1)
        best_scores = np.take_along_axis(best_scores, keep, axis=1)
    return best_ids


def _timed_repeats(function: Callable[[], object], repeats: int, budget_s: float) -> list[float]:
    """Time ``function`` up to ``repeats`` times, stopping once ``budget_s`` is spent."""
    seconds: list[float] = []
    while len(seconds) < repeats and sum(seconds) < budget_s:
        start = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - start)
    return seconds


def single_query_ms(
    search: Callable[[np.ndarray, int], object], queries: np.ndarray, settings: ScaleSettings
) -> list[float]:
    """Milliseconds of each of the first ``settings.single_queries`` queries asked alone."""
    timings = []
    for query in queries[: settings.single_queries]:
        start = time.perf_counter()
        search(query[None, :], settings.k)
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def measure_index(size: int, index_type: str, settings: ScaleSettings) -> dict[str, Any]:
    """Build a ``FaissStore`` of ``size`` synthetic vectors and time build and search.

    Runs in the calling process; ``run_scales`` calls it in a child process.
    """
    import faiss

    from verifier import FaissStore, Passage

    vectors = synthetic_vectors(size, settings.seed)
    queries = synthetic_vectors(settings.queries, settings.seed + 1)
    exact = exact_top_k(vectors, queries, settings.k)
    # One shared placeholder: the index keeps a list of references, not a million objects.
    placeholder = Passage(doc_id="synthetic", source="synthetic", title="", text="", start=0, end=0)
    passages = [placeholder] * size

    def build() -> FaissStore:
        index = FaissStore(DIMENSION, index_type)
        index.add(vectors, passages)
        return index

    with PeakMemory() as build_memory:
        start = time.perf_counter()
        index = build()
        build_seconds = [time.perf_counter() - start]
    logger.info("%s %d: first build %.1f s", index_type, size, build_seconds[0])
    build_seconds += _timed_repeats(
        build, settings.repeats - 1, settings.budget_s - build_seconds[0]
    )

    with PeakMemory() as search_memory:
        search_seconds = _timed_repeats(
            lambda: index.search(queries, settings.k), settings.repeats, settings.budget_s
        )
    found = [[position for position, _ in row] for row in index.search(queries, settings.k)]
    single_ms = single_query_ms(index.search, queries, settings)

    build_median = median(build_seconds)
    search_median = median(search_seconds)
    return {
        "passages": size,
        "index_type": index_type,
        "status": "ok",
        "build_s": build_median,
        "build_vectors_per_s": size / build_median,
        "build_repeats": len(build_seconds),
        "search_queries_per_s": settings.queries / search_median,
        "search_repeats": len(search_seconds),
        "single_query_ms_p50": median(single_ms),
        "single_query_ms_p95": percentile(single_ms, 95),
        f"recall_at_{settings.k}": recall_at_k(found, exact.tolist(), settings.k),
        "build_memory": build_memory.result.to_dict(),
        "search_memory": search_memory.result.to_dict(),
        "vectors_mb": vectors.nbytes / 2**20,
        "process_rss_mb": current_rss_mb(),
        "faiss_threads": faiss.omp_get_max_threads(),
    }


Measure = Callable[[int, str, ScaleSettings], dict[str, Any]]


def _worker(
    size: int, index_type: str, settings: ScaleSettings, connection, measure: Measure
) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    try:
        connection.send(measure(size, index_type, settings))
    except Exception as error:  # reported to the parent, which records it in the table
        connection.send({"passages": size, "index_type": index_type, "status": f"error: {error!r}"})
    finally:
        connection.close()


def run_scales(
    sizes: list[int],
    index_types: list[str],
    settings: ScaleSettings,
    measure: Measure = measure_index,
) -> list[dict[str, Any]]:
    """Measure every (size, index type) in its own process, each time-boxed.

    ``measure`` times one (size, index type); it must be a module-level function,
    since the child process imports it by name.

    Returns:
        One record per pair; ``status`` is ``"ok"``, ``"timed out after N s"`` or
        ``"error: ..."``, and only ``"ok"`` records carry figures.
    """
    context = multiprocessing.get_context("spawn")
    results = []
    for size in sizes:
        for index_type in index_types:
            logger.info("scale: %s index of %d vectors", index_type, size)
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(
                target=_worker, args=(size, index_type, settings, sender, measure)
            )
            started = time.perf_counter()
            process.start()
            sender.close()
            record = None
            if receiver.poll(settings.timeout_s):
                try:
                    record = receiver.recv()
                except EOFError:
                    record = None
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()
                process.join()
            if record is None:
                elapsed = time.perf_counter() - started
                status = (
                    f"timed out after {settings.timeout_s:.0f} s"
                    if elapsed >= settings.timeout_s
                    else f"error: process exited with code {process.exitcode}"
                )
                record = {"passages": size, "index_type": index_type, "status": status}
            record["wall_s"] = time.perf_counter() - started
            logger.info("scale: %s %d -> %s", index_type, size, record["status"])
            results.append(record)
    return results
