"""Markdown report and plots for a scored fact-checking run."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from verifier.decision import CLAIM_CLASSES

REPORT = "report.md"
CONFUSION_PNG = "confusion.png"
RELIABILITY_PNG = "reliability.png"

_HEADLINE_ROWS = (
    ("accuracy", "Label accuracy (S/R/NEI)"),
    ("macro_f1", "Macro-F1 (S/R/NEI)"),
    ("fever_strict", "FEVER-style strict score"),
    ("evidence_recall@1", "Evidence recall@1"),
    ("evidence_recall@3", "Evidence recall@3"),
    ("evidence_recall@5", "Evidence recall@5"),
    ("ece", "ECE of confidence"),
    ("ece_calibrated", "ECE after dev-fitted calibration"),
    ("conflicting_recall", "DISPUTED claims predicted CONFLICTING"),
    ("latency_median_ms", "Latency per claim, median (ms)"),
    ("latency_p95_ms", "Latency per claim, p95 (ms)"),
)


def milliseconds(seconds: float | None) -> float | None:
    """Seconds as milliseconds, keeping ``None`` for no timings."""
    return None if seconds is None else seconds * 1000


def format_value(value: Any) -> str:
    """A metric as the report shows it: 3 decimals, ``n/a`` for missing."""
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(format_value(cell) for cell in row) + " |" for row in rows]
    return lines


def _flat(summary: Mapping[str, Any]) -> dict[str, Any]:
    recall = summary["evidence_recall"]["at_k"]
    return {
        "accuracy": summary["accuracy"],
        "macro_f1": summary["macro_f1"],
        "fever_strict": summary["fever_strict"],
        **{f"evidence_recall@{k}": value for k, value in recall.items()},
        "ece": summary["ece"],
        "ece_calibrated": summary.get("ece_calibrated"),
        "conflicting_recall": summary["conflicting"]["recall"],
        "latency_median_ms": milliseconds(summary["latency_s"]["median"]),
        "latency_p95_ms": milliseconds(summary["latency_s"]["p95"]),
    }


def render_report(metrics: Mapping[str, Any], info: Mapping[str, Any]) -> str:
    """The Markdown report of a scored run."""
    counts = metrics["counts"]
    fit = metrics["fit"]["aggregation"]
    shipped = _flat(metrics["shipped"]["test"])
    tuned = _flat(metrics["tuned"]["test"])
    dev_tuned = _flat(metrics["tuned"]["dev"])
    test = metrics["tuned"]["test"]
    title = metrics.get("dataset") or "claims"
    lines = [
        f"# Fact-checking evaluation: {title}",
        "",
        "## Protocol",
        "",
        f"Claims are split by the sha1 of their id into a dev half ({counts['dev']} claims) "
        f"and a test half ({counts['test']} claims). The aggregation thresholds are fitted on "
        "dev only (coordinate ascent over `AggregationConfig` fields, re-aggregating the stored "
        "per-evidence NLI scores, maximising dev macro-F1), and so is a histogram-binning "
        "calibration of the confidence. **All headline figures are on the test half**, with "
        "the dev-fitted thresholds; the shipped-threshold column uses the verdicts as the "
        "pipeline gave them. Labels are scored over SUPPORTED / REFUTED / NOT_ENOUGH_INFO "
        "(a CONFLICTING prediction of such a claim counts as wrong); gold DISPUTED claims "
        "are reported separately against CONFLICTING. Evidence recall@k: a gold "
        "SUPPORTS/REFUTES sentence among the top k retrieved, over claims with gold evidence. "
        "Strict score: right label and, for SUPPORTED/REFUTED, a gold sentence retrieved.",
        "",
        "## Headline (test)",
        "",
    ]
    rows = [
        (name, shipped.get(key), tuned.get(key), dev_tuned.get(key)) for key, name in _HEADLINE_ROWS
    ]
    lines += _table(
        ("metric", "test, shipped thresholds", "test, dev-fitted", "dev, dev-fitted"), rows
    )
    baseline = metrics["majority_baseline"]
    lines += [
        "",
        f"For scale: always answering dev's most frequent label ({baseline['label']}) scores "
        f"accuracy {format_value(baseline['accuracy'])}, macro-F1 "
        f"{format_value(baseline['macro_f1'])} on test.",
        "",
        f"Test: {test['claims']} claims, {test['scored_claims']} with a S/R/NEI gold label, "
        f"{test['evidence_recall']['claims']} with gold evidence, "
        f"{test['conflicting']['count']} DISPUTED.",
        "",
        "## Per class (test, dev-fitted)",
        "",
    ]
    per_class = test["labels"]["per_class"]
    lines += _table(
        ("class", "precision", "recall", "F1", "support"),
        [
            (label, item["precision"], item["recall"], item["f1"], item["support"])
            for label, item in per_class.items()
        ],
    )
    confusion = test["confusion_all"]
    lines += ["", "## Confusion (test, dev-fitted; rows gold, columns predicted)", ""]
    lines += _table(
        ("gold \\ predicted", *confusion["labels"]),
        [
            (_gold_name(label), *row)
            for label, row in zip(confusion["labels"], confusion["matrix"], strict=True)
        ],
    )
    conflicting = test["conflicting"]
    lines += [
        "",
        f"DISPUTED (gold CONFLICTING) on test: {conflicting['count']} claims, predicted as "
        + ", ".join(f"{label} {count}" for label, count in conflicting["predicted"].items())
        + f"; CONFLICTING precision {format_value(conflicting['precision'])}, "
        f"recall {format_value(conflicting['recall'])}.",
        "",
        "## Fitted on dev",
        "",
    ]
    lines += _table(
        ("setting", "shipped", "dev-fitted"),
        [(key, fit["start_config"][key], value) for key, value in fit["config"].items()],
    )
    lines += [
        "",
        f"Dev macro-F1 {format_value(fit['start_dev_macro_f1'])} -> "
        f"{format_value(fit['dev_macro_f1'])} ({fit['configs_tried']} settings tried over "
        f"{fit['rounds']} rounds, {fit['dev_claims']} dev claims). Re-aggregating the stored "
        "scores with the run's settings reproduces "
        f"{format_value(metrics['replay_agreement'])} of the stored verdicts.",
        "",
        "![confusion matrix](confusion.png)",
        "",
        "![reliability diagram](reliability.png)",
    ]
    if info:
        lines += ["", "## Run", ""]
        lines += _table(("", ""), [(key, _describe(value)) for key, value in info.items()])
    return "\n".join(lines) + "\n"


def _gold_name(label: str) -> str:
    return label if label in CLAIM_CLASSES else f"{label} (DISPUTED)"


def _describe(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{key}={_describe(item)}" for key, item in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_describe(item) for item in value)
    return format_value(value).replace("|", "\\|")


def write_report(run_dir: str | Path, metrics: Mapping[str, Any], info: Mapping[str, Any]) -> None:
    """Write ``report.md`` into the run folder."""
    (Path(run_dir) / REPORT).write_text(render_report(metrics, info), encoding="utf-8")


def write_plots(run_dir: str | Path, metrics: Mapping[str, Any]) -> None:
    """Write ``confusion.png`` and ``reliability.png`` (test, dev-fitted) into the run folder."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    test = metrics["tuned"]["test"]
    confusion = test["confusion_all"]
    labels = confusion["labels"]
    matrix = confusion["matrix"]
    figure, axes = plt.subplots(figsize=(6, 5))
    image = axes.imshow(matrix, cmap="Blues")
    peak = max((max(row) for row in matrix), default=0)
    for i, row in enumerate(matrix):
        for j, count in enumerate(row):
            colour = "white" if peak and count > peak / 2 else "black"
            axes.text(j, i, str(count), ha="center", va="center", color=colour)
    axes.set_xticks(
        range(len(labels)),
        [label.replace("_", " ") for label in labels],
        rotation=30,
        ha="right",
    )
    axes.set_yticks(range(len(labels)), [_gold_name(label).replace("_", " ") for label in labels])
    axes.set_xlabel("predicted")
    axes.set_ylabel("gold")
    axes.set_title("Test claims, dev-fitted thresholds")
    figure.colorbar(image, ax=axes)
    figure.tight_layout()
    figure.savefig(Path(run_dir) / CONFUSION_PNG, dpi=120, metadata={"Software": None})
    plt.close(figure)

    figure, axes = plt.subplots(figsize=(6, 5))
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    for key, name, marker in (
        ("reliability", f"raw (ECE {test['ece']:.3f})", "o"),
        ("reliability_calibrated", f"dev-calibrated (ECE {test['ece_calibrated']:.3f})", "s"),
    ):
        filled = [item for item in test[key] if item["count"]]
        axes.plot(
            [item["mean_confidence"] for item in filled],
            [item["accuracy"] for item in filled],
            marker=marker,
            label=name,
        )
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1)
    axes.set_xlabel("mean confidence in bin")
    axes.set_ylabel("accuracy in bin")
    axes.set_title("Reliability, test claims (S/R/NEI)")
    axes.legend(loc="upper left")
    figure.tight_layout()
    figure.savefig(Path(run_dir) / RELIABILITY_PNG, dpi=120, metadata={"Software": None})
    plt.close(figure)
