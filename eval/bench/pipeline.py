"""Speed and memory benchmark: our pipeline against a naive baseline, and index scale.

Usage::

    python -m eval.bench.pipeline --claims eval/claims/news_claims.jsonl \\
        --corpus ../shared/corpus/news [--repeats 5] [--out runs/bench-news] \\
        [--judges fast,PATH] [--backends torch,onnx] \\
        [--scales 100000,1000000] [--skip-scale]

For each judge and backend in turn (the embedder runs on the same backend), and
each corpus, it measures, as medians over ``--repeats`` runs after a warm-up:
index build throughput and peak memory, single-claim latency (p50/p95) of a warm
``Verifier``, batch throughput of ``verify_many``, NLI pairs/s at batch 32, and
the judge's ceiling: its raw forward pass on random token ids of the same
lengths. In the same run a naive baseline uses the same model objects the way a
first attempt would (one text per ``encode`` call, one pair per ``predict``
call, a brute-force numpy search, no batching), and each figure is shown as a
speed-up over it: the ratios are what to compare across machines and runs. A
table puts the setups side by side, with each backend's ratio to torch and the
share of verdicts equal to torch's.

Then, unless ``--skip-scale``, it builds and searches the product's flat, HNSW
and IVF indexes over synthetic corpora of ``--scales`` passages (see
``eval.bench.scale``). Results go to stdout as Markdown and to ``bench.json`` and
``bench.md`` under ``--out``.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from eval.bench.scale import ScaleSettings, run_scales
from eval.bench.timing import (
    MemoryUse,
    PeakMemory,
    cpu_description,
    median,
    paired_speedup,
    percentile,
    release_free_memory,
    speedup,
)
from verifier import VerifierConfig
from verifier.backends import BACKENDS
from verifier.io import add_pipeline_options

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[1]
DEMO_CORPUS = REPO_ROOT / "demo_corpus"
SHARED_NEWS_CORPUS = REPO_ROOT / ".." / "shared" / "corpus" / "news"
DEFAULT_SCALES = (100_000, 1_000_000)
INDEX_TYPES = ("flat", "hnsw", "ivf")
NLI_BATCH_SIZE = 32


@dataclass(frozen=True)
class CorpusSettings:
    """How to measure the pipeline on one corpus.

    Attributes:
        repeats: timed repeats of every step; figures are their medians.
        top_k: passages retrieved and judged per claim, for ours and the baseline.
        nli_batch_size: pairs per forward pass when measuring NLI throughput.
    """

    repeats: int = 5
    top_k: int = VerifierConfig.top_k
    nli_batch_size: int = NLI_BATCH_SIZE

    def __post_init__(self) -> None:
        for name in ("repeats", "top_k", "nli_batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "repeats": self.repeats,
            "top_k": self.top_k,
            "nli_batch_size": self.nli_batch_size,
        }


@dataclass(frozen=True)
class Measure:
    """One benchmark figure for ours and the baseline, and how many times better ours is.

    ``ours`` and ``baseline`` are medians over repeats of wall-clock figures;
    ``speedup`` is the median of the per-repeat speed-ups (see
    ``eval.bench.timing.paired_speedup``) and ``cpu_speedup`` the same from the
    process's CPU time, which other users of the machine disturb less.
    """

    name: str
    unit: str
    ours: float
    baseline: float | None
    lower_is_better: bool
    speedup: float | None = None
    cpu_speedup: float | None = None

    @classmethod
    def from_repeats(
        cls,
        name: str,
        unit: str,
        ours: Sequence[float],
        baseline: Sequence[float] = (),
        *,
        lower_is_better: bool,
        ours_cpu: Sequence[float] = (),
        baseline_cpu: Sequence[float] = (),
    ) -> Measure:
        """Summarise per-repeat figures (wall clock, and optionally CPU time)."""
        return cls(
            name=name,
            unit=unit,
            ours=median(ours),
            baseline=median(baseline) if baseline else None,
            lower_is_better=lower_is_better,
            speedup=paired_speedup(ours, baseline, lower_is_better=lower_is_better)
            if baseline
            else None,
            cpu_speedup=paired_speedup(ours_cpu, baseline_cpu, lower_is_better=lower_is_better)
            if baseline_cpu
            else None,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "unit": self.unit,
            "ours": self.ours,
            "baseline": self.baseline,
            "speedup": self.speedup,
            "cpu_speedup": self.cpu_speedup,
            "lower_is_better": self.lower_is_better,
        }


@dataclass(frozen=True)
class ModelSetup:
    """One judge on one backend: the models a part of the benchmark runs.

    The models are made just before their turn and dropped after it, so only
    one setup's models are in memory at a time.

    Attributes:
        judge: the judge's alias (``fast``) or model path, for the report.
        backend: ``torch`` or ``onnx``, for the report.
        make_embedder: builds the sentence embedder.
        make_judge: builds the NLI judge.
    """

    judge: str
    backend: str
    make_embedder: Callable[[], Any]
    make_judge: Callable[[], Any]


class _Recorder:
    """Collects timings and peak memory of named steps across repeats."""

    def __init__(self) -> None:
        self.seconds: dict[str, list[float]] = {}
        self.cpu_seconds: dict[str, list[float]] = {}
        self.memory: dict[str, MemoryUse] = {}

    def add(self, step: str, seconds: float, cpu_seconds: float) -> None:
        self.seconds.setdefault(step, []).append(seconds)
        self.cpu_seconds.setdefault(step, []).append(cpu_seconds)

    def run(self, step: str, function: Callable[[], Any]) -> Any:
        with PeakMemory() as probe:
            start, start_cpu = time.perf_counter(), time.process_time()
            result = function()
            self.add(step, time.perf_counter() - start, time.process_time() - start_cpu)
        previous = self.memory.get(step)
        if previous is None or probe.result.increase_mb > previous.increase_mb:
            self.memory[step] = probe.result
        return result


def naive_search(matrix: np.ndarray, query: np.ndarray, k: int) -> list[tuple[int, float]]:
    """Brute-force top ``k`` rows of ``matrix`` by inner product with ``query``, best first."""
    scores = matrix @ query
    order = np.argsort(-scores, kind="stable")[:k]
    return [(int(i), float(scores[i])) for i in order]


class NaiveBaseline:
    """What a first attempt looks like, using the same model objects as the product.

    Every passage and claim is embedded in its own ``encode`` call, the search is
    a full numpy scan, and every (passage, claim) pair is judged in its own
    ``predict`` call; nothing is batched or cached. The verdict comes from the
    product's own decider, so the two can be compared label for label.
    """

    def __init__(self, embedder: Any, judge: Any, top_k: int, decider: Any) -> None:
        self.embedder = embedder
        self.judge = judge
        self.top_k = top_k
        self.decider = decider
        self.passages: list[Any] = []
        self.matrix = np.zeros((0, 0), dtype=np.float32)

    def build(self, passages: Sequence[Any]) -> None:
        rows = [self.embedder.encode([passage.text])[0] for passage in passages]
        self.passages = list(passages)
        self.matrix = np.vstack(rows).astype(np.float32)

    def verify(self, claim: str) -> Any:
        from verifier import JudgedPassage

        query = self.embedder.encode([claim])[0]
        judged = []
        for position, score in naive_search(self.matrix, query, self.top_k):
            passage = self.passages[position]
            nli = self.judge.predict([(passage.text, claim)])[0]
            judged.append(JudgedPassage(passage, score, nli))
        return self.decider.decide(claim, judged)


def _time_each(
    function: Callable[[str], Any], items: Sequence[str]
) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of ``function(item)`` for each item, one call at a time."""
    seconds, cpu_seconds = [], []
    for item in items:
        start, start_cpu = time.perf_counter(), time.process_time()
        function(item)
        seconds.append(time.perf_counter() - start)
        cpu_seconds.append(time.process_time() - start_cpu)
    return seconds, cpu_seconds


