"""How many CPU threads a model should use: the cores this process may run on, less the busy ones.

Matrix libraries default to one thread per core of the machine. That is wrong
twice over on a shared server: a container may be allowed fewer cores than the
machine has (CPU affinity, a cgroup quota), and cores other processes keep busy
make every multi-threaded step wait for its slowest thread (on a busy 2-core
machine one torch thread beat two). So the count is decided once, when a model loads:

* the cores available: the CPU affinity mask, capped by the cgroup's CPU quota;
* less the cores other processes keep busy, measured over a quarter of a
  second from ``/proc/stat`` (the busy time of this process's cores less this
  process's own CPU time), rounded; where that cannot be read, the 1-minute
  load average. The load average counts this process too: a long read before a
  model loads made it look busy to itself and choose one thread on an idle
  2-core machine;
* at least one; and ``OMP_NUM_THREADS``, when set, wins over all of it.

Pure logic apart from reading ``/proc`` and ``/sys``; no torch import.
"""

from __future__ import annotations

import logging
import math
import os
import time
from pathlib import Path

logger = logging.getLogger(__name__)

CGROUP_ROOT = Path("/sys/fs/cgroup")


def cgroup_cpu_limit(root: Path = CGROUP_ROOT) -> float | None:
    """The CPU quota of this process's cgroup in cores, or ``None`` if there is none.

    Reads cgroup v2's ``cpu.max`` ("200000 100000" is 2 cores, "max 100000" is
    no limit), else cgroup v1's ``cpu.cfs_quota_us`` / ``cpu.cfs_period_us``.

    Example:
        >>> cgroup_cpu_limit(Path("/no/such/cgroup")) is None
        True
    """
    try:
        quota, period = (root / "cpu.max").read_text().split()[:2]
        if quota == "max":
            return None
        return int(quota) / int(period)
    except (OSError, ValueError):
        pass
    try:
        quota_us = int((root / "cpu" / "cpu.cfs_quota_us").read_text())
        period_us = int((root / "cpu" / "cpu.cfs_period_us").read_text())
    except (OSError, ValueError):
        return None
    return quota_us / period_us if quota_us > 0 and period_us > 0 else None


def available_cpus(root: Path = CGROUP_ROOT) -> int:
    """Cores this process may run on: its affinity mask, capped by the cgroup quota."""
    if hasattr(os, "sched_getaffinity"):
        cores = len(os.sched_getaffinity(0))
    else:  # macOS and Windows have no affinity call
        cores = os.cpu_count() or 1
    limit = cgroup_cpu_limit(root)
    if limit is not None:
        cores = min(cores, max(1, math.floor(limit)))
    return max(1, cores)


def choose_threads(cores: int, busy: float | None) -> int:
    """Threads for a model: the available cores less those other work keeps busy.

    Args:
        cores: cores this process may use (:func:`available_cpus`).
        busy: cores other work keeps busy (measured, or the load average), or
            ``None`` if unknown.

    Example:
        >>> choose_threads(2, 0.3), choose_threads(2, 0.8), choose_threads(2, 3.1)
        (2, 1, 1)
        >>> choose_threads(16, 4.2), choose_threads(4, None)
        (12, 4)
    """
    if cores < 1:
        raise ValueError(f"cores must be at least 1, got {cores}")
    if busy is None or math.isnan(busy):
        return cores
    whole = math.floor(max(0.0, busy) + 0.5)
    return max(1, min(cores, cores - whole))


def _busy_ticks(stat: str, cpus: set[int]) -> int:
    """Clock ticks the given cores spent busy, from the text of ``/proc/stat``.

    Example:
        >>> stat = ["cpu  9 0 9 9 0", "cpu0 5 1 2 100 7 0 0", "cpu1 3 0 0 50 0"]
        >>> _busy_ticks(chr(10).join(stat), {0})
        8
    """
    busy = 0
    for line in stat.splitlines():
        name, _, fields = line.partition(" ")
        if not name.startswith("cpu") or not name[3:].isdigit() or int(name[3:]) not in cpus:
            continue
        ticks = [int(field) for field in fields.split()[:8]]
        busy += sum(ticks) - ticks[3] - (ticks[4] if len(ticks) > 4 else 0)  # less idle, iowait
    return busy


def _own_ticks() -> int:
    """Clock ticks of CPU time this process has used (user + system, all its threads)."""
    fields = Path("/proc/self/stat").read_text().rpartition(")")[2].split()
    return int(fields[11]) + int(fields[12])


def others_busy_cores(interval: float = 0.25) -> float | None:
    """Cores that other processes keep busy now, or ``None`` where ``/proc`` cannot tell.

    Busy time of the cores this process may use, less this process's own CPU
    time, over ``interval`` seconds.
    """
    try:
        cpus = set(os.sched_getaffinity(0))
        stat = Path("/proc/stat")
        busy, own, started = _busy_ticks(stat.read_text(), cpus), _own_ticks(), time.monotonic()
        time.sleep(interval)
        busy_delta = _busy_ticks(stat.read_text(), cpus) - busy
        own_delta = _own_ticks() - own
        seconds = time.monotonic() - started
    except (AttributeError, OSError, ValueError, IndexError):
        return None
    if seconds <= 0:
        return None
    return max(0.0, busy_delta - own_delta) / os.sysconf("SC_CLK_TCK") / seconds


def automatic_threads() -> int:
    """The thread count for a model loading now (see the module's description)."""
    configured = os.environ.get("OMP_NUM_THREADS", "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    cores = available_cpus()
    busy, source = others_busy_cores(), "busy cores of other processes"
    if busy is None:
        busy = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
        source = "load average"
    threads = choose_threads(cores, busy)
    logger.info("using %d threads: %d cores available, %s %s", threads, cores, source, busy)
    return threads


def cpu_model_and_flags(cpuinfo: str | None = None) -> tuple[str | None, frozenset[str]]:
    """The CPU's model name (``None`` if unknown) and its flags, from ``/proc/cpuinfo``.

    The flags decide the kernels the libraries run (int8 with or without VNNI, native or
    emulated bf16), so benchmarks name them and training chooses by them.
    """
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            cpuinfo = ""
    model, flags = None, frozenset()
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name" and model is None:
            model = value.strip()
        elif key.strip() == "flags" and not flags:
            flags = frozenset(value.split())
    return model, flags
