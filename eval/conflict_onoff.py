"""Stored runs decided by two verdict models side by side: what a threshold change does.

Usage::

    python -m eval.conflict_onoff --models runs/conflict/verdict-model-0.95.json \\
        models/decision/verdict-model.json \\
        --run "Climate-FEVER test" runs/cf-v4-none test \\
        --run "demo claims" runs/conflict-demo all [--out runs/conflict/onoff.json]

No model runs: each run's stored judged passages (``predictions.jsonl`` of
``eval.factcheck`` or ``eval.corpus_claims``) are decided by each verdict
model, on the named split (``dev``, ``test`` or ``all``). Per run and model:
accuracy and macro-F1 over every claim and all four labels (gold CONFLICTING
included), accuracy and macro-F1 over SUPPORTED / REFUTED / NOT_ENOUGH_INFO gold
alone (the headline of ``eval.score``; a CONFLICTING verdict there is wrong), and how many verdicts are CONFLICTING and how
many of those are right. Prints a Markdown table; ``--out`` keeps it as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from eval.fit import StoredClaim
from eval.score import PREDICTIONS, PredictionsError, read_predictions
from verifier import VerifierError
from verifier.decision import (
    CLAIM_CLASSES,
    VERDICT_COLUMNS,
    FittedDecider,
    PairJudge,
    VerdictModel,
    claim_label_metrics,
    classification_report,
)
from verifier.types import CONFLICTING

ALL = "all"


@dataclass(frozen=True)
class Scores:
    """How one model's verdicts on one set compare with the gold labels."""

    claims: int
    accuracy: float
    macro_f1: float
    three_way_accuracy: float
    three_way_macro_f1: float
    conflicting_given: int
    conflicting_right: int
    conflicting_gold: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def score(gold: Sequence[str], predicted: Sequence[str]) -> Scores:
    """Four-way accuracy and macro-F1, three-way accuracy and CONFLICTING counts.

    Macro-F1 averages the labels that occur in gold or in the verdicts.

    Example:
        >>> s = score(["SUPPORTED", "CONFLICTING"], ["SUPPORTED", "CONFLICTING"])
        >>> s.accuracy, s.conflicting_right
        (1.0, 1)
    """
    report = classification_report(gold, predicted, VERDICT_COLUMNS)
    scored = [(g, p) for g, p in zip(gold, predicted, strict=True) if g in CLAIM_CLASSES]
    three_way = claim_label_metrics([g for g, _ in scored], [p for _, p in scored])
    return Scores(
        claims=len(gold),
        accuracy=report.accuracy,
        macro_f1=report.macro_f1,
        three_way_accuracy=three_way.accuracy,
        three_way_macro_f1=three_way.macro_f1,
        conflicting_given=sum(p == CONFLICTING for p in predicted),
        conflicting_right=sum(
            p == CONFLICTING and g == CONFLICTING for g, p in zip(gold, predicted, strict=True)
        ),
        conflicting_gold=sum(g == CONFLICTING for g in gold),
    )


def decide_run(
    run_dir: str | Path, split: str, model: VerdictModel, pair_judge: PairJudge | None = None
) -> Scores:
    """Score ``model``'s verdicts on the stored claims of ``split`` (or ``all``).

    ``pair_judge`` runs the model's conflict cross-check, if it has one.
    """
    records = [
        r
        for r in read_predictions(Path(run_dir) / PREDICTIONS)
        if split == ALL or r["split"] == split
    ]
    decider = FittedDecider(model, pair_judge)
    predicted = []
    for record in records:
        stored = StoredClaim.from_record(record)
        predicted.append(decider.decide(stored.claim, stored.judged).label)
    return score([r["gold_label"] for r in records], predicted)


def markdown(rows: Sequence[dict[str, Any]], names: Sequence[str]) -> str:
    """One line per set, each model's figures side by side."""
    header = ["set", "claims"]
    for name in names:
        header += [
            f"acc {name}",
            f"macro-F1 {name}",
            f"3-way acc / F1 {name}",
            f"CONFL right/given {name}",
        ]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [row["set"], str(row["scores"][names[0]]["claims"])]
        for name in names:
            s = row["scores"][name]
            cells += [
                f"{s['accuracy']:.3f}",
                f"{s['macro_f1']:.3f}",
                f"{s['three_way_accuracy']:.3f} / {s['three_way_macro_f1']:.3f}",
                f"{s['conflicting_right']}/{s['conflicting_given']} (gold {s['conflicting_gold']})",
            ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.conflict_onoff", description=__doc__)
    parser.add_argument("--models", nargs="+", required=True, help="verdict-model JSON files")
    parser.add_argument(
        "--run",
        nargs=3,
        action="append",
        required=True,
        metavar=("NAME", "RUN_DIR", "SPLIT"),
        help="a set: its name, its run folder and the split (dev, test or all)",
    )
    parser.add_argument("--out", help="JSON file for the table")
    args = parser.parse_args(argv)
    try:
        models: dict[str, VerdictModel] = {}
        for number, path in enumerate(args.models, 1):
            model = VerdictModel.load(path)
            name = f"t={model.conflict_threshold:g}"
            models[name if name not in models else f"{name} #{number}"] = model
        pair_judge = None
        if any(model.conflict_cross_check > 0 for model in models.values()):
            from verifier.judging import NLIJudge

            pair_judge = NLIJudge().predict
        rows = [
            {
                "set": name,
                "run": run_dir,
                "split": split,
                "scores": {
                    label: decide_run(run_dir, split, model, pair_judge).to_dict()
                    for label, model in models.items()
                },
            }
            for name, run_dir, split in args.run
        ]
    except (PredictionsError, VerifierError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(markdown(rows, list(models)))
    if args.out:
        Path(args.out).write_text(
            json.dumps({"models": args.models, "rows": rows}, indent=2) + "\n", encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
