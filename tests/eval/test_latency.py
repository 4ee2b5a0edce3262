"""Latency summaries of a run (eval.bench.timing), on small hand-made cases."""

from __future__ import annotations

import pytest

from eval.bench.timing import latency_summary, percentile


def test_latency_summary_matches_numpy_percentiles():
    summary = latency_summary([4.0, 1.0, 3.0, 2.0])
    assert summary.median == 2.5
    assert summary.p95 == pytest.approx(3.85)  # numpy.percentile(..., 95)
    assert (summary.count, summary.mean, summary.max) == (4, 2.5, 4.0)


def test_latency_summary_single_and_ties():
    assert latency_summary([0.2]).p95 == 0.2
    assert latency_summary([1.0, 1.0, 1.0]).median == 1.0


def test_latency_summary_empty():
    summary = latency_summary([])
    assert summary.to_dict() == {"count": 0, "mean": None, "median": None, "p95": None, "max": None}


def test_percentile_bad_input():
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)