def _latency_percentiles(seconds: Sequence[float]) -> tuple[float, float]:
    milliseconds = [value * 1000 for value in seconds]
    return percentile(milliseconds, 50), percentile(milliseconds, 95)


def forward_batches(judge: Any, pairs: Sequence[tuple[str, str]], batch_size: int) -> list[Any]:
    """Random token ids shaped like the judge's own batches of ``pairs``.

    Each distinct pair becomes a row of random ids (drawn from 1000-1999, real
    tokens in any vocabulary) as long as its real tokenisation, rows sorted by
    length and padded per batch as ``NLIJudge.predict`` pads them. Timing the
    judge's raw ``forward`` on these is the most this machine can do with that
    model on these lengths: no tokenising, no Python around the matrices.
    """
    from verifier.backends import pad_batch

    rng = np.random.default_rng(0)
    names = judge.input_names
    rows = []
    for length in sorted(judge.token_counts(list(dict.fromkeys(pairs)))):
        row = {name: [0] * length for name in names}
        row["input_ids"] = rng.integers(1000, 2000, size=length).tolist()
        if "attention_mask" in row:
            row["attention_mask"] = [1] * length
        rows.append(row)
    return [
        pad_batch(rows[offset : offset + batch_size], names, 0)
        for offset in range(0, len(rows), batch_size)
    ]


