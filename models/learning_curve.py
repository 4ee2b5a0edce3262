"""Draw a training run's learning curve: validation accuracy per source against pairs seen.

Reads the ``metrics.json`` that :mod:`models.train_nli` writes (one record per
evaluation, the starting model's at step 0) and draws one line per source of the
validation slice, the overall accuracy in black. A run in legs (a second run started
from the first one's last model) is drawn as one curve, each leg's pairs counted on
from where the one before it stopped.

Example::

    python -m models.learning_curve ckpt/v5a/metrics.json ckpt/v5b/metrics.json \
        --out models/learning-curve-v5.png
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def curve_points(*legs: dict[str, Any]) -> dict[str, list[tuple[int, float]]]:
    """``{source: [(pairs seen, accuracy), ...]}`` from a run's metrics, plus ``overall``.

    Each later leg starts where the one before it ended (its own step 0 is that point).
    """
    points: dict[str, list[tuple[int, float]]] = {"overall": []}
    offset = 0
    for metrics in legs:
        batch_size = int(metrics["config"]["batch_size"])
        last = 0
        for record in metrics["history"]:
            seen = offset + int(record["step"]) * batch_size
            last = max(last, seen)
            points["overall"].append((seen, float(record["accuracy"])))
            for source, accuracy in record["by_source"].items():
                points.setdefault(source, []).append((seen, float(accuracy)))
        offset = last
    return points


def draw(points: dict[str, list[tuple[int, float]]], out: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(9, 5.5), dpi=110)
    for number, source in enumerate(sorted(points, key=lambda name: (name == "overall", name))):
        xs, ys = zip(*points[source], strict=True)
        # Ten colours repeat, so each later ten get their own line style.
        dashes = ("-", "--", ":")[min(number // 10, 2)]
        style = (
            {"color": "black", "linewidth": 2.5}
            if source == "overall"
            else {"linewidth": 1.2, "linestyle": dashes}
        )
        axes.plot(xs, ys, marker="o", markersize=3, label=source, **style)
    axes.set_xlabel("training pairs seen")
    axes.set_ylabel("validation accuracy")
    axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=7, ncol=2, loc="lower right")
    figure.tight_layout()
    figure.savefig(out)
    plt.close(figure)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("metrics", nargs="+", help="a run's metrics.json, one per leg in order")
    parser.add_argument("--out", required=True, help="the PNG to write")
    parser.add_argument("--title", default="Judge validation accuracy by source")
    args = parser.parse_args(argv)
    legs = [json.loads(Path(path).read_text(encoding="utf-8")) for path in args.metrics]
    draw(curve_points(*legs), Path(args.out), args.title)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
