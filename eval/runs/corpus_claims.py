"""Labelled claims against a folder of documents: how many verdicts are right.

Usage::

    python -m eval.runs.corpus_claims --corpus ../shared/corpus/news \\
        --claims eval/claims/news_claims.jsonl --out runs/news \\
        [--nli-model PATH] ...

The claims file is JSONL with ``claim`` and ``label`` (SUPPORTED, REFUTED,
NOT_ENOUGH_INFO or CONFLICTING). The corpus is indexed as a user's would be
(``Verifier.from_corpus``) and every claim verified with ``verify_many``.
Writes ``predictions.jsonl`` (one line per claim with the verdict, its
confidence, warnings and the judged passages, ready for ``eval.runs.redecide``) and
``summary.json``, and prints the right count, the confusion counts and each
miss. The set is for reporting only: nothing is fitted on it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from verifier import (
    Embedder,
    NLIJudge,
    Verifier,
    VerifierConfig,
    VerifierError,
    json_objects,
    write_jsonl,
)
from verifier.decision import VERDICT_COLUMNS, gold_label
from verifier.io import (
    add_backend_option,
    add_embedder_option,
    add_judge_options,
    add_pipeline_options,
)


class ClaimsFileError(ValueError):
    """The claims file is missing or a line lacks a claim or a known label; names the line."""


def read_labelled_claims(path: str | Path) -> list[tuple[str, str]]:
    """``(claim, gold verdict label)`` per line."""
    path = Path(path)
    if not path.is_file():
        raise ClaimsFileError(f"{path}: file not found")
    rows = []
    with path.open(encoding="utf-8") as handle:
        for where, record in json_objects(handle, str(path), ClaimsFileError):
            claim = record.get("claim")
            if not isinstance(claim, str) or not claim.strip():
                raise ClaimsFileError(f"{where}: 'claim' must be non-empty text")
            try:
                label = gold_label(record.get("label"))
            except ValueError as error:
                raise ClaimsFileError(f"{where}: {error}") from error
            if label is None:
                raise ClaimsFileError(f"{where}: missing 'label'")
            rows.append((claim.strip(), label))
    return rows


def summarise(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    """Right count, accuracy and confusion counts (``gold -> predicted``)."""
    right = sum(g == p for g, p in zip(gold, predicted, strict=True))
    confusion = Counter(f"{g} -> {p}" for g, p in zip(gold, predicted, strict=True))
    return {
        "claims": len(gold),
        "right": right,
        "accuracy": right / len(gold) if gold else 0.0,
        "conflicting_given": sum(p == "CONFLICTING" for p in predicted),
        "confusion": dict(sorted(confusion.items())),
        "gold": {label: sum(g == label for g in gold) for label in VERDICT_COLUMNS},
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.runs.corpus_claims", description=__doc__)
    parser.add_argument("--corpus", required=True, nargs="+", help="files or folders")
    parser.add_argument("--claims", required=True, help="JSONL of claim and label")
    parser.add_argument("--out", required=True, help="run folder")
    add_pipeline_options(parser)
    add_judge_options(parser)
    add_embedder_option(parser, reopens=False)
    add_backend_option(parser)
    args = parser.parse_args(argv)
    try:
        claims = read_labelled_claims(args.claims)
        config = VerifierConfig(top_k=args.top_k)
        verifier = Verifier.from_corpus(
            args.corpus,
            embedder=Embedder(args.embedder, backend=args.backend),
            judge=NLIJudge(args.nli_model, backend=args.backend),
            config=config,
        )
        verdicts = verifier.verify_many([claim for claim, _ in claims])
    except (ClaimsFileError, VerifierError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    records = [
        {
            "id": f"L{number}",
            "split": "test",
            "claim": claim,
            "gold_label": gold,
            "gold_evidence": [],
            "verdict": verdict.label,
            "confidence": verdict.confidence,
            "warnings": list(verdict.warnings),
            "evidence": [item.to_dict() for item in verdict.evidence],
            "latency_s": 0.0,
        }
        for number, ((claim, gold), verdict) in enumerate(zip(claims, verdicts, strict=True), 1)
    ]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    write_jsonl(records, out / "predictions.jsonl")
    summary = summarise([r["gold_label"] for r in records], [r["verdict"] for r in records])
    summary["settings"] = {
        "judge": args.nli_model,
        "embedder": args.embedder or "minilm",
        "backend": args.backend,
        "top_k": args.top_k,
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(f"{summary['right']}/{summary['claims']} right ({summary['accuracy']:.3f})")
    for record in records:
        if record["verdict"] != record["gold_label"]:
            print(
                f"  miss: {record['gold_label']} -> {record['verdict']} "
                f"{record['confidence']:.2f}  {record['claim']}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
