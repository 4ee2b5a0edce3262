"""Re-decide a stored run's claims under another verdict rule, then score it.

Usage::

    python -m eval.runs.redecide runs/cf --out runs/cf-fitted \\
        [--verdict-model PATH]

No model runs: the judged passages stored in ``predictions.jsonl`` are decided
again (``verifier.decision.make_decider``), written to ``--out`` with the run
info, and scored there by ``eval.runs.score`` (metrics.json, report.md, plots).
The stored verdict is what ``eval.runs.score`` reports as "shipped", so the test
half's figures are the new rule's.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from eval.fit.aggregation import StoredClaim
from eval.runs.score import (
    PREDICTIONS,
    RUN_INFO,
    PredictionsError,
    read_predictions,
    read_run_info,
    score_run,
)
from verifier import VerifierError, write_jsonl
from verifier.decision import make_decider


class _LazyJudge:
    """The shipped judge, loaded only if a conflict cross-check asks it something."""

    def __init__(self) -> None:
        self._predict = None

    def __call__(self, pairs):
        if self._predict is None:
            from verifier.judging import NLIJudge

            self._predict = NLIJudge().predict
        return self._predict(pairs)


def redecide(run_dir: str | Path, out: str | Path, verdict_model: str | None = None) -> None:
    """Write ``out/predictions.jsonl`` and ``out/run_info.json`` with the new verdicts."""
    records = read_predictions(Path(run_dir) / PREDICTIONS)
    info = read_run_info(run_dir)
    decider = make_decider(verdict_model, _LazyJudge())
    redecided = []
    for record in records:
        stored = StoredClaim.from_record(record)
        verdict = decider.decide(stored.claim, stored.judged)
        redecided.append(
            {
                **record,
                "verdict": verdict.label,
                "confidence": verdict.confidence,
                "evidence": [item.to_dict() for item in verdict.evidence],
                "warnings": list(verdict.warnings),
                "probabilities": dict(verdict.probabilities),
            }
        )
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write_jsonl(redecided, out / PREDICTIONS)
    config = dict(info.get("verifier_config", {}))
    config.pop("decision", None)  # runs from before the fitted model was the only rule
    config["verdict_model"] = verdict_model
    info = {**info, "verifier_config": config, "redecided_from": str(run_dir)}
    (out / RUN_INFO).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.runs.redecide", description=__doc__)
    parser.add_argument("run_dir", help="a run folder of eval.runs.factcheck")
    parser.add_argument("--out", required=True, help="the new run folder")
    parser.add_argument("--verdict-model", help="verdict-model JSON (default: the shipped one)")
    parser.add_argument("--bins", type=int, default=10, help="confidence bins for ECE")
    args = parser.parse_args(argv)
    try:
        redecide(args.run_dir, args.out, args.verdict_model)
        metrics = score_run(args.out, bins=args.bins)
    except (PredictionsError, VerifierError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(json.dumps(metrics["headline"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
