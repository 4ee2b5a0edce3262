"""A corpus-level set with real two-document conflicts, carved from VitaminC training pairs.

Usage::

    python -m eval.runs.conflict_claims --data-dir ../shared/data \\
        --out runs/conflict/claims.jsonl [--conflicts 300]

VitaminC pairs one claim with two revisions of the same Wikipedia sentence, one
that supports it and one that refutes it (or leaves it open). Each claim here
gets its own small pool, each revision a document of its own:

- CONFLICTING: the supporting and the refuting revision, as two documents;
- SUPPORTED: the supporting revision, plus a revision that leaves the claim
  open as a distractor (same article, almost the same words, decides nothing);
- REFUTED: the refuting revision alone;
- NOT_ENOUGH_INFO: only a revision that leaves the claim open.

``--conflicts`` conflicting claims, a quarter as many supported and refuted
each, and half as many not-enough-info ones, so the other labels together
match the conflicts and a threshold that fires everywhere is punished. Every
Wikipedia page gives one claim at most, so no pool holds a revision that
decides another claim, and the dev/test split of ``eval.fit.split`` (by claim id)
never puts one page on both sides. Pages of the judge's validation slice
(``models.nli_data.heldout_group``, ``--heldout-fraction``) come first; the
rest of the set are pages the shipped judge trained on, so its per-document
probabilities there are surer than on unseen text. Ids say which:
``vitc-val-*`` or ``vitc-train-*``. The output is the ``jsonl`` format of
:mod:`eval.runs.datasets`, for ``python -m eval.runs.factcheck --dataset jsonl``; write
it under ``runs/``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.nli_data import DataError, NLIExample, heldout_group, read_vitaminc
from verifier import write_jsonl
from verifier.types import CONFLICTING, NOT_ENOUGH_INFO, REFUTED, SUPPORTED

logger = logging.getLogger(__name__)

ENTAILMENT = "entailment"
CONTRADICTION = "contradiction"
NEUTRAL = "neutral"


@dataclass(frozen=True)
class Quotas:
    """How many claims of each label the set holds."""

    conflicting: int
    supported: int
    refuted: int
    not_enough_info: int

    @classmethod
    def for_conflicts(cls, conflicts: int) -> Quotas:
        """``conflicts`` conflicts; as many others: a quarter each S and R, half NEI."""
        if conflicts < 1:
            raise ValueError(f"conflicts must be at least 1, got {conflicts}")
        single = conflicts // 4
        return cls(conflicts, single, single, conflicts - 2 * single)

    def by_label(self) -> dict[str, int]:
        return {
            CONFLICTING: self.conflicting,
            SUPPORTED: self.supported,
            REFUTED: self.refuted,
            NOT_ENOUGH_INFO: self.not_enough_info,
        }


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _premises_by_claim(
    rows: Sequence[NLIExample],
) -> dict[str, dict[str, dict[str, list[str]]]]:
    """``title -> claim -> label -> premises`` (each list sorted, without repeats)."""
    pages: dict[str, dict[str, dict[str, set[str]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(set))
    )
    for row in rows:
        pages[row.group][row.hypothesis][row.label].add(row.premise)
    return {
        title: {
            claim: {label: sorted(premises) for label, premises in labels.items()}
            for claim, labels in claims.items()
        }
        for title, claims in pages.items()
    }


def _pool(label: str, labels: dict[str, list[str]]) -> tuple[list[str], list[str]] | None:
    """``(evidence, distractors)`` premises for a claim to get ``label``, if it can."""
    supporting = labels.get(ENTAILMENT, [])
    refuting = labels.get(CONTRADICTION, [])
    open_ = labels.get(NEUTRAL, [])
    if label == CONFLICTING and supporting and refuting:
        return [supporting[0], refuting[0]], []
    if label == SUPPORTED and supporting and open_ and not refuting:
        return [supporting[0]], [open_[0]]
    if label == REFUTED and refuting:
        return [refuting[0]], []
    if label == NOT_ENOUGH_INFO and open_:
        return [], [open_[0]]
    return None


def build(
    rows: Sequence[NLIExample], quotas: Quotas, heldout_fraction: float
) -> list[dict[str, Any]]:
    """The claim records, one page each, validation-slice pages first.

    Pages are taken in a fixed order (validation slice first, then by a hash of
    the title); each page gives one claim to the label with the most claims
    still wanted that it can serve.
    """
    pages = _premises_by_claim(rows)
    order = sorted(
        pages, key=lambda title: (not heldout_group(title, heldout_fraction), _digest(title))
    )
    wanted = quotas.by_label()
    records = []
    for title in order:
        if not any(wanted.values()):
            break
        claims = sorted(pages[title], key=_digest)
        for label in sorted(wanted, key=lambda name: -wanted[name]):
            if not wanted[label]:
                continue
            chosen = next(
                ((claim, pool) for claim in claims if (pool := _pool(label, pages[title][claim]))),
                None,
            )
            if chosen is None:
                continue
            claim, (evidence, distractors) = chosen
            premises = sorted({*evidence, *distractors})
            document = {text: f"{title} [revision {n + 1}]" for n, text in enumerate(premises)}
            side = "val" if heldout_group(title, heldout_fraction) else "train"
            records.append(
                {
                    "id": f"vitc-{side}-{_digest(title)[:12]}",
                    "claim": claim,
                    "label": label,
                    "evidence": [{"text": text, "title": document[text]} for text in evidence],
                    "distractors": [
                        {"text": text, "title": document[text]} for text in distractors
                    ],
                    "page": title,
                }
            )
            wanted[label] -= 1
            break
    short = {label: n for label, n in wanted.items() if n}
    if short:
        raise DataError(f"not enough VitaminC pages for {short} more claims")
    return records


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default="../shared/data", help="folder holding nli/")
    parser.add_argument("--out", required=True, help="output JSONL (under runs/)")
    parser.add_argument("--conflicts", type=int, default=300, help="conflicting claims")
    parser.add_argument(
        "--heldout-fraction",
        type=float,
        default=0.02,
        help="the judge's validation fraction (models.train_nli --heldout-fraction)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    args = parse_args(argv)
    try:
        rows = read_vitaminc(Path(args.data_dir) / "nli" / "vitaminc_train.jsonl")
        records = build(rows, Quotas.for_conflicts(args.conflicts), args.heldout_fraction)
    except (DataError, ValueError) as error:
        logger.error("%s", error)
        return 2
    write_jsonl(records, args.out)
    counts = Counter(f"{r['label']} ({r['id'].split('-')[1]})" for r in records)
    logger.info("wrote %d claims to %s: %s", len(records), args.out, json.dumps(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
