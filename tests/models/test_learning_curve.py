"""The learning curve reads a run's metrics into points per source, pairs seen on x."""

from __future__ import annotations

import json

from models.learning_curve import curve_points, main


def metrics() -> dict:
    return {
        "config": {"batch_size": 32},
        "history": [
            {"step": 0, "accuracy": 0.5, "by_source": {"vitaminc": 0.6, "edit-month": 0.2}},
            {"step": 300, "accuracy": 0.7, "by_source": {"vitaminc": 0.65, "edit-month": 0.8}},
        ],
    }


def test_points_are_pairs_seen_and_accuracy_per_source():
    points = curve_points(metrics())
    assert points["overall"] == [(0, 0.5), (9600, 0.7)]
    assert points["edit-month"] == [(0, 0.2), (9600, 0.8)]


def test_a_second_leg_counts_on_from_where_the_first_stopped():
    points = curve_points(metrics(), metrics())
    assert points["overall"] == [(0, 0.5), (9600, 0.7), (9600, 0.5), (19200, 0.7)]


def test_the_command_writes_a_png(tmp_path):
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps(metrics()))
    out = tmp_path / "curve.png"
    assert main([str(path), "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