class _StageTimer:
    """Wraps a model and adds the seconds spent in one of its methods to a total."""

    def __init__(self, model: Any, method: str) -> None:
        self._model = model
        self._method = method
        self.seconds = 0.0

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._model, name)
        if name != self._method:
            return attribute

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return attribute(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start

        return timed


def stage_profile(verifier: Any, claims: Sequence[str]) -> dict[str, float]:
    """Where ``verify_many`` and a ``verify`` loop spend their time: shares of wall clock.

    Returns:
        ``{"<call>_embed": share, "<call>_judge": share, "<call>_rest": share}``
        for ``verify_many`` and ``verify_loop``; the rest is search, checks and decision.
    """
    embedder = _StageTimer(verifier.embedder, "encode")
    judge = _StageTimer(verifier.judge, "predict")
    timed = type(verifier)(
        verifier.index,
        embedder=embedder,
        judge=judge,
        config=verifier.config,
        decider=verifier.decider,
    )
    profile = {}
    for call, run in (
        ("verify_many", lambda: timed.verify_many(claims)),
        ("verify_loop", lambda: [timed.verify(claim) for claim in claims]),
    ):
        embedder.seconds = judge.seconds = 0.0
        start = time.perf_counter()
        run()
        total = time.perf_counter() - start
        profile[f"{call}_embed"] = embedder.seconds / total
        profile[f"{call}_judge"] = judge.seconds / total
        profile[f"{call}_rest"] = max(0.0, 1 - (embedder.seconds + judge.seconds) / total)
    return profile


def bench_corpus(
    corpus: str | Path,
    claims: Sequence[str],
    *,
    embedder: Any,
    judge: Any,
    settings: CorpusSettings,
) -> dict[str, Any]:
    """Measure ours and the naive baseline on one corpus and claim list.

    Every timed step runs once untimed first (models loaded, caches warm); then
    each repeat runs all steps of ours and of the baseline in turn, so drift in
    machine load affects both alike.

    Returns:
        A JSON-ready record with the corpus size, per-measure figures and
        speed-ups, peak memory per step, and the label agreement of the two.
    """
    from verifier import Verifier

    if not claims:
        raise ValueError("at least one claim is needed to benchmark")
    config = VerifierConfig(top_k=settings.top_k)

    def build_from_corpus() -> Verifier:
        return Verifier.from_corpus(corpus, embedder=embedder, judge=judge, config=config)

    logger.info("warming up on %s", corpus)
    verifier = build_from_corpus()
    verifier.warm_up()
    passages = list(verifier.passages)
    if not passages:
        raise ValueError(f"the corpus {corpus} gave no passages")
    baseline = NaiveBaseline(embedder, judge, settings.top_k, verifier.decider)
    baseline.build(passages)
    pairs = [(hit.passage.text, claim) for claim in claims for hit in verifier.retrieve(claim)]
    ours_verdicts = verifier.verify_many(claims)
    baseline_verdicts = [baseline.verify(claim) for claim in claims]
    judge.predict(pairs, batch_size=settings.nli_batch_size)
    has_forward = hasattr(judge, "forward") and hasattr(judge, "token_counts")
    raw_batches = forward_batches(judge, pairs, settings.nli_batch_size) if has_forward else []

    def raw_forward() -> None:
        for batch in raw_batches:
            judge.forward(batch)

    raw_forward()
    steps: dict[str, Callable[[], Any]] = {
        "ours_build_corpus": build_from_corpus,
        "ours_build_passages": lambda: Verifier.from_passages(
            passages, embedder=embedder, judge=judge, config=config
        ),
        "baseline_build": lambda: baseline.build(passages),
    }
    batch_steps: dict[str, Callable[[], Any]] = {
        "ours_batch": lambda: verifier.verify_many(claims),
        "ours_nli": lambda: judge.predict(pairs, batch_size=settings.nli_batch_size),
        "baseline_nli": lambda: [judge.predict([pair]) for pair in pairs],
    }
    if has_forward:
        batch_steps["nli_ceiling"] = raw_forward
    checks = {"ours": verifier.verify, "baseline": baseline.verify}
    recorder, latency_ms = _run_repeats(settings.repeats, steps, checks, batch_steps, claims)
    sizes = {"passages": len(passages), "claims": len(claims), "pairs": len(pairs)}
    measures = _corpus_measures(recorder, latency_ms, sizes, settings.nli_batch_size, has_forward)
    ceiling_share = (
        paired_speedup(
            _rates(recorder.seconds, "ours_nli", len(pairs)),
            _rates(recorder.seconds, "nli_ceiling", len(pairs)),
            lower_is_better=False,
        )
        if has_forward
        else None
    )
    agreement = sum(
        ours.label == theirs.label
        for ours, theirs in zip(ours_verdicts, baseline_verdicts, strict=True)
    ) / len(claims)
    return {
        "corpus": str(corpus),
        "name": Path(corpus).name,
        "documents": verifier.stats.documents,
        "passages": len(passages),
        "claims": len(claims),
        "nli_pairs": len(pairs),
        "measures": [measure.to_dict() for measure in measures],
        "seconds_median": {step: median(values) for step, values in recorder.seconds.items()},
        "seconds_all": recorder.seconds,
        "cpu_seconds_all": recorder.cpu_seconds,
        "latency_ms_per_repeat": latency_ms,
        "memory": {step: use.to_dict() for step, use in recorder.memory.items()},
        "label_agreement_with_baseline": agreement,
        "labels": [verdict.label for verdict in ours_verdicts],
        "distinct_nli_pairs": len(set(pairs)),
        "nli_share_of_ceiling": ceiling_share,
        "profile": stage_profile(verifier, claims),
    }


def _run_repeats(
    repeats: int,
    build_steps: dict[str, Callable[[], Any]],
    checks: dict[str, Callable[[str], Any]],
    batch_steps: dict[str, Callable[[], Any]],
    claims: Sequence[str],
) -> tuple[_Recorder, dict[str, list[float]]]:
    """Each repeat: the build steps, each side's claims one at a time, then the batch steps.

    Returns:
        The recorder of every step's seconds, CPU seconds and memory, and the
        single-claim latency percentiles (ms) per side, clock and repeat.
    """
    recorder = _Recorder()
    latency_ms: dict[str, list[float]] = {
        f"{side}_{clock}{q}": []
        for side in checks
        for clock in ("", "cpu_")
        for q in ("p50", "p95")
    }
    for repeat in range(repeats):
        logger.info("repeat %d of %d", repeat + 1, repeats)
        for step, run in build_steps.items():
            recorder.run(step, run)
        for side, check in checks.items():
            single, single_cpu = _time_each(check, claims)
            for clock, values in (("", single), ("cpu_", single_cpu)):
                p50, p95 = _latency_percentiles(values)
                latency_ms[f"{side}_{clock}p50"].append(p50)
                latency_ms[f"{side}_{clock}p95"].append(p95)
            recorder.add(f"{side}_single_total", sum(single), sum(single_cpu))
        for step, run in batch_steps.items():
            recorder.run(step, run)
    return recorder, latency_ms


def _rates(clock: dict[str, list[float]], step: str, items: int) -> list[float]:
    """Items per second in each repeat of ``step``."""
    return [items / value if value > 0 else 0.0 for value in clock[step]]


def _corpus_measures(
    recorder: _Recorder,
    latency_ms: dict[str, list[float]],
    sizes: dict[str, int],
    nli_batch_size: int,
    has_forward: bool,
) -> list[Measure]:
    """The table's rows: build, latency and throughput, ours against the baseline's."""

    def throughput(name: str, unit: str, items: int, ours: str, theirs: str | None) -> Measure:
        return Measure.from_repeats(
            name,
            unit,
            _rates(recorder.seconds, ours, items),
            _rates(recorder.seconds, theirs, items) if theirs else (),
            lower_is_better=False,
            ours_cpu=_rates(recorder.cpu_seconds, ours, items) if theirs else (),
            baseline_cpu=_rates(recorder.cpu_seconds, theirs, items) if theirs else (),
        )

    def latency(quantile: str) -> Measure:
        return Measure.from_repeats(
            f"single claim latency {quantile}",
            "ms",
            latency_ms[f"ours_{quantile}"],
            latency_ms[f"baseline_{quantile}"],
            lower_is_better=True,
            ours_cpu=latency_ms[f"ours_cpu_{quantile}"],
            baseline_cpu=latency_ms[f"baseline_cpu_{quantile}"],
        )

    passages, claims, pairs = sizes["passages"], sizes["claims"], sizes["pairs"]
    measures = [
        throughput(
            "index build (embed + index)",
            "passages/s",
            passages,
            "ours_build_passages",
            "baseline_build",
        ),
        throughput(
            "index build from files (read + split + embed + index)",
            "passages/s",
            passages,
            "ours_build_corpus",
            None,
        ),
        latency("p50"),
        latency("p95"),
        throughput(
            "claims one at a time (verify in a loop)",
            "claims/s",
            claims,
            "ours_single_total",
            "baseline_single_total",
        ),
        throughput(
            "batch throughput (verify_many)",
            "claims/s",
            claims,
            "ours_batch",
            "baseline_single_total",
        ),
        throughput(
            f"NLI throughput (batch {nli_batch_size})",
            "pairs/s",
            pairs,
            "ours_nli",
            "baseline_nli",
        ),
    ]
    if has_forward:
        measures.append(
            throughput(
                "NLI ceiling: raw forward on random ids of the same lengths",
                "pairs/s",
                pairs,
                "nli_ceiling",
                None,
            )
        )
    return measures


def machine_info() -> dict[str, Any]:
    """CPU model, core and thread counts, and library versions of this run."""
    import faiss
    import onnxruntime
    import torch
    import transformers

    from verifier.threads import automatic_threads, cpu_model_and_flags

    cpu_model = cpu_model_and_flags()[0] or platform.processor() or platform.machine()
    try:
        import psutil

        memory_gb = psutil.virtual_memory().total / 2**30
    except ImportError:
        memory_gb = None
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "cpu": cpu_description(),
        "cpu_model": cpu_model,
        "cpu_count": os.cpu_count(),
        "cpus_available": available,
        "torch_threads": torch.get_num_threads(),
        "model_threads": automatic_threads(),
        "faiss_threads": faiss.omp_get_max_threads(),
        "memory_gb": memory_gb,
        "load_average_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "faiss": faiss.__version__,
        "faiss_compile_options": faiss.get_compile_options(),
        "transformers": transformers.__version__,
        "onnxruntime": onnxruntime.__version__,
        "numpy": np.__version__,
    }


