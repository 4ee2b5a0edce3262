"""The fast step: score a run's ``predictions.jsonl`` into metrics, a report and plots.

Usage::

    python -m eval.runs.score runs/NAME [--bins 10]

Reads ``runs/NAME/predictions.jsonl`` (and ``run_info.json`` when present, for the
dataset name and the aggregation settings the run used), fits aggregation
thresholds and a confidence calibration on the dev half, and (re)writes
``metrics.json``, ``report.md``, ``confusion.png`` and ``reliability.png``. The
headline figures are on the test half. Deterministic: scoring the same predictions
twice gives the same ``metrics.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from eval.bench.timing import latency_summary
from eval.fit.aggregation import StoredClaim, fit_aggregation, reaggregate
from eval.fit.split import DEV, TEST
from eval.fit.thresholds import AggregationConfig
from eval.runs.report import milliseconds, write_plots, write_report
from verifier import json_objects
from verifier.decision import (
    CLAIM_CLASSES,
    VERDICT_COLUMNS,
    HistogramCalibration,
    claim_label_metrics,
    classification_report,
    conflict_metrics,
    evidence_recall_at_k,
    expected_calibration_error,
    fever_strict_accuracy,
    fit_histogram_calibration,
    reliability_bins,
)

logger = logging.getLogger(__name__)

PREDICTIONS = "predictions.jsonl"
RUN_INFO = "run_info.json"
METRICS = "metrics.json"
RECALL_KS = (1, 3, 5)
_REQUIRED = (
    "id",
    "split",
    "claim",
    "gold_label",
    "gold_evidence",
    "verdict",
    "confidence",
    "evidence",
    "latency_s",
)

_EVIDENCE_KEYS = {"text", "source", "score", "nli"}


class PredictionsError(Exception):
    """A run folder lacks predictions, or a prediction line cannot be used."""


def read_predictions(path: str | Path) -> list[dict[str, Any]]:
    """Read ``predictions.jsonl``, checking each line has what scoring needs.

    Raises:
        PredictionsError: missing file, bad JSON, a missing field, an unknown split
            or label, naming the file and line.
    """
    path = Path(path)
    if not path.is_file():
        raise PredictionsError(f"predictions file not found: {path}")
    records = []
    with path.open(encoding="utf-8") as handle:
        for where, record in json_objects(handle, str(path), PredictionsError):
            missing = [key for key in _REQUIRED if key not in record]
            if missing:
                raise PredictionsError(f"{where}: missing fields {missing}")
            if record["split"] not in (DEV, TEST):
                raise PredictionsError(f"{where}: split must be 'dev' or 'test'")
            for key in ("gold_label", "verdict"):
                if record[key] not in VERDICT_COLUMNS:
                    raise PredictionsError(
                        f"{where}: {key} {record[key]!r} is not one of {list(VERDICT_COLUMNS)}"
                    )
            if not isinstance(record["evidence"], list) or not all(
                isinstance(item, dict) and item.keys() >= _EVIDENCE_KEYS
                for item in record["evidence"]
            ):
                raise PredictionsError(
                    f"{where}: evidence must be a list of objects with {sorted(_EVIDENCE_KEYS)}"
                )
            records.append(record)
    return records


def retrieved_texts(record: Mapping[str, Any]) -> list[str]:
    """A record's evidence texts in retrieval order (highest cosine first)."""
    ranked = sorted(record["evidence"], key=lambda item: -float(item["score"]))
    return [str(item["text"]) for item in ranked]


def summarize(
    records: Sequence[Mapping[str, Any]],
    labels: Sequence[str],
    confidences: Sequence[float],
    bins: int = 10,
) -> dict[str, Any]:
    """Every metric for one set of claims under one set of verdicts.

    Label, strict and calibration scores are over claims whose gold label is one of
    SUPPORTED / REFUTED / NOT_ENOUGH_INFO; gold CONFLICTING (DISPUTED) claims are
    scored separately under ``conflicting``; evidence recall is over every claim
    with gold evidence; latency over every claim.
    """
    gold_all = [record["gold_label"] for record in records]
    scored = [i for i, gold in enumerate(gold_all) if gold in CLAIM_CLASSES]
    gold = [gold_all[i] for i in scored]
    predicted = [labels[i] for i in scored]
    retrieved = [retrieved_texts(record) for record in records]
    gold_evidence = [record["gold_evidence"] for record in records]
    correct = [truth == guess for truth, guess in zip(gold, predicted, strict=True)]
    scored_confidences = [confidences[i] for i in scored]
    label_metrics = claim_label_metrics(gold, predicted)
    return {
        "claims": len(records),
        "scored_claims": len(scored),
        "accuracy": label_metrics.accuracy,
        "macro_f1": label_metrics.macro_f1,
        "fever_strict": fever_strict_accuracy(
            gold,
            predicted,
            [retrieved[i] for i in scored],
            [gold_evidence[i] for i in scored],
            k=max(RECALL_KS),
        ),
        "evidence_recall": evidence_recall_at_k(retrieved, gold_evidence, RECALL_KS).to_dict(),
        "ece": expected_calibration_error(scored_confidences, correct, bins),
        "reliability": [
            item.to_dict() for item in reliability_bins(scored_confidences, correct, bins)
        ],
        "labels": label_metrics.to_dict(),
        "conflicting": conflict_metrics(gold_all, labels).to_dict(),
        "confusion_all": {
            "labels": list(VERDICT_COLUMNS),
            "matrix": [
                list(row)
                for row in classification_report(gold_all, labels, VERDICT_COLUMNS).confusion
            ],
        },
        "latency_s": latency_summary([float(record["latency_s"]) for record in records]).to_dict(),
    }


