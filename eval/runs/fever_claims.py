"""A corpus-level FEVER set from the training files, for fitting and testing the verdict.

Usage::

    python -m eval.runs.fever_claims --data-dir ../shared/data --out runs/fever/claims.jsonl

The claims are those the NLI judge never trained on: FEVER train claims whose
id falls in the judge's validation slice (``models.nli_data.heldout_group``,
the same hash and ``--heldout-fraction`` as ``models.train_nli``), supported,
refuted and not-enough-info alike, minus any whose text also occurs on the
training side. Each supported or refuted claim brings its gold evidence,
split into sentences; every claim also brings the sentences of the
``--distractors`` evidence passages of *other* claims nearest to it by the
shipped embedder, so the pool holds what a real corpus holds: on-topic
sentences that decide nothing. The output is the ``jsonl`` format of
:mod:`eval.runs.datasets`, ready for ``python -m eval.runs.factcheck --dataset jsonl``.
Nothing of ``../shared`` goes into the repository: write under ``runs/``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import random
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

from eval.fit.split import split_of
from models.detail_edits import default_lexicon, edit_functions
from models.nli_data import (
    DataError,
    NLIExample,
    heldout_group,
    nearest_rows,
    read_fever_train,
    read_unpaired_claims,
)
from models.nli_training import sentence_encoder
from verifier import write_jsonl
from verifier.corpus import split_sentences

logger = logging.getLogger(__name__)


def _sentences(premise: str) -> list[str]:
    return [span.text for span in split_sentences(premise)]


def build(
    data_dir: Path,
    fraction: float,
    distractors: int,
    cache_dir: Path | None,
    detail_edits: int = 0,
    seed: int = 0,
) -> list[dict[str, object]]:
    """The claim records: validation-slice claims with gold evidence and distractors.

    ``detail_edits`` adds up to that many one-detail edits of the supported claims
    (:mod:`models.detail_edits`), each against its original's evidence.
    """
    rows = read_fever_train(data_dir / "nli" / "fever_train.jsonl")
    unsettled = read_unpaired_claims(data_dir / "nli" / "fever_train_nei_claims.jsonl")
    trained_texts = {r.hypothesis for r in rows if not heldout_group(r.group, fraction)}
    trained_texts |= {c.claim for c in unsettled if not heldout_group(c.group, fraction)}
    premises = sorted({r.premise for r in rows})
    premise_id = {text: number for number, text in enumerate(premises)}

    claims: dict[str, dict[str, object]] = {}
    entailed: dict[str, NLIExample] = {}
    gold_premises: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        if not heldout_group(row.group, fraction) or row.hypothesis in trained_texts:
            continue
        label = "SUPPORTED" if row.label == "entailment" else "REFUTED"
        key = row.hypothesis
        if row.label == "entailment":
            entailed.setdefault(key, row)
        record = claims.setdefault(key, {"id": row.group, "claim": key, "label": label})
        if record["label"] != label:
            record["label"] = None  # the same text both supported and refuted: leave it out
        gold_premises[key].add(premise_id[row.premise])
    for claim in unsettled:
        if heldout_group(claim.group, fraction) and claim.claim not in trained_texts:
            claims.setdefault(
                claim.claim, {"id": claim.group, "claim": claim.claim, "label": "NOT_ENOUGH_INFO"}
            )
    kept = [record for record in claims.values() if record["label"] is not None]
    logger.info("%d validation-slice claims", len(kept))

    encode = sentence_encoder(cache_dir)
    premise_vectors = encode(premises)
    claim_vectors = encode([str(record["claim"]) for record in kept])
    nearest = nearest_rows(claim_vectors, premise_vectors, distractors + 8)
    for record, ranked in zip(kept, nearest, strict=True):
        gold = gold_premises.get(str(record["claim"]), set())
        record["evidence"] = [
            {"text": sentence, "title": f"fever-p{number}"}
            for number in sorted(gold)
            for sentence in _sentences(premises[number])
        ]
        others = [number for number in ranked if number not in gold][:distractors]
        record["distractors"] = [
            {"text": sentence, "title": f"fever-p{number}"}
            for number in others
            for sentence in _sentences(premises[number])
        ]
    if detail_edits:
        kept += edited_claims(kept, entailed, detail_edits, random.Random(seed))
    return kept


_EDIT_VERDICTS = {
    "contradiction": "REFUTED",
    "neutral": "NOT_ENOUGH_INFO",
    "entailment": "SUPPORTED",  # a bound made weaker ("more than 1,000" for "more than 10,000")
}


def _same_half_id(original: str, kind: str) -> str:
    """An id for an edit that lands in the same dev/test half as its original's."""
    for number in itertools.count():
        candidate = f"{original}~{kind}{number}"
        if split_of(candidate) == split_of(original):
            return candidate
    raise AssertionError("unreachable")


def edited_claims(
    records: Sequence[dict[str, object]],
    entailed: dict[str, NLIExample],
    count: int,
    rng: random.Random,
) -> list[dict[str, object]]:
    """Up to ``count`` one-detail edits of the supported ``records``, one per claim.

    Each edit keeps its original's evidence and distractors, so the verdict is fitted
    on claims that share every word but one with a passage that decides them. The
    kind a claim allows that has been taken least so far is taken, so rare kinds (a
    changed month) are not drowned by negations, which almost every claim allows.
    """
    makers = edit_functions(default_lexicon())
    supported = [r for r in records if r["label"] == "SUPPORTED" and r["claim"] in entailed]
    rng.shuffle(supported)
    taken: Counter[str] = Counter()
    edits: list[dict[str, object]] = []
    for record in supported:
        if len(edits) >= count:
            break
        example = entailed[str(record["claim"])]
        possible = {}
        for kind, maker in makers.items():
            edit = maker(example, rng)
            if edit is not None and edit.hypothesis != example.hypothesis:
                possible[kind] = edit
        if not possible:
            continue
        kind = min(sorted(possible), key=lambda k: taken[k])  # the kind taken least so far
        taken[kind] += 1
        edits.append(
            {
                **record,
                "id": _same_half_id(str(record["id"]), kind),
                "claim": possible[kind].hypothesis,
                "label": _EDIT_VERDICTS[possible[kind].label],
                "edit": kind,
            }
        )
    logger.info("%d one-detail edits of supported claims", len(edits))
    return edits


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default="../shared/data", help="folder holding nli/")
    parser.add_argument("--out", required=True, help="output JSONL (under runs/)")
    parser.add_argument(
        "--heldout-fraction",
        type=float,
        default=0.02,
        help="the judge's validation fraction (models.train_nli --heldout-fraction)",
    )
    parser.add_argument(
        "--distractors", type=int, default=2, help="nearest other evidence passages per claim"
    )
    parser.add_argument("--cache-dir", default=".cache/train_nli", help="embedding cache")
    parser.add_argument(
        "--detail-edits",
        type=int,
        default=0,
        help="add up to this many one-detail edits of the supported claims (0: none)",
    )
    parser.add_argument("--seed", type=int, default=0, help="for the edits")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    args = parse_args(argv)
    try:
        records = build(
            Path(args.data_dir),
            args.heldout_fraction,
            args.distractors,
            Path(args.cache_dir) if args.cache_dir else None,
            args.detail_edits,
            args.seed,
        )
    except DataError as error:
        logger.error("%s", error)
        return 2
    write_jsonl(records, args.out)
    counts = defaultdict(int)
    for record in records:
        counts[str(record["label"])] += 1
    logger.info("wrote %d claims to %s: %s", len(records), args.out, json.dumps(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
