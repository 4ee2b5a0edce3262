"""Fit the verdict model on the dev halves of stored runs, and write it as JSON.

Usage::

    python -m eval.fit_decision --runs runs/cf runs/fever \\
        [--out models/decision/verdict-model.json]

Reads each run's ``predictions.jsonl`` (written by ``eval.factcheck``), keeps
the **dev** half only (``eval.split``), computes
:func:`verifier.decision.claim_features` from the stored judged passages, and:

1. fits a multinomial logistic regression (scikit-learn) over SUPPORTED,
   REFUTED and NOT_ENOUGH_INFO on standardised features, its regularisation
   chosen by 5-fold cross-validated log-loss; each run weighs the same in all,
   so a large set does not drown a small one;
2. fits a temperature on the out-of-fold probabilities (least log-loss), so
   that the probabilities are calibrated on claims the fit did not see;
3. chooses the CONFLICTING threshold on the dev claims, gold DISPUTED /
   CONFLICTING included, as the value that makes the most dev verdicts right
   (ties: the strictest; "never" is not a choice).

The model, with the feature names, what it was fitted on and the judge the
runs used, goes to ``--out``. Test halves are never read: score them with
``python -m eval.redecide``. Re-run this whenever the judge changes.
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import math
import shlex
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from eval.fit import StoredClaim
from eval.score import PREDICTIONS, PredictionsError, read_predictions, read_run_info
from eval.split import DEV
from verifier import write_atomically
from verifier.decision import (
    CLAIM_CLASSES,
    FEATURES,
    FITTED_CLASSES,
    FittedDecider,
    VerdictModel,
    claim_features,
)
from verifier.registry import SHIPPED_VERDICT_MODEL

logger = logging.getLogger(__name__)

C_GRID = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
TEMPERATURE_GRID = tuple(round(0.5 + 0.05 * i, 2) for i in range(51))  # 0.5 .. 3.0
# 1.0 (never CONFLICTING) is not offered: two sources that strongly disagree must be
# able to say so. Values that tie on dev resolve to the strictest.
CONFLICT_GRID = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95)


def _standardise(rows: Sequence[Sequence[float]]) -> tuple[list[float], list[float]]:
    width = len(rows[0])
    mean = [sum(row[j] for row in rows) / len(rows) for j in range(width)]
    scale = []
    for j in range(width):
        variance = sum((row[j] - mean[j]) ** 2 for row in rows) / len(rows)
        scale.append(math.sqrt(variance) if variance > 1e-12 else 1.0)
    return mean, scale


def _weighted_log_loss(
    probabilities: Sequence[Sequence[float]], gold: Sequence[int], weights: Sequence[float]
) -> float:
    total = sum(
        -w * math.log(max(p[y], 1e-12))
        for p, y, w in zip(probabilities, gold, weights, strict=True)
    )
    return total / sum(weights)


def _tempered(logits: Sequence[Sequence[float]], temperature: float) -> list[list[float]]:
    out = []
    for row in logits:
        scaled = [v / temperature for v in row]
        top = max(scaled)
        exps = [math.exp(v - top) for v in scaled]
        total = sum(exps)
        out.append([e / total for e in exps])
    return out


def fit_model(
    features: Sequence[Sequence[float]],
    gold: Sequence[str],
    weights: Sequence[float],
    *,
    folds: int = 5,
    seed: int = 13,
) -> tuple[VerdictModel, dict[str, Any]]:
    """Fit the logistic regression and its temperature; conflict threshold left at default.

    Returns:
        The model and a summary of the choices (C, temperature, cross-validated scores).
    """
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    mean, scale = _standardise(features)
    x = (np.asarray(features, dtype=np.float64) - np.asarray(mean)) / np.asarray(scale)
    y = np.asarray([FITTED_CLASSES.index(label) for label in gold])
    w = np.asarray(weights, dtype=np.float64)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    best: tuple[float, float, np.ndarray] | None = None
    scores = {}
    for c in C_GRID:
        out_of_fold = np.zeros((len(y), len(FITTED_CLASSES)))
        for train, held in splitter.split(x, y):
            model = LogisticRegression(C=c, max_iter=2000)
            model.fit(x[train], y[train], sample_weight=w[train])
            out_of_fold[held] = model.decision_function(x[held])
        loss = _weighted_log_loss(_tempered(out_of_fold.tolist(), 1.0), y.tolist(), w.tolist())
        scores[str(c)] = loss
        if best is None or loss < best[0]:
            best = (loss, c, out_of_fold)
    assert best is not None
    _, chosen_c, out_of_fold_logits = best
    temperature = min(
        TEMPERATURE_GRID,
        key=lambda t: _weighted_log_loss(
            _tempered(out_of_fold_logits.tolist(), t), y.tolist(), w.tolist()
        ),
    )
    calibrated = _tempered(out_of_fold_logits.tolist(), temperature)
    final = LogisticRegression(C=chosen_c, max_iter=2000).fit(x, y, sample_weight=w)
    model = VerdictModel(
        mean=tuple(mean),
        scale=tuple(scale),
        coefficients=tuple(tuple(float(v) for v in row) for row in final.coef_),
        intercepts=tuple(float(v) for v in final.intercept_),
        temperature=float(temperature),
    )
    predicted = [max(range(len(FITTED_CLASSES)), key=row.__getitem__) for row in calibrated]
    summary = {
        "C": chosen_c,
        "cv_log_loss_by_C": scores,
        "temperature": temperature,
        "cv_log_loss_calibrated": _weighted_log_loss(calibrated, y.tolist(), w.tolist()),
        "cv_accuracy": sum(int(p == t) for p, t in zip(predicted, y.tolist(), strict=True))
        / len(y),
    }
    return model, summary


def choose_conflict_threshold(
    model: VerdictModel, claims: Sequence[StoredClaim], gold: Sequence[str]
) -> tuple[float, dict[str, float]]:
    """The threshold that makes the most dev verdicts right (ties: the highest)."""
    accuracy = {}
    for threshold in CONFLICT_GRID:
        decider = FittedDecider(replace(model, conflict_threshold=threshold))
        right = sum(
            decider.decide(claim.claim, claim.judged).label == label
            for claim, label in zip(claims, gold, strict=True)
        )
        accuracy[str(threshold)] = right / len(claims)
    best = max(CONFLICT_GRID, key=lambda t: (accuracy[str(t)], t))
    return best, accuracy


def fit_runs(run_dirs: Sequence[str | Path]) -> tuple[VerdictModel, dict[str, Any]]:
    """Fit on the dev halves of ``run_dirs``; returns the model and what went into it."""
    features: list[list[float]] = []
    gold: list[str] = []
    weights: list[float] = []
    every_claim: list[StoredClaim] = []
    every_gold: list[str] = []
    sources = []
    for run_dir in run_dirs:
        records = [r for r in read_predictions(Path(run_dir) / PREDICTIONS) if r["split"] == DEV]
        info = read_run_info(run_dir)
        scored = [r for r in records if r["gold_label"] in CLAIM_CLASSES]
        if not scored:
            raise PredictionsError(f"{run_dir}: no dev claims with a gold label to fit on")
        for record in records:
            claim = StoredClaim.from_record(record)
            every_claim.append(claim)
            every_gold.append(record["gold_label"])
            if record["gold_label"] in CLAIM_CLASSES:
                features.append(claim_features(claim.judged))
                gold.append(record["gold_label"])
                weights.append(1.0 / len(scored))
        sources.append(
            {
                "run": str(run_dir),
                "dataset": info.get("dataset", {}).get("name", ""),
                "data": info.get("dataset", {}).get("path", ""),
                "nli_model": info.get("nli_model", ""),
                "nli_weights_sha256": info.get("nli_weights_sha256"),
                "dev_claims": len(records),
                "gold": dict(Counter(r["gold_label"] for r in records)),
            }
        )
    total = sum(weights)
    weights = [w * len(weights) / total for w in weights]
    model, summary = fit_model(features, gold, weights)
    threshold, conflict_accuracy = choose_conflict_threshold(model, every_claim, every_gold)
    summary["conflict_threshold"] = threshold
    summary["dev_accuracy_by_conflict_threshold"] = conflict_accuracy
    info = {
        "fitted_on": sources,
        "choices": summary,
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "features": list(FEATURES),
    }
    fitted = replace(model, conflict_threshold=threshold, info=info)
    return fitted, summary


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m eval.fit_decision", description=__doc__)
    parser.add_argument("--runs", nargs="+", required=True, help="run folders of eval.factcheck")
    parser.add_argument(
        "--out", default=str(SHIPPED_VERDICT_MODEL), help="where to write the model JSON"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    try:
        model, summary = fit_runs(args.runs)
    except (PredictionsError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    data = model.to_dict()
    data["info"]["command"] = shlex.join(["python", "-m", "eval.fit_decision", *argv])
    write_atomically(args.out, json.dumps(data, indent=2) + "\n")
    print(json.dumps({k: v for k, v in summary.items() if not isinstance(v, dict)}, indent=2))
    logger.info("wrote %s", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