def _calibrated_ece(
    records: Sequence[Mapping[str, Any]],
    labels: Sequence[str],
    confidences: Sequence[float],
    calibration: HistogramCalibration,
    bins: int,
) -> tuple[float, list[dict[str, Any]]]:
    pairs = [
        (calibration.apply(confidence), record["gold_label"] == label)
        for record, label, confidence in zip(records, labels, confidences, strict=True)
        if record["gold_label"] in CLAIM_CLASSES
    ]
    calibrated = [confidence for confidence, _ in pairs]
    correct = [is_correct for _, is_correct in pairs]
    table = reliability_bins(calibrated, correct, bins)
    return expected_calibration_error(calibrated, correct, bins), [b.to_dict() for b in table]


def _majority_label(records: Sequence[Mapping[str, Any]]) -> str:
    """The most frequent gold label (ties: the first in CLAIM_CLASSES order)."""
    counts = {label: 0 for label in CLAIM_CLASSES}
    for record in records:
        counts[record["gold_label"]] += 1
    return max(CLAIM_CLASSES, key=counts.__getitem__)


def _score_splits(
    stored: Mapping[str, Sequence[Mapping[str, Any]]],
    start_config: AggregationConfig,
    fitted_config: AggregationConfig,
    bins: int,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, tuple[list[str], list[float]]], int]:
    """Each split scored twice: the stored ("shipped") verdicts and the dev-fitted thresholds'.

    Returns:
        The shipped and tuned summaries per split, the tuned labels and
        confidences per split, and how many stored verdicts the start settings replay.
    """
    shipped: dict[str, Any] = {}
    tuned: dict[str, Any] = {}
    tuned_verdicts: dict[str, tuple[list[str], list[float]]] = {}
    agreement = 0
    for name, subset in stored.items():
        claims = [StoredClaim.from_record(record) for record in subset]
        replayed = reaggregate(claims, start_config)
        agreement += sum(
            verdict.label == record["verdict"]
            for verdict, record in zip(replayed, subset, strict=True)
        )
        verdicts = reaggregate(claims, fitted_config)
        labels = [verdict.label for verdict in verdicts]
        confidences = [verdict.confidence for verdict in verdicts]
        tuned_verdicts[name] = (labels, confidences)
        shipped[name] = summarize(
            subset,
            [record["verdict"] for record in subset],
            [float(record["confidence"]) for record in subset],
            bins,
        )
        tuned[name] = summarize(subset, labels, confidences, bins)
    return shipped, tuned, tuned_verdicts, agreement


def _headline(
    tuned_test: Mapping[str, Any],
    shipped_test: Mapping[str, Any],
    test_ece: float,
    baseline: Any,
) -> dict[str, Any]:
    """The test half's figures that lead the report, with the shipped and majority ones for scale."""
    recall = tuned_test["evidence_recall"]["at_k"]
    return {
        "test_claims": tuned_test["claims"],
        "scored_claims": tuned_test["scored_claims"],
        "accuracy": tuned_test["accuracy"],
        "macro_f1": tuned_test["macro_f1"],
        "fever_strict": tuned_test["fever_strict"],
        **{f"evidence_recall@{k}": recall[str(k)] for k in RECALL_KS},
        "ece": tuned_test["ece"],
        "ece_calibrated": test_ece,
        "conflicting_recall": tuned_test["conflicting"]["recall"],
        "latency_median_ms": milliseconds(tuned_test["latency_s"]["median"]),
        "latency_p95_ms": milliseconds(tuned_test["latency_s"]["p95"]),
        "shipped_accuracy": shipped_test["accuracy"],
        "shipped_macro_f1": shipped_test["macro_f1"],
        "shipped_ece": shipped_test["ece"],
        "majority_accuracy": baseline.accuracy,
        "majority_macro_f1": baseline.macro_f1,
    }


