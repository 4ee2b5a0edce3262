"""How many CPU threads a model should use: the cores this process may run on, less the busy ones.

Matrix libraries default to one thread per core of the machine. That is wrong
twice over on a shared server: a container may be allowed fewer cores than the
machine has (CPU affinity, a cgroup quota), and cores other processes keep busy
make every multi-threaded step wait for its slowest thread (on a 2-core
machine with other jobs running, one torch thread ran 2.9 times faster than
two). So the count is decided once, when a model loads:

* the cores available: the CPU affinity mask, capped by the cgroup's CPU quota;
* less the cores other work keeps busy: the 1-minute load average, rounded;
* at least one; and ``OMP_NUM_THREADS``, when set, wins over all of it.

Pure logic apart from reading ``/proc`` and ``/sys``; no torch import.
"""

from __future__ import annotations

import logging
import math
import os
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


def choose_threads(cores: int, load_average: float | None) -> int:
    """Threads for a model: the available cores less those other work keeps busy.

    Args:
        cores: cores this process may use (:func:`available_cpus`).
        load_average: the 1-minute load average, or ``None`` if unknown.

    Example:
        >>> choose_threads(2, 0.3), choose_threads(2, 0.8), choose_threads(2, 3.1)
        (2, 1, 1)
        >>> choose_threads(16, 4.2), choose_threads(4, None)
        (12, 4)
    """
    if cores < 1:
        raise ValueError(f"cores must be at least 1, got {cores}")
    if load_average is None or math.isnan(load_average):
        return cores
    busy = math.floor(max(0.0, load_average) + 0.5)
    return max(1, min(cores, cores - busy))


def automatic_threads() -> int:
    """The thread count for a model loading now (see the module's description)."""
    configured = os.environ.get("OMP_NUM_THREADS", "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    cores = available_cpus()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    threads = choose_threads(cores, load)
    logger.info("using %d threads: %d cores available, load average %s", threads, cores, load)
    return threads
