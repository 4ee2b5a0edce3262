"""Fit the verdict model on the dev halves of stored runs, and write it as JSON.

Usage::

    python -m eval.fit.fit_decision --runs runs/cf runs/fever \\
        [--out models/decision/verdict-model.json]

Reads each run's ``predictions.jsonl`` (written by ``eval.runs.factcheck``), keeps
the **dev** half only (``eval.fit.split``), computes
:func:`verifier.decision.claim_features` from the stored judged passages, and:

1. fits a multinomial logistic regression (scikit-learn) over SUPPORTED,
   REFUTED and NOT_ENOUGH_INFO on standardised features, its regularisation
   chosen by 5-fold cross-validated log-loss; each run weighs the same in all,
   so a large set does not drown a small one;
2. fits a temperature on the out-of-fold probabilities (least log-loss), so
   that the probabilities are calibrated on claims the fit did not see;
3. chooses the CONFLICTING threshold and the cross-check on the dev claims,
   gold DISPUTED / CONFLICTING included, as the pair of values that makes the
   most dev verdicts right, each set weighing the same (the mean of the sets'
   dev accuracies; ties: the strictest; "never" is not a choice). The
   cross-check asks the judge whether the two sides' deciding passages
   contradict each other (``verifier.decision.fitted``); 0 is none, and
   ``--no-cross-check`` offers only 0.

``--conflict-runs`` adds sets whose dev halves only the threshold sees, not the
regression: sets built to hold real two-document conflicts (``eval.runs.conflict_claims``),
whose label mix is not that of the claims users check. ``--keep-regression MODEL``
takes the regression and temperature of an existing model unchanged and
chooses only the threshold; the model's info keeps what the regression was
fitted on and adds where the threshold came from.

The model, with the feature names, what it was fitted on and the judge the
runs used, goes to ``--out``. Test halves are never read: score them with
``python -m eval.runs.redecide``. Re-run this whenever the judge changes.

Example::

    python -m eval.fit.fit_decision --runs runs/cf runs/fever \\
        --conflict-runs runs/conflict --keep-regression models/decision/verdict-model.json
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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from eval.fit.aggregation import StoredClaim
from eval.fit.split import DEV
from eval.runs.score import PREDICTIONS, PredictionsError, read_predictions, read_run_info
from verifier import write_atomically
from verifier.decision import (
    CLAIM_CLASSES,
    FEATURES,
    FITTED_CLASSES,
    DecisionModelError,
    FittedDecider,
    PairJudge,
    VerdictModel,
    claim_features,
    conflict_sides,
    sides_contradiction,
)
from verifier.registry import SHIPPED_VERDICT_MODEL
from verifier.types import CONFLICTING, NLIScores

logger = logging.getLogger(__name__)

C_GRID = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
TEMPERATURE_GRID = tuple(round(0.5 + 0.05 * i, 2) for i in range(51))  # 0.5 .. 3.0
# 1.0 (never CONFLICTING) is not offered: two sources that strongly disagree must be
# able to say so. Values that tie on dev resolve to the strictest. Below 0.4 a
# document's side could be a class that is not its most likely one.
CONFLICT_GRID = tuple(round(0.4 + 0.05 * i, 2) for i in range(12))  # 0.4 .. 0.95
CROSS_CHECK_GRID = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9)
CONFLICT_WEIGHTING = (
    "each set the same weight: the mean over sets of the share of dev claims "
    "(gold CONFLICTING included) whose verdict is right"
)


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


@dataclass(frozen=True)
class DevSet:
    """The dev claims of one run, with their gold labels and where they came from."""

    run: str
    claims: tuple[StoredClaim, ...]
    gold: tuple[str, ...]
    source: dict[str, Any]


def read_dev_set(run_dir: str | Path) -> DevSet:
    """The dev half of a run of ``eval.runs.factcheck``.

    Raises:
        PredictionsError: the run has no dev claim with a gold label.
    """
    records = [r for r in read_predictions(Path(run_dir) / PREDICTIONS) if r["split"] == DEV]
    if not any(r["gold_label"] in CLAIM_CLASSES for r in records):
        raise PredictionsError(f"{run_dir}: no dev claims with a gold label to fit on")
    info = read_run_info(run_dir)
    source = {
        "run": str(run_dir),
        "dataset": info.get("dataset", {}).get("name", ""),
        "data": info.get("dataset", {}).get("path", ""),
        "nli_model": info.get("nli_model", ""),
        "nli_weights_sha256": info.get("nli_weights_sha256"),
        "dev_claims": len(records),
        "gold": dict(Counter(r["gold_label"] for r in records)),
    }
    return DevSet(
        run=str(run_dir),
        claims=tuple(StoredClaim.from_record(r) for r in records),
        gold=tuple(r["gold_label"] for r in records),
        source=source,
    )


@dataclass(frozen=True)
class ConflictCase:
    """One claim as the conflict rule sees it: its verdict without the rule, and the two sides."""

    gold: str
    base: str
    strength: float
    contradiction: float


def conflict_cases(
    model: VerdictModel,
    claims: Sequence[StoredClaim],
    gold: Sequence[str],
    pair_judge: PairJudge | None,
) -> list[ConflictCase]:
    """Each claim's base verdict, side strength and (with a judge) the sides' contradiction.

    The judge sees only claims whose sides reach the lowest threshold on offer,
    all their pairs in one call.
    """
    base = FittedDecider(replace(model, conflict_threshold=1.0, conflict_cross_check=0.0))
    floor = min(CONFLICT_GRID)
    found = [(conflict_sides(model, claim.claim, claim.judged), claim) for claim in claims]
    asked = [
        (s.supporting.passage.text, s.refuting.passage.text)
        for s, _ in found
        if s is not None and s.strength >= floor
    ]
    questions = list(dict.fromkeys(asked + [(b, a) for a, b in asked]))
    answers: dict[tuple[str, str], NLIScores] = {}
    if pair_judge is not None and questions:
        answers = dict(zip(questions, pair_judge(questions), strict=True))

    def lookup(pairs: Sequence[tuple[str, str]]) -> list[NLIScores]:
        return [answers[pair] for pair in pairs]

    cases = []
    for (sides, claim), label in zip(found, gold, strict=True):
        strength = sides.strength if sides is not None else 0.0
        contradiction = 0.0
        if sides is not None and strength >= floor and answers:
            contradiction = sides_contradiction(sides, lookup)
        verdict = base.decide(claim.claim, claim.judged).label
        cases.append(ConflictCase(label, verdict, strength, contradiction))
    return cases


def conflict_label(case: ConflictCase, threshold: float, cross_check: float) -> str:
    """The verdict under a conflict threshold and cross-check (0: none)."""
    if case.strength >= threshold and (cross_check <= 0 or case.contradiction >= cross_check):
        return CONFLICTING
    return case.base


@dataclass(frozen=True)
class ThresholdChoice:
    """The chosen conflict threshold and cross-check, and the dev accuracies they were chosen by."""

    threshold: float
    cross_check: float
    mean_accuracy: dict[str, float]
    accuracy_by_set: dict[str, dict[str, float]]


def choose_conflict_threshold(
    model: VerdictModel, sets: Sequence[DevSet], pair_judge: PairJudge | None = None
) -> ThresholdChoice:
    """The (threshold, cross-check) that makes the most dev verdicts right, each set the same.

    Without ``pair_judge`` only "no cross-check" is offered. Ties go to the highest
    threshold, then the highest cross-check. Accuracies are keyed "threshold/cross-check"
    and by run folder.
    """
    grid = [(t, u) for t in CONFLICT_GRID for u in (CROSS_CHECK_GRID if pair_judge else (0.0,))]
    by_set: dict[str, dict[str, float]] = {}
    for dev in sets:
        cases = conflict_cases(model, dev.claims, dev.gold, pair_judge)
        by_set[dev.run] = {
            f"{t}/{u}": sum(conflict_label(c, t, u) == c.gold for c in cases) / len(cases)
            for t, u in grid
        }
    mean = {
        f"{t}/{u}": sum(accuracy[f"{t}/{u}"] for accuracy in by_set.values()) / len(by_set)
        for t, u in grid
    }
    best = max(grid, key=lambda point: (mean[f"{point[0]}/{point[1]}"], *point))
    return ThresholdChoice(best[0], best[1], mean, by_set)


def _with_threshold(
    model: VerdictModel,
    sets: Sequence[DevSet],
    summary: dict[str, Any],
    pair_judge: PairJudge | None = None,
) -> VerdictModel:
    choice = choose_conflict_threshold(model, sets, pair_judge)
    summary["conflict_threshold"] = choice.threshold
    summary["conflict_cross_check"] = choice.cross_check
    summary["conflict_grid"] = list(CONFLICT_GRID)
    summary["cross_check_grid"] = list(CROSS_CHECK_GRID if pair_judge else (0.0,))
    summary["conflict_weighting"] = CONFLICT_WEIGHTING
    summary["dev_accuracy_by_conflict_threshold"] = choice.mean_accuracy
    summary["dev_accuracy_by_conflict_threshold_per_set"] = choice.accuracy_by_set
    return replace(
        model, conflict_threshold=choice.threshold, conflict_cross_check=choice.cross_check
    )


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


def fit_runs(
    run_dirs: Sequence[str | Path],
    conflict_runs: Sequence[str | Path] = (),
    pair_judge: PairJudge | None = None,
) -> tuple[VerdictModel, dict[str, Any]]:
    """Fit on the dev halves of ``run_dirs``; ``conflict_runs`` only choose the threshold.

    Returns:
        The model and what went into it.
    """
    sets = [read_dev_set(run_dir) for run_dir in run_dirs]
    conflict_sets = [read_dev_set(run_dir) for run_dir in conflict_runs]
    features: list[list[float]] = []
    gold: list[str] = []
    weights: list[float] = []
    for dev in sets:
        scored = [(c, g) for c, g in zip(dev.claims, dev.gold, strict=True) if g in CLAIM_CLASSES]
        for claim, label in scored:
            features.append(claim_features(claim.claim, claim.judged))
            gold.append(label)
            weights.append(1.0 / len(scored))
    total = sum(weights)
    weights = [w * len(weights) / total for w in weights]
    model, summary = fit_model(features, gold, weights)
    model = _with_threshold(model, [*sets, *conflict_sets], summary, pair_judge)
    info = {
        "fitted_on": [dev.source for dev in sets],
        "conflict_threshold_also_chosen_on": [dev.source for dev in conflict_sets],
        "choices": summary,
        "date": _now(),
        "features": list(FEATURES),
    }
    return replace(model, info=info), summary


def rechoose_threshold(
    model: VerdictModel,
    run_dirs: Sequence[str | Path],
    conflict_runs: Sequence[str | Path],
    pair_judge: PairJudge | None = None,
) -> tuple[VerdictModel, dict[str, Any]]:
    """``model`` with only its conflict threshold chosen again, on all the runs' dev halves.

    Returns:
        The model (regression, temperature and floor unchanged; its info records the
        new choice under ``conflict_threshold_choice``) and the choice.
    """
    sets = [read_dev_set(run_dir) for run_dir in [*run_dirs, *conflict_runs]]
    summary: dict[str, Any] = {}
    chosen = _with_threshold(model, sets, summary, pair_judge)
    choice = {
        **summary,
        "previous_conflict_threshold": model.conflict_threshold,
        "chosen_on": [dev.source for dev in sets],
        "conflict_only_runs": [str(run) for run in conflict_runs],
        "date": _now(),
    }
    return replace(chosen, info={**model.info, "conflict_threshold_choice": choice}), summary


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m eval.fit.fit_decision", description=__doc__)
    parser.add_argument(
        "--runs", nargs="+", required=True, help="run folders of eval.runs.factcheck"
    )
    parser.add_argument(
        "--conflict-runs",
        nargs="+",
        default=[],
        help="run folders whose dev halves only choose the conflict threshold",
    )
    parser.add_argument(
        "--keep-regression",
        metavar="MODEL",
        help="keep this model's regression and temperature; choose only the conflict threshold",
    )
    parser.add_argument(
        "--no-cross-check",
        action="store_true",
        help="offer no cross-check of the two sides of a conflict (no judge is loaded)",
    )
    parser.add_argument(
        "--out", default=str(SHIPPED_VERDICT_MODEL), help="where to write the model JSON"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    command = shlex.join(["python", "-m", "eval.fit.fit_decision", *argv])
    pair_judge = None
    if not args.no_cross_check:
        from verifier.judging import NLIJudge

        pair_judge = NLIJudge().predict
    try:
        if args.keep_regression:
            model, summary = rechoose_threshold(
                VerdictModel.load(args.keep_regression), args.runs, args.conflict_runs, pair_judge
            )
        else:
            model, summary = fit_runs(args.runs, args.conflict_runs, pair_judge)
    except (PredictionsError, DecisionModelError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    data = model.to_dict()
    if args.keep_regression:
        data["info"]["conflict_threshold_choice"]["command"] = command
    else:
        data["info"]["command"] = command
    write_atomically(args.out, json.dumps(data, indent=2) + "\n")
    print(json.dumps({k: v for k, v in summary.items() if not isinstance(v, dict)}, indent=2))
    logger.info("wrote %s", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