def score_records(
    records: Sequence[Mapping[str, Any]],
    *,
    start_config: AggregationConfig | None = None,
    bins: int = 10,
    dataset: str = "",
) -> dict[str, Any]:
    """Fit on dev, score dev and test, and pick the headline (test) figures.

    A majority-class baseline (dev's most frequent label, predicted for every test
    claim) is included for scale.

    Args:
        records: prediction records as written by ``eval.runs.factcheck``.
        start_config: the aggregation settings the run used (defaults if ``None``);
            fitting starts from them, and "shipped" figures use the stored verdicts.
        bins: equal-width confidence bins for ECE, reliability and calibration.
        dataset: the dataset's name, for the report.

    Returns:
        The JSON-ready content of ``metrics.json``.
    """
    start_config = start_config or AggregationConfig()
    dev = [record for record in records if record["split"] == DEV]
    test = [record for record in records if record["split"] == TEST]
    stored = {"dev": dev, "test": test}

    dev_scored = [record for record in dev if record["gold_label"] in CLAIM_CLASSES]
    fit = fit_aggregation(
        [StoredClaim.from_record(record) for record in dev_scored],
        [record["gold_label"] for record in dev_scored],
        start=start_config,
    )
    shipped, tuned, tuned_verdicts, agreement = _score_splits(
        stored, start_config, fit.config, bins
    )

    dev_labels, dev_confidences = tuned_verdicts["dev"]
    dev_pairs = [
        (confidence, record["gold_label"] == label)
        for record, label, confidence in zip(dev, dev_labels, dev_confidences, strict=True)
        if record["gold_label"] in CLAIM_CLASSES
    ]
    calibration = fit_histogram_calibration(
        [confidence for confidence, _ in dev_pairs],
        [is_correct for _, is_correct in dev_pairs],
        bins,
    )
    test_ece, test_reliability = _calibrated_ece(test, *tuned_verdicts["test"], calibration, bins)
    tuned["test"]["ece_calibrated"] = test_ece
    tuned["test"]["reliability_calibrated"] = test_reliability

    majority = _majority_label(dev_scored)
    test_scored = [record["gold_label"] for record in test if record["gold_label"] in CLAIM_CLASSES]
    baseline = claim_label_metrics(test_scored, [majority] * len(test_scored))

    headline = _headline(tuned["test"], shipped["test"], test_ece, baseline)
    return {
        "dataset": dataset,
        "protocol": {
            "split": "sha1 of the claim id; first 8 bytes / 2**64 < 0.5 -> dev, else test",
            "fitted_on": "dev",
            "headline_on": "test",
            "headline_thresholds": "dev-fitted",
            "scored_labels": list(CLAIM_CLASSES),
            "conflicting": "gold DISPUTED/CONFLICTING scored separately",
            "bins": bins,
        },
        "counts": {
            "claims": len(records),
            "dev": len(dev),
            "test": len(test),
            "gold": {
                label: sum(record["gold_label"] == label for record in records)
                for label in VERDICT_COLUMNS
            },
        },
        "headline": headline,
        "fit": {"aggregation": fit.to_dict(), "calibration": calibration.to_dict()},
        "majority_baseline": {"label": majority, **baseline.to_dict()},
        "replay_agreement": agreement / len(records) if records else 1.0,
        "shipped": shipped,
        "tuned": tuned,
    }


def read_run_info(run_dir: str | Path) -> dict[str, Any]:
    """``run_info.json`` of a run, or ``{}`` when the run has none."""
    path = Path(run_dir) / RUN_INFO
    if not path.is_file():
        return {}
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise PredictionsError(f"{path}: not valid JSON ({error.msg})") from error
    return info if isinstance(info, dict) else {}


def score_run(run_dir: str | Path, bins: int = 10) -> dict[str, Any]:
    """Score ``run_dir/predictions.jsonl`` and write metrics.json, report.md and the PNGs."""
    run_dir = Path(run_dir)
    records = read_predictions(run_dir / PREDICTIONS)
    info = read_run_info(run_dir)
    aggregation = info.get("verifier_config", {}).get("aggregation")
    try:
        start = AggregationConfig.from_dict(aggregation) if aggregation else None
    except (TypeError, ValueError) as error:
        raise PredictionsError(
            f"{run_dir / RUN_INFO}: bad aggregation settings ({error})"
        ) from error
    metrics = score_records(
        records, start_config=start, bins=bins, dataset=str(info.get("dataset", {}).get("name", ""))
    )
    (run_dir / METRICS).write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    write_report(run_dir, metrics, info)
    write_plots(run_dir, metrics)
    logger.info("wrote %s, report.md and plots", run_dir / METRICS)
    return metrics


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m eval.runs.score",
        description="Score a fact-checking run's predictions.jsonl (fast step).",
    )
    parser.add_argument("run_dir", help="run folder holding predictions.jsonl")
    parser.add_argument("--bins", type=int, default=10, help="confidence bins (default 10)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.bins < 1:
        parser.error(f"--bins must be at least 1, got {args.bins}")
    try:
        metrics = score_run(args.run_dir, bins=args.bins)
    except (PredictionsError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(json.dumps(metrics["headline"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
