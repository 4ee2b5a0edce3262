"""Corrections without a person: feedback records from training pairs the judge gets wrong.

Usage::

    python -m eval.runs.simulate_feedback --data ../shared/data/nli/vitaminc_train.jsonl \\
        --out runs/feedback/feedback.jsonl [--max-records 450] [--limit 3000] [--seed 13] \\
        [--model models/nli-minilm-l6] [--threads 1]

Each labelled pair stands for one checked claim with one passage shown. The
verdict given is the judge's label read as a verdict (entailment ->
SUPPORTED, contradiction -> REFUTED, neutral -> NOT_ENOUGH_INFO; the passage
decides it unless it is neutral), and the user's correction is the gold label
read the same way. Pairs are drawn in a seeded random order, judged in
batches, and those the judge gets wrong become records, until
``--max-records`` or ``--limit`` pairs judged. The records are what the app's
"This verdict is wrong" control writes, so ``python -m models.train_nli
--adapt`` reads them unchanged.

Evaluation-only files (MNLI held-out, ANLI test, Climate-FEVER, SciFact dev)
are refused: corrections drawn from them would leak into what we report.
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from eval.runs.nli import EvalInputError, LabeledPair, read_pairs
from verifier import NLIJudge, write_jsonl
from verifier.feedback import FeedbackRecord, feedback_record
from verifier.types import (
    CONTRADICTION,
    ENTAILMENT,
    NEUTRAL,
    NOT_ENOUGH_INFO,
    REFUTED,
    REFUTES,
    SUPPORTED,
    SUPPORTS,
    Evidence,
    NLIScores,
    Passage,
    Verdict,
)

logger = logging.getLogger("eval.runs.simulate_feedback")

EVALUATION_ONLY = ("mnli_heldout", "anli_test", "climate-fever", "scifact_rte_dev")
VERDICT_OF = {ENTAILMENT: SUPPORTED, CONTRADICTION: REFUTED, NEUTRAL: NOT_ENOUGH_INFO}
STANCE_OF = {ENTAILMENT: SUPPORTS, CONTRADICTION: REFUTES, NEUTRAL: "neutral"}


def one_passage_verdict(pair: LabeledPair, scores: NLIScores, source: str) -> Verdict:
    """The verdict a one-passage check gives when it follows the judge's label."""
    label = scores.label
    evidence = Evidence(
        passage=Passage(source, source, "", pair.premise, 0, len(pair.premise)),
        retrieval_score=1.0,
        nli=scores,
        stance=STANCE_OF[label],
    )
    return Verdict(
        claim=pair.hypothesis,
        label=VERDICT_OF[label],
        confidence=max(scores.entailment, scores.neutral, scores.contradiction),
        evidence=(evidence,),
        deciding=() if label == NEUTRAL else (evidence,),
        sources=(),
    )


def simulate(
    pairs: Sequence[LabeledPair],
    judge: NLIJudge,
    *,
    max_records: int,
    source: str,
    batch: int = 256,
) -> tuple[list[FeedbackRecord], int]:
    """Judge ``pairs`` in order until ``max_records`` are wrong; returns those and how many were judged."""
    records: list[FeedbackRecord] = []
    judged = 0
    now = datetime.now(UTC)
    for start in range(0, len(pairs), batch):
        chunk = pairs[start : start + batch]
        scores = judge.predict([(p.premise, p.hypothesis) for p in chunk])
        for pair, pair_scores in zip(chunk, scores, strict=True):
            judged += 1
            if pair_scores.label != pair.label:
                verdict = one_passage_verdict(pair, pair_scores, source)
                records.append(feedback_record(verdict, VERDICT_OF[pair.label], now=now))
                if len(records) == max_records:
                    return records, judged
        logger.info("%d pairs judged, %d wrong", judged, len(records))
    return records, judged


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m eval.runs.simulate_feedback", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--data", required=True, help="a 3-way JSONL training file of pairs")
    parser.add_argument("--out", required=True, help="the feedback JSONL to write")
    parser.add_argument("--model", help="the judge (default: the shipped one)")
    parser.add_argument("--max-records", type=int, default=450)
    parser.add_argument("--limit", type=int, default=3000, help="judge at most this many pairs")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--threads", type=int, help="CPU threads for the judge")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    args = parse_args(argv)
    data = Path(args.data)
    if any(name in data.name for name in EVALUATION_ONLY):
        logger.error("%s is evaluation-only; draw corrections from a training file", data)
        return 2
    try:
        pairs = [p for p in read_pairs(data, "jsonl") if p.label in VERDICT_OF]
    except EvalInputError as error:
        logger.error("%s", error)
        return 2
    random.Random(args.seed).shuffle(pairs)
    judge = NLIJudge(args.model, threads=args.threads)
    records, judged = simulate(
        pairs[: args.limit], judge, max_records=args.max_records, source=data.stem
    )
    write_jsonl([record.to_dict() for record in records], args.out)
    logger.info(
        "%d of %d pairs judged wrong (%.1f%%) written to %s",
        len(records),
        judged,
        100 * len(records) / max(1, judged),
        args.out,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
