"""Timing and memory helpers for the benchmark: pure statistics and a peak-RSS probe.

The statistics (``median``, ``percentile``, ``speedup``, ``recall_at_k``) are pure
functions over plain numbers so they can be tested with hand-made cases.
``PeakMemory`` measures the resident-set high-water mark of this process over a
block of code, which covers memory held by torch and FAISS as well as Python.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import math
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from verifier.threads import cpu_model_and_flags

logger = logging.getLogger(__name__)

_PROC_STATUS = Path("/proc/self/status")
_PROC_CLEAR_REFS = Path("/proc/self/clear_refs")

MEMORY_METHOD_HWM = "VmHWM (resident high-water mark, reset via /proc/self/clear_refs)"
MEMORY_METHOD_SAMPLED = "psutil RSS sampled every 5 ms (the peak between samples can be missed)"


def median(values: Sequence[float]) -> float:
    """The middle value; the mean of the two middle values for an even count.

    Example:
        >>> median([3.0, 1.0, 2.0, 10.0])
        2.5
    """
    return percentile(values, 50.0)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile with linear interpolation between closest ranks.

    Matches ``numpy.percentile(values, q)`` (method ``"linear"``).

    Args:
        values: at least one number.
        q: between 0 and 100.

    Raises:
        ValueError: ``values`` is empty, holds NaN, or ``q`` is out of range.

    Example:
        >>> percentile([10.0, 20.0, 30.0, 40.0], 95)
        38.5
    """
    if not values:
        raise ValueError("percentile of no values is undefined")
    if not 0.0 <= q <= 100.0:
        raise ValueError(f"q must be between 0 and 100, got {q}")
    ordered = sorted(float(value) for value in values)
    if any(math.isnan(value) for value in ordered):
        raise ValueError("values contain NaN")
    position = (len(ordered) - 1) * q / 100.0
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    fraction = position - lower
    return ordered[lower] + (ordered[upper] - ordered[lower]) * fraction


def speedup(ours: float, baseline: float, *, lower_is_better: bool) -> float | None:
    """How many times better ours is than the baseline; above 1 means faster.

    Args:
        ours: our figure (a time if ``lower_is_better``, else a rate).
        baseline: the baseline's figure in the same unit.
        lower_is_better: ``True`` for times and latencies, ``False`` for rates.

    Returns:
        ``baseline / ours`` for times, ``ours / baseline`` for rates; ``None`` when
        the divisor is zero or either figure is negative or missing.

    Example:
        >>> speedup(0.5, 2.0, lower_is_better=True)
        4.0
        >>> speedup(300.0, 100.0, lower_is_better=False)
        3.0
    """
    numerator, divisor = (baseline, ours) if lower_is_better else (ours, baseline)
    if numerator is None or divisor is None or numerator < 0 or divisor <= 0:
        return None
    return float(numerator) / float(divisor)


def paired_speedup(
    ours: Sequence[float], baseline: Sequence[float], *, lower_is_better: bool
) -> float | None:
    """Median over repeats of each repeat's speed-up of ours over the baseline.

    Each repeat runs ours and the baseline back to back, so pairing them cancels
    much of the drift in machine load that a ratio of overall medians keeps.

    Args:
        ours: our figure in each repeat.
        baseline: the baseline's figure in the same repeats, in the same order.
        lower_is_better: as in ``speedup``.

    Returns:
        The median of the defined per-repeat speed-ups; ``None`` if none is defined.

    Example:
        >>> paired_speedup([1.0, 2.0, 1.0], [4.0, 4.0, 5.0], lower_is_better=True)
        4.0
    """
    if len(ours) != len(baseline):
        raise ValueError(f"{len(ours)} figures for ours but {len(baseline)} for the baseline")
    ratios = [
        ratio
        for mine, theirs in zip(ours, baseline, strict=True)
        if (ratio := speedup(mine, theirs, lower_is_better=lower_is_better)) is not None
    ]
    return median(ratios) if ratios else None


def recall_at_k(
    approximate: Sequence[Sequence[int]], exact: Sequence[Sequence[int]], k: int
) -> float:
    """Mean fraction of each query's exact top-``k`` ids the approximate search found.

    Ids below 0 (FAISS pads missing results with -1) never count as found.

    Args:
        approximate: per query, the ids an approximate index returned, best first.
        exact: per query, the exact nearest ids, best first (at least ``k`` each).
        k: how many neighbours to compare.

    Raises:
        ValueError: ``k`` is below 1, the query counts differ, or there are no queries.

    Example:
        >>> recall_at_k([[1, 2, 9]], [[1, 2, 3]], 3)
        0.6666666666666666
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    if len(approximate) != len(exact):
        raise ValueError(f"{len(approximate)} approximate rows but {len(exact)} exact rows")
    if not len(exact):
        raise ValueError("recall over no queries is undefined")
    total = 0.0
    for found, truth in zip(approximate, exact, strict=True):
        wanted = {int(i) for i in list(truth)[:k] if int(i) >= 0}
        if len(wanted) < k:
            raise ValueError(f"each exact row needs {k} valid ids, got {len(wanted)}")
        hits = {int(i) for i in list(found)[:k]} & wanted
        total += len(hits) / k
    return total / len(exact)


def time_calls(function: Callable[[], Any], repeats: int, warmup: int = 1) -> list[float]:
    """Call ``function`` ``warmup`` times untimed, then ``repeats`` times timed.

    Returns:
        The wall-clock seconds of each timed call.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    for _ in range(warmup):
        function()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - start)
    return seconds