def _number(value: float | None) -> str:
    """Three significant figures or more: ``1,234``, ``56.7``, ``8.90``, ``0.0123``."""
    if value is None:
        return "–"
    size = abs(value)
    if size >= 100:
        return f"{value:,.0f}"
    if size >= 10:
        return f"{value:.1f}"
    if size >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def _mib(use: dict[str, Any]) -> str:
    return f"{use['peak_increase_mb']:,.1f}"


def _ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}×"


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _comparison_table(rows: Sequence[dict[str, Any]]) -> list[str]:
    lines = [
        "| corpus | judge | backend | `verify_many` claims/s | vs naive loop | vs torch "
        "| vs torch's naive loop | `verify()` p50 ms | p95 ms | p50 vs torch | NLI pairs/s "
        "| ceiling pairs/s | share of ceiling | index passages/s | index vs torch "
        "| verdicts = torch's |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['corpus']} | {row['judge']} | {row['backend']} "
            f"| {_number(row['verify_many_claims_per_s'])} | {_ratio(row['verify_many_vs_naive'])} "
            f"| {_ratio(row['verify_many_vs_torch'])} "
            f"| {_ratio(row['verify_many_vs_torch_naive'])} | {_number(row['verify_p50_ms'])} "
            f"| {_number(row['verify_p95_ms'])} | {_ratio(row['verify_p50_vs_torch'])} "
            f"| {_number(row['nli_pairs_per_s'])} | {_number(row['nli_ceiling_pairs_per_s'])} "
            f"| {_share(row['nli_share_of_ceiling'])} | {_number(row['index_passages_per_s'])} "
            f"| {_ratio(row['index_vs_torch'])} | {_share(row['verdicts_equal_to_torch'])} |"
        )
    return lines


