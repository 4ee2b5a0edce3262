"""The automatic thread count: cores available, less the busy ones, and the environment's say."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from verifier import threads


@pytest.mark.parametrize(
    ("cores", "load", "expected"),
    [
        (2, 0.0, 2),
        (2, 0.3, 2),
        (2, 0.5, 1),  # half a core busy rounds up: one straggler slows every step
        (2, 0.8, 1),
        (2, 3.1, 1),  # a busy 2-core machine: one thread
        (16, 4.2, 12),
        (16, 40.0, 1),
        (4, None, 4),
        (4, float("nan"), 4),
        (1, 0.0, 1),
        (3, -1.0, 3),
    ],
)
def test_choose_threads(cores, load, expected):
    assert threads.choose_threads(cores, load) == expected


def test_choose_threads_refuses_no_cores():
    with pytest.raises(ValueError, match="cores"):
        threads.choose_threads(0, 1.0)


@pytest.mark.parametrize(
    ("content", "expected"),
    [("200000 100000\n", 2.0), ("150000 100000", 1.5), ("max 100000", None), ("junk", None)],
)
def test_cgroup_v2_quota(tmp_path, content, expected):
    (tmp_path / "cpu.max").write_text(content)
    assert threads.cgroup_cpu_limit(tmp_path) == expected


def test_cgroup_v1_quota(tmp_path):
    (tmp_path / "cpu").mkdir()
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("300000\n")
    (tmp_path / "cpu" / "cpu.cfs_period_us").write_text("100000\n")
    assert threads.cgroup_cpu_limit(tmp_path) == 3.0
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("-1\n")
    assert threads.cgroup_cpu_limit(tmp_path) is None


def test_no_cgroup_files_mean_no_limit(tmp_path):
    assert threads.cgroup_cpu_limit(tmp_path / "missing") is None


def test_available_cpus_takes_the_smaller_of_affinity_and_quota(tmp_path, monkeypatch):
    monkeypatch.setattr(threads.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    assert threads.available_cpus(tmp_path) == 4
    (tmp_path / "cpu.max").write_text("150000 100000")
    assert threads.available_cpus(tmp_path) == 1
    (tmp_path / "cpu.max").write_text("50000 100000")  # half a core is still one thread
    assert threads.available_cpus(tmp_path) == 1


def test_automatic_threads_reads_cores_and_load(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(threads, "available_cpus", lambda: 2)
    monkeypatch.setattr(threads, "others_busy_cores", lambda: None)  # no /proc: load average
    monkeypatch.setattr(threads.os, "getloadavg", lambda: (3.0, 3.0, 3.0))
    assert threads.automatic_threads() == 1
    monkeypatch.setattr(threads.os, "getloadavg", lambda: (0.1, 0.1, 0.1))
    assert threads.automatic_threads() == 2


def test_automatic_threads_prefers_the_measured_busy_cores(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(threads, "available_cpus", lambda: 2)
    monkeypatch.setattr(threads.os, "getloadavg", lambda: (1.2, 1.2, 1.2))  # our own work
    monkeypatch.setattr(threads, "others_busy_cores", lambda: 0.1)
    assert threads.automatic_threads() == 2
    monkeypatch.setattr(threads, "others_busy_cores", lambda: 0.9)
    assert threads.automatic_threads() == 1


def test_others_busy_cores_leaves_out_this_process(monkeypatch):
    """Cores busy 100 ticks in all, 80 of them this process's: 20 ticks are others'."""
    busy, own = iter([1000, 1100]), iter([500, 580])
    monkeypatch.setattr(threads, "_busy_ticks", lambda stat, cpus: next(busy))
    monkeypatch.setattr(threads, "_own_ticks", lambda: next(own))
    clock = iter([10.0, 11.0])
    monkeypatch.setattr(threads.time, "monotonic", lambda: next(clock))
    monkeypatch.setattr(threads.time, "sleep", lambda seconds: None)
    ticks = threads.os.sysconf("SC_CLK_TCK")
    assert threads.others_busy_cores() == pytest.approx(20 / ticks)


def test_others_busy_cores_does_not_count_its_own_busy_thread(monkeypatch):
    """A thread of this process spinning on a core is not "other work".

    The cores' busy time is made exactly this process's own (read from the real
    ``/proc/self/stat``), so the answer is 0 whatever else the machine is running,
    provided the spinning thread's time is the process's time.
    """
    if not Path("/proc/self/stat").exists():
        pytest.skip("no /proc here")
    monkeypatch.setattr(threads, "_busy_ticks", lambda stat, cpus: threads._own_ticks())
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            sum(range(1000))

    spinner = threading.Thread(target=spin)
    spinner.start()
    try:
        measured = threads.others_busy_cores(0.5)
    finally:
        stop.set()
        spinner.join()
    assert measured == pytest.approx(0.0, abs=0.1)


def test_omp_num_threads_wins(monkeypatch):
    monkeypatch.setattr(threads, "available_cpus", lambda: 2)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert threads.automatic_threads() == 3
    monkeypatch.setenv("OMP_NUM_THREADS", "zero")
    monkeypatch.setattr(threads, "others_busy_cores", lambda: 0.0)  # an idle machine
    assert threads.automatic_threads() == 2


def test_the_cpu_model_and_flags_come_from_the_first_processor_in_cpuinfo():
    cpuinfo = (
        "processor\t: 0\nmodel name\t: AMD EPYC 9454\nflags\t\t: avx2 avx512_bf16\n\n"
        "processor\t: 1\nmodel name\t: other\nflags\t\t: sse2\n"
    )
    assert threads.cpu_model_and_flags(cpuinfo) == ("AMD EPYC 9454", {"avx2", "avx512_bf16"})
    assert threads.cpu_model_and_flags("") == (None, frozenset())