@dataclass(frozen=True)
class MemoryUse:
    """Resident memory over a block: the peak, and the peak above where it started."""

    start_mb: float
    peak_mb: float
    method: str

    @property
    def increase_mb(self) -> float:
        return max(0.0, self.peak_mb - self.start_mb)

    def to_dict(self) -> dict[str, Any]:
        return {
            "start_rss_mb": self.start_mb,
            "peak_rss_mb": self.peak_mb,
            "peak_increase_mb": self.increase_mb,
            "method": self.method,
        }


def _status_kb(field: str) -> int | None:
    try:
        for line in _PROC_STATUS.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_high_water_mark() -> bool:
    try:
        _PROC_CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return True


def release_free_memory() -> None:
    """Collect garbage and hand freed heap pages back to the OS (glibc ``malloc_trim``).

    Without this, memory freed by an earlier step stays resident and a later
    step that reuses it shows no increase in RSS.
    """
    gc.collect()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        logger.debug("malloc_trim is not available; RSS increases may be understated")


def current_rss_mb() -> float:
    """This process's resident set size now, in MiB."""
    import psutil

    return psutil.Process().memory_info().rss / 2**20


class PeakMemory:
    """Measure this process's peak resident memory over a ``with`` block.

    On Linux the kernel's high-water mark (``VmHWM``) is reset on entry and read
    on exit, so short spikes are caught; freed heap pages are returned to the OS
    first so that reused memory counts. Elsewhere a thread samples the RSS with
    psutil every 5 ms. Either way this is whole-process memory: model weights,
    FAISS buffers and Python objects alike.

    Example:
        >>> with PeakMemory() as probe:
        ...     buffer = b"x" * (50 * 2**20)
        >>> probe.result.increase_mb > 40
        True
    """

    def __init__(self) -> None:
        self.result: MemoryUse | None = None
        self._use_hwm = False
        self._start_mb = 0.0
        self._sampled_peak_mb = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> PeakMemory:
        release_free_memory()
        self._start_mb = current_rss_mb()
        self._use_hwm = _status_kb("VmHWM") is not None and _reset_high_water_mark()
        if not self._use_hwm:
            self._sampled_peak_mb = self._start_mb
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self._sampled_peak_mb = max(self._sampled_peak_mb, current_rss_mb())

    def __exit__(self, *exc_info: object) -> None:
        if self._use_hwm:
            peak_kb = _status_kb("VmHWM")
            peak_mb = peak_kb / 1024 if peak_kb is not None else current_rss_mb()
            method = MEMORY_METHOD_HWM
        else:
            self._stop.set()
            if self._thread is not None:
                self._thread.join()
            peak_mb = max(self._sampled_peak_mb, current_rss_mb())
            method = MEMORY_METHOD_SAMPLED
        self.result = MemoryUse(start_mb=self._start_mb, peak_mb=peak_mb, method=method)


@dataclass(frozen=True)
class LatencySummary:
    """Seconds per claim; the statistics are ``None`` when there are no timings."""

    count: int
    mean: float | None
    median: float | None
    p95: float | None
    max: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "mean": self.mean,
            "median": self.median,
            "p95": self.p95,
            "max": self.max,
        }


def latency_summary(latencies: Sequence[float]) -> LatencySummary:
    """Mean, median, 95th percentile and maximum of per-claim seconds.

    Example:
        >>> latency_summary([1.0, 2.0, 3.0]).median
        2.0
    """
    if not latencies:
        return LatencySummary(count=0, mean=None, median=None, p95=None, max=None)
    return LatencySummary(
        count=len(latencies),
        mean=sum(latencies) / len(latencies),
        median=percentile(latencies, 50),
        p95=percentile(latencies, 95),
        max=max(latencies),
    )


CPU_FLAGS_OF_NOTE = (
    "avx2",
    "avx512f",
    "avx512_vnni",
    "avx_vnni",
    "avx512_bf16",
    "amx_int8",
    "amx_bf16",
)
"""The flags that decide which int8, bf16 and float kernels ONNX Runtime and torch run."""


def cpu_description(cpuinfo: str | None = None) -> str:
    """One line naming the CPU model, core count and the kernel-deciding flags it has.

    Every benchmark prints it first: figures from two machines are never
    comparable as if from one, and int8 kernels differ with VNNI.
    """
    model, flags = cpu_model_and_flags(cpuinfo)
    model = model or "unknown CPU"
    present = [flag for flag in CPU_FLAGS_OF_NOTE if flag in flags]
    return f"CPU: {model}, {os.cpu_count()} cores, flags: {' '.join(present) or 'none of note'}"