def _corpus_section(setup: dict[str, Any], corpus: dict[str, Any]) -> list[str]:
    lines = [
        "",
        f"### Judge {setup['judge']} on {setup['backend']}, corpus `{corpus['name']}`: "
        f"{corpus['documents']} documents, {corpus['passages']} passages, "
        f"{corpus['claims']} claims, {corpus['nli_pairs']} NLI pairs "
        f"({corpus.get('distinct_nli_pairs', corpus['nli_pairs'])} distinct)",
        "",
        "| measure | unit | ours | naive baseline | speed-up | speed-up (CPU time) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for measure in corpus["measures"]:
        lines.append(
            f"| {measure['name']} | {measure['unit']} | {_number(measure['ours'])} | "
            f"{_number(measure['baseline'])} | {_ratio(measure['speedup'])} | "
            f"{_ratio(measure.get('cpu_speedup'))} |"
        )
    memory = corpus["memory"]
    lines += [
        "",
        f"Peak RSS increase (MiB) — build: ours {_mib(memory['ours_build_passages'])}, "
        f"baseline {_mib(memory['baseline_build'])}; build from files "
        f"{_mib(memory['ours_build_corpus'])}; batch of {corpus['claims']} claims "
        f"{_mib(memory['ours_batch'])}; NLI: ours {_mib(memory['ours_nli'])}, "
        f"baseline {_mib(memory['baseline_nli'])}. "
        f"Verdicts equal to the baseline's: {corpus['label_agreement_with_baseline']:.0%}.",
    ]
    profile = corpus.get("profile")
    if profile:
        lines.append(
            "Where the time goes — `verify_many`: embedding "
            f"{profile['verify_many_embed']:.0%}, judge {profile['verify_many_judge']:.0%}, "
            f"search, checks and decision {profile['verify_many_rest']:.0%}; `verify()` in a "
            f"loop: embedding {profile['verify_loop_embed']:.0%}, judge "
            f"{profile['verify_loop_judge']:.0%}, the rest {profile['verify_loop_rest']:.0%}."
        )
    return lines


def format_markdown(report: dict[str, Any]) -> str:
    """Render a benchmark report (the ``bench.json`` structure) as Markdown tables."""
    machine = report["machine"]
    setups = report.get("setups", [])
    models = "; ".join(
        f"{setup['judge']} on {setup['backend']}: embedder `{setup['models']['embedder']}`, "
        f"NLI `{setup['models']['nli']}`"
        for setup in setups
    )
    lines = [
        f"# Benchmark {report['date']}",
        "",
        machine.get("cpu", "CPU: not recorded") + ".",
        f"Machine: {machine['cpu_model']}, {machine['cpus_available']} CPUs available "
        f"({machine['cpu_count']} in the machine), torch threads {machine['torch_threads']}, "
        f"model threads chosen {machine.get('model_threads', '–')}, "
        f"FAISS threads {machine['faiss_threads']} ({machine['faiss_compile_options'].strip()}); Python {machine['python']}, "
        f"torch {machine['torch']}, onnxruntime {machine.get('onnxruntime', '–')}, "
        f"FAISS {machine['faiss']}, transformers {machine['transformers']}.",
        f"Setups: {models or 'none'}; top-k {report['settings']['top_k']}.",
        f"Figures are wall-clock medians over {report['settings']['repeats']} repeats after a "
        "warm-up. Speed-up = how many times better ours is than the naive baseline measured "
        "in the same run with the same models (one text per encode call, one pair per NLI "
        "call, numpy brute-force search, no batching): the median of the per-repeat ratios, "
        "from wall-clock time and from this process's CPU time (less disturbed by other "
        "users of the machine). The NLI ceiling is the judge's raw forward pass on random "
        "token ids of the same lengths, batched and padded as the judge batches them.",
        f"Memory: {report['memory_method']}.",
    ]
    load = [machine.get("load_average_start"), machine.get("load_average_end")]
    if all(load):
        lines.append(
            f"Load average (1 min) at start {load[0][0]:.1f}, at end {load[1][0]:.1f}: "
            "other work on the machine slows both sides alike; compare ratios, not absolute times."
        )
    if report.get("comparison"):
        lines += ["", "## Judges and backends", "", *_comparison_table(report["comparison"])]
    for setup in setups:
        for corpus in setup["corpora"]:
            lines += _corpus_section(setup, corpus)
    if report.get("scales"):
        k = report["scale_settings"]["k"]
        lines += [
            "",
            f"## Index scale: synthetic clustered unit vectors, dimension 384, "
            f"{report['scale_settings']['queries']} queries",
            "",
            f"| passages | index | build (s) | build (vectors/s) | search (queries/s, batched) "
            f"| one query p50 (ms) | recall@{k} | build peak RSS increase (MiB) | status |",
            "|---:|---|---:|---:|---:|---:|---:|---:|---|",
        ]
        for row in report["scales"]:
            if row["status"] != "ok":
                lines.append(
                    f"| {row['passages']:,} | {row['index_type']} | – | – | – | – | – | – "
                    f"| {row['status']} |"
                )
                continue
            lines.append(
                f"| {row['passages']:,} | {row['index_type']} | {_number(row['build_s'])} | "
                f"{_number(row['build_vectors_per_s'])} | {_number(row['search_queries_per_s'])} | "
                f"{_number(row['single_query_ms_p50'])} | {row[f'recall_at_{k}']:.3f} | "
                f"{_mib(row['build_memory'])} | ok |"
            )
    return "\n".join(lines) + "\n"


def run_bench(
    corpora: Sequence[tuple[Path, Path]],
    *,
    setups: Sequence[ModelSetup],
    settings: CorpusSettings,
    scales: Sequence[int] = (),
    index_types: Sequence[str] = INDEX_TYPES,
    scale_settings: ScaleSettings | None = None,
) -> dict[str, Any]:
    """Run the corpus benchmarks for each setup in turn, then the scale benchmark."""
    from verifier import read_claims

    scale_settings = scale_settings or ScaleSettings(repeats=settings.repeats)
    machine = machine_info()
    started = datetime.now(UTC)
    claim_lists = [[record["claim"] for record in read_claims(path)] for _, path in corpora]
    setup_records = []
    for setup in setups:
        logger.info("setup: judge %s on %s", setup.judge, setup.backend)
        embedder, judge = setup.make_embedder(), setup.make_judge()
        results = []
        for (corpus, claims_path), claims in zip(corpora, claim_lists, strict=True):
            record = bench_corpus(corpus, claims, embedder=embedder, judge=judge, settings=settings)
            record["claims_file"] = str(claims_path)
            results.append(record)
        setup_records.append(
            {
                "judge": setup.judge,
                "backend": setup.backend,
                "models": {
                    "embedder": getattr(embedder, "model_id", type(embedder).__name__),
                    "nli": getattr(judge, "model_name", type(judge).__name__),
                },
                "threads": getattr(judge, "threads", None),
                "int8_checks": [
                    check.to_dict()
                    for model in (embedder, judge)
                    if (check := getattr(model, "int8_check", None)) is not None
                ],
                "corpora": results,
            }
        )
        del embedder, judge
        gc.collect()
        release_free_memory()
    methods = {
        use["method"]
        for setup in setup_records
        for record in setup["corpora"]
        for use in record["memory"].values()
    }
    scale_results = run_scales(list(scales), list(index_types), scale_settings) if scales else []
    methods |= {row["build_memory"]["method"] for row in scale_results if row["status"] == "ok"}
    machine["load_average_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    return {
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "duration_s": (datetime.now(UTC) - started).total_seconds(),
        "machine": machine,
        "settings": settings.to_dict(),
        "memory_method": "; ".join(sorted(methods)) or "not measured",
        "setups": setup_records,
        "comparison": compare_setups(setup_records),
        "scale_settings": scale_settings.to_dict(),
        "scales": scale_results,
    }


def _measure(record: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((m for m in record["measures"] if m["name"].startswith(name)), None)


def compare_setups(setups: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per setup and corpus: the issue's figures side by side.

    Ratios to the naive loop are medians of per-repeat ratios within a setup;
    ratios to torch, and to torch's naive loop (today's first attempt), compare
    the same judge's torch setup in the same run (medians over repeats of each,
    not paired); verdict agreement is with that torch setup's verdicts on the
    same claims.
    """
    rows = []
    torch_records = {
        (setup["judge"], record["corpus"]): record
        for setup in setups
        if setup["backend"] == "torch"
        for record in setup["corpora"]
    }
    for setup in setups:
        for record in setup["corpora"]:
            batch = _measure(record, "batch throughput")
            p50 = _measure(record, "single claim latency p50")
            p95 = _measure(record, "single claim latency p95")
            nli = _measure(record, "NLI throughput")
            ceiling = _measure(record, "NLI ceiling")
            build = _measure(record, "index build (embed")
            reference = torch_records.get((setup["judge"], record["corpus"]))
            row = {
                "judge": setup["judge"],
                "backend": setup["backend"],
                "corpus": record["name"],
                "verify_many_claims_per_s": batch["ours"],
                "verify_many_vs_naive": batch["speedup"],
                "verify_p50_ms": p50["ours"],
                "verify_p95_ms": p95["ours"],
                "nli_pairs_per_s": nli["ours"],
                "nli_ceiling_pairs_per_s": ceiling["ours"] if ceiling else None,
                "nli_share_of_ceiling": record.get("nli_share_of_ceiling"),
                "index_passages_per_s": build["ours"],
                "verify_many_vs_torch": None,
                "verify_many_vs_torch_naive": None,
                "verify_p50_vs_torch": None,
                "index_vs_torch": None,
                "verdicts_equal_to_torch": None,
            }
            if reference is not None:
                row["verify_many_vs_torch"] = speedup(
                    batch["ours"],
                    _measure(reference, "batch throughput")["ours"],
                    lower_is_better=False,
                )
                row["verify_many_vs_torch_naive"] = speedup(
                    batch["ours"],
                    _measure(reference, "batch throughput")["baseline"],
                    lower_is_better=False,
                )
                row["verify_p50_vs_torch"] = speedup(
                    p50["ours"],
                    _measure(reference, "single claim latency p50")["ours"],
                    lower_is_better=True,
                )
                row["index_vs_torch"] = speedup(
                    build["ours"],
                    _measure(reference, "index build (embed")["ours"],
                    lower_is_better=False,
                )
                row["verdicts_equal_to_torch"] = sum(
                    a == b for a, b in zip(record["labels"], reference["labels"], strict=True)
                ) / max(1, len(record["labels"]))
            rows.append(row)
    return rows


def write_report(report: dict[str, Any], out_dir: Path) -> str:
    """Write ``bench.json`` and ``bench.md`` under ``out_dir``; returns the Markdown."""
    out_dir.mkdir(parents=True, exist_ok=True)
    markdown = format_markdown(report)
    (out_dir / "bench.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (out_dir / "bench.md").write_text(markdown, encoding="utf-8")
    return markdown


def _default_corpus() -> Path:
    return DEMO_CORPUS if DEMO_CORPUS.is_dir() else SHARED_NEWS_CORPUS.resolve()


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"--scales takes sizes like 100000,1000000: {error}"
        ) from error
    if any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError("--scales sizes must be positive")
    return sizes


def _index_types(text: str) -> list[str]:
    types = [part.strip() for part in text.split(",") if part.strip()]
    unknown = set(types) - set(INDEX_TYPES)
    if unknown or not types:
        raise argparse.ArgumentTypeError(f"--index-types takes some of {list(INDEX_TYPES)}")
    return types


def _choices(flag: str, allowed: Sequence[str]) -> Callable[[str], list[str]]:
    def parse(text: str) -> list[str]:
        chosen = [part.strip() for part in text.split(",") if part.strip()]
        if not chosen or set(chosen) - set(allowed):
            raise argparse.ArgumentTypeError(f"{flag} takes some of {list(allowed)}")
        return list(dict.fromkeys(chosen))

    return parse


_backends = _choices("--backends", BACKENDS)


def setups_from_args(args: argparse.Namespace) -> list[ModelSetup]:
    """One setup per judge and backend, judges outermost; ``--nli-model`` replaces the judges."""
    from verifier import Embedder, NLIJudge

    judges = [args.nli_model] if args.nli_model else args.judges
    return [
        ModelSetup(
            judge=judge,
            backend=backend,
            make_embedder=partial(Embedder, args.embedder, backend=backend),
            make_judge=partial(NLIJudge, judge, batch_size=NLI_BATCH_SIZE, backend=backend),
        )
        for judge in judges
        for backend in args.backends
    ]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m eval.bench.pipeline", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--corpus",
        action="append",
        type=Path,
        help="corpus file or folder; repeat for several (default: demo_corpus/)",
    )
    parser.add_argument(
        "--claims",
        action="append",
        type=Path,
        required=True,
        help="claims JSONL/CSV; one for all corpora, or one per --corpus in the same order",
    )
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats (default 5)")
    parser.add_argument("--out", type=Path, help="output folder (default runs/bench-DATE)")
    parser.add_argument(
        "--scales",
        type=_sizes,
        default=list(DEFAULT_SCALES),
        help="synthetic index sizes (default 100000,1000000)",
    )
    parser.add_argument(
        "--index-types", type=_index_types, default=list(INDEX_TYPES), help="default flat,hnsw,ivf"
    )
    parser.add_argument("--skip-scale", action="store_true", help="no synthetic scale benchmark")
    parser.add_argument("--skip-corpus", action="store_true", help="only the scale benchmark")
    parser.add_argument(
        "--scale-queries", type=int, default=1000, help="queries per batched search"
    )
    parser.add_argument(
        "--scale-timeout",
        type=float,
        default=1800.0,
        help="seconds allowed for each (size, index type), build included (default 1800)",
    )
    add_pipeline_options(parser)
    parser.add_argument(
        "--judges",
        type=lambda text: [name for name in text.split(",") if name],
        default=["fast"],
        help="comma-separated NLI judges to measure: folders, hub ids or aliases (default fast)",
    )
    parser.add_argument(
        "--backends",
        type=_backends,
        default=list(BACKENDS),
        help=f"comma-separated backends to measure, of {list(BACKENDS)} (default all)",
    )
    parser.add_argument("--nli-model", help="NLI model path, hub id or alias (overrides --judges)")
    parser.add_argument("--embedder", help="sentence embedder path (default: shipped)")
    args = parser.parse_args(argv)
    args.corpus = args.corpus or [_default_corpus()]
    if len(args.claims) not in (1, len(args.corpus)):
        parser.error("give one --claims file, or one per --corpus")
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    args = parse_args(argv)
    print(cpu_description(), flush=True)
    claims = args.claims * len(args.corpus) if len(args.claims) == 1 else args.claims
    corpora = [] if args.skip_corpus else list(zip(args.corpus, claims, strict=True))
    out_dir = args.out or Path("runs") / f"bench-{datetime.now(UTC):%Y%m%d-%H%M%S}"
    report = run_bench(
        corpora,
        setups=setups_from_args(args),
        settings=CorpusSettings(repeats=args.repeats, top_k=args.top_k),
        scales=[] if args.skip_scale else args.scales,
        index_types=args.index_types,
        scale_settings=ScaleSettings(
            queries=args.scale_queries, repeats=args.repeats, timeout_s=args.scale_timeout
        ),
    )
    sys.stdout.write(write_report(report, out_dir))
    logger.info("wrote %s and %s", out_dir / "bench.json", out_dir / "bench.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
