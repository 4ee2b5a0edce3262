"""Do the two sides of a CONFLICTING verdict contradict each other? A cross-check, on and off.

Usage::

    python -m eval.conflict_crosscheck \\
        --fit runs/fever-v4-none runs/conflict-v4-none \\
        --run "FEVER test" runs/fever-v4-none test --run "Climate-FEVER" runs/cf-v4-none all \\
        --run "demo" runs/demo-claims all [--out runs/conflict-crosscheck.json]

A verdict is CONFLICTING when one document supports the claim and another
refutes it, each with probability at least a threshold ``t`` (the verdict
model read on each document's passages alone). Low thresholds catch real
disagreements between sources, but on FEVER they also fire where a passage
about something else merely looks contradictory. The cross-check asks the
judge one more question: does the refuting document's deciding passage
contradict the supporting one's (either way round, probability at least
``u``)? Two sources that disagree about the same fact contradict each other;
a passage about another film does not contradict the one about this film.

``(t, u)`` is chosen as ``eval.fit_decision`` chooses it (its grids, ``u = 0``
is no cross-check) on the ``--fit`` runs' dev halves, each weighing the same,
and every ``--run`` is re-decided (no retrieval; the judge only on the two
sides' passages) and scored at the chosen point, without the rule (never
CONFLICTING), at the same ``t`` without the cross-check, and at ``t`` = 0.5
and 0.7 with and without it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.conflict_onoff import ALL, score
from eval.fit import StoredClaim
from eval.fit_decision import (
    ConflictCase,
    choose_conflict_threshold,
    conflict_cases,
    conflict_label,
    read_dev_set,
)
from eval.score import PREDICTIONS, PredictionsError, read_predictions
from verifier import VerifierError
from verifier.decision import VerdictModel
from verifier.judging import NLIJudge
from verifier.registry import SHIPPED_VERDICT_MODEL


def cases_of(run_dir: str, split: str, model: VerdictModel, judge: NLIJudge) -> list[ConflictCase]:
    """The conflict cases of one split (``dev``, ``test`` or ``all``) of a stored run."""
    records = [
        r
        for r in read_predictions(Path(run_dir) / PREDICTIONS)
        if split == ALL or r["split"] == split
    ]
    claims = [StoredClaim.from_record(r) for r in records]
    return conflict_cases(model, claims, [r["gold_label"] for r in records], judge.predict)


def points(threshold: float, cross_check: float) -> list[tuple[str, float, float]]:
    """The rules each set is scored under: (name, threshold, cross-check)."""
    rows = [
        ("chosen", threshold, cross_check),
        ("never CONFLICTING", 1.01, 0.0),
        ("chosen threshold, no cross-check", threshold, 0.0),
    ]
    for t in (0.5, 0.7):
        rows += [(f"t={t:g}, no cross-check", t, 0.0), (f"t={t:g}, cross-check", t, cross_check)]
    return rows


def table(rows: Sequence[dict[str, Any]]) -> str:
    lines = [
        "| set | rule | 4-way accuracy | 3-way accuracy / macro-F1 "
        "| CONFLICTING right / given (gold) |",
        "|---|---|---:|---:|---:|",
    ]
    for row in rows:
        for name, s in row["scores"].items():
            lines.append(
                f"| {row['set']} | {name} (t={s['t']:g}, u={s['u']:g}) | {s['accuracy']:.3f} "
                f"| {s['three_way_accuracy']:.3f} / {s['three_way_macro_f1']:.3f} "
                f"| {s['conflicting_right']} / {s['conflicting_given']} "
                f"({s['conflicting_gold']}) |"
            )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.conflict_crosscheck", description=__doc__)
    parser.add_argument("--fit", nargs="+", required=True, metavar="RUN", help="dev halves choose")
    parser.add_argument(
        "--run", nargs=3, action="append", required=True, metavar=("NAME", "RUN", "SPLIT")
    )
    parser.add_argument("--verdict-model", default=str(SHIPPED_VERDICT_MODEL))
    parser.add_argument("--out", type=Path, help="JSON file for the table")
    args = parser.parse_args(argv)
    try:
        model = VerdictModel.load(args.verdict_model)
        judge = NLIJudge()
        choice = choose_conflict_threshold(
            model, [read_dev_set(run) for run in args.fit], judge.predict
        )
        rows = []
        for name, run, split in args.run:
            cases = cases_of(run, split, model, judge)
            gold = [c.gold for c in cases]
            scores = {}
            for label, t, u in points(choice.threshold, choice.cross_check):
                verdicts = [conflict_label(c, t, u) for c in cases]
                scores[label] = {"t": t, "u": u, **score(gold, verdicts).to_dict()}
            rows.append({"set": name, "run": run, "split": split, "scores": scores})
    except (PredictionsError, VerifierError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    key = f"{choice.threshold}/{choice.cross_check}"
    print(
        f"chosen on the dev halves of {', '.join(args.fit)}: threshold {choice.threshold:g}, "
        f"cross-check {choice.cross_check:g} (mean dev accuracy {choice.mean_accuracy[key]:.3f})"
    )
    print(table(rows))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "chosen": {"threshold": choice.threshold, "cross_check": choice.cross_check},
            "dev_mean_accuracy": choice.mean_accuracy,
            "rows": rows,
        }
        args.out.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
