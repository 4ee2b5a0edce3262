"""Evaluate an NLI model on labelled sentence pairs.

Usage::

    python -m eval.runs.nli --model models/nli-minilm-l6 --data ../shared/data/nli/mnli_heldout.jsonl \\
        [--format auto|jsonl|climate-fever|scifact-tsv] [--out METRICS.json] \\
        [--predictions PREDS.jsonl] [--batch-size 32]
        [--limit N] [--threads N] [--backend torch|onnx] [--source S ...] [--two-way]

Input formats:

* ``jsonl``: ``{"premise", "hypothesis", "label"}`` lines, labels
  ``entailment`` / ``neutral`` / ``contradiction`` or ``not_entailment``.
* ``climate-fever``: the Climate-FEVER file; every evidence sentence is a pair
  (premise = evidence, hypothesis = claim; SUPPORTS -> entailment,
  REFUTES -> contradiction, NOT_ENOUGH_INFO -> neutral).
* ``scifact-tsv``: ``index, sentence1 (evidence), sentence2 (claim), entailment``.
* ``auto`` (default): ``.tsv`` is SciFact, a first record with ``evidences`` is
  Climate-FEVER, anything else JSONL.

``--heldout-of vitaminc`` (instead of ``--data``) scores the validation slice that
``models.train_nli`` holds out of a training source: the same hash split
(``models.nli_data.split_heldout``, ``--heldout-fraction`` 0.02 by default) recomputed from
``--data-dir``, so no training run's git-ignored ``heldout.jsonl`` is needed.

When any gold label is ``not_entailment`` the file is scored two-way: a
neutral or contradiction prediction (and gold) counts as ``not_entailment``.

Prints accuracy, macro-F1, per-class precision/recall and pairs/s; ``--out``
writes them as JSON and ``--predictions`` one line per pair with the predicted
label and the three probabilities.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.bench.timing import cpu_description
from models.nli_data import DataError, load_training_examples, split_heldout
from verifier import NLIScores, json_objects, scifact_rows
from verifier.backends import DEFAULT_BACKEND, is_onnx
from verifier.decision import ClassificationReport, classification_report
from verifier.io import add_backend_option
from verifier.types import CONTRADICTION, ENTAILMENT, NEUTRAL, NLI_LABELS

NOT_ENTAILMENT = "not_entailment"
BINARY_LABELS = (ENTAILMENT, NOT_ENTAILMENT)
FORMATS = ("auto", "jsonl", "climate-fever", "scifact-tsv")
_CLIMATE_FEVER_LABELS = {
    "SUPPORTS": ENTAILMENT,
    "REFUTES": CONTRADICTION,
    "NOT_ENOUGH_INFO": NEUTRAL,
}


class EvalInputError(ValueError):
    """An evaluation file is missing or has a line that cannot be read; names file and line."""


@dataclass(frozen=True)
class LabeledPair:
    """A premise, a hypothesis and the gold label (3-way or ``not_entailment``).

    ``source`` is the JSONL row's ``source`` (e.g. ``vitaminc``), empty elsewhere.
    """

    premise: str
    hypothesis: str
    label: str
    source: str = ""


def _string(value: Any, field: str, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise EvalInputError(f"{where}: {field!r} must be a non-empty string")
    return value


def _json_lines(path: Path):
    with path.open(encoding="utf-8") as handle:
        yield from json_objects(handle, str(path), EvalInputError)


def _read_jsonl(path: Path) -> list[LabeledPair]:
    pairs = []
    allowed = (*NLI_LABELS, NOT_ENTAILMENT)
    for where, record in _json_lines(path):
        label = record.get("label")
        if label not in allowed:
            raise EvalInputError(f"{where}: label {label!r} is not one of {list(allowed)}")
        pairs.append(
            LabeledPair(
                _string(record.get("premise"), "premise", where),
                _string(record.get("hypothesis"), "hypothesis", where),
                label,
                str(record.get("source") or ""),
            )
        )
    return pairs


def _read_climate_fever(path: Path) -> list[LabeledPair]:
    pairs = []
    for where, record in _json_lines(path):
        claim = _string(record.get("claim"), "claim", where)
        evidences = record.get("evidences")
        if not isinstance(evidences, list):
            raise EvalInputError(f"{where}: 'evidences' must be a list")
        for evidence in evidences:
            label = evidence.get("evidence_label") if isinstance(evidence, dict) else None
            if label not in _CLIMATE_FEVER_LABELS:
                raise EvalInputError(
                    f"{where}: evidence_label {label!r} is not one of {list(_CLIMATE_FEVER_LABELS)}"
                )
            text = _string(evidence.get("evidence"), "evidence", where)
            pairs.append(LabeledPair(text, claim, _CLIMATE_FEVER_LABELS[label]))
    return pairs


def _read_scifact_tsv(path: Path) -> list[LabeledPair]:
    pairs = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in scifact_rows(handle, str(path), EvalInputError):
            if row.label not in BINARY_LABELS:
                raise EvalInputError(
                    f"{row.where}: label {row.label!r} is not one of {list(BINARY_LABELS)}"
                )
            pairs.append(
                LabeledPair(
                    _string(row.evidence, "sentence1", row.where),
                    _string(row.claim, "sentence2", row.where),
                    row.label,
                )
            )
    return pairs


def detect_format(path: Path) -> str:
    """Guess the format from the suffix, or from the first record's fields."""
    if path.suffix.lower() == ".tsv":
        return "scifact-tsv"
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    return "jsonl"
                return (
                    "climate-fever"
                    if isinstance(record, dict) and "evidences" in record
                    else "jsonl"
                )
    return "jsonl"


def resolve_format(path: str | Path, data_format: str = "auto") -> str:
    """Check that the file exists and turn ``auto`` into the format it holds.

    Raises:
        EvalInputError: the file is missing or the format unknown.
    """
    path = Path(path)
    if not path.is_file():
        raise EvalInputError(f"{path}: file not found")
    if data_format not in FORMATS:
        raise EvalInputError(f"unknown format {data_format!r}; choose from {list(FORMATS)}")
    return detect_format(path) if data_format == "auto" else data_format


def read_pairs(path: str | Path, data_format: str = "auto") -> list[LabeledPair]:
    """Read labelled pairs in one of :data:`FORMATS`.

    Raises:
        EvalInputError: the file is missing, empty, or a line is malformed.
    """
    path = Path(path)
    data_format = resolve_format(path, data_format)
    readers = {
        "jsonl": _read_jsonl,
        "climate-fever": _read_climate_fever,
        "scifact-tsv": _read_scifact_tsv,
    }
    try:
        pairs = readers[data_format](path)
    except UnicodeDecodeError as error:
        raise EvalInputError(f"{path}: not UTF-8 text ({error.reason})") from None
    if not pairs:
        raise EvalInputError(f"{path}: no pairs found")
    return pairs


def heldout_pairs(data_dir: str | Path, source: str, fraction: float) -> list[LabeledPair]:
    """The pairs that training held out of one source, by the training code's own split.

    Raises:
        EvalInputError: an unknown source, a missing file, or a fraction outside (0, 1).
    """
    if not 0 < fraction < 1:
        raise EvalInputError(f"--heldout-fraction must be between 0 and 1, got {fraction}")
    try:
        examples = load_training_examples(data_dir, [source])
    except DataError as error:
        raise EvalInputError(str(error)) from None
    _, heldout = split_heldout(examples, fraction)
    if not heldout:
        raise EvalInputError(f"{source}: nothing is held out at fraction {fraction}")
    return [LabeledPair(e.premise, e.hypothesis, e.label, e.source) for e in heldout]


def is_binary(gold: Sequence[str]) -> bool:
    """Two-way scoring when any gold label is ``not_entailment``."""
    return NOT_ENTAILMENT in gold


def collapse(label: str) -> str:
    """``entailment`` stays; neutral, contradiction and not_entailment become not_entailment."""
    return ENTAILMENT if label == ENTAILMENT else NOT_ENTAILMENT


def score(
    gold: Sequence[str], predicted: Sequence[str], *, two_way: bool = False
) -> ClassificationReport:
    """Score 3-way predictions against gold labels, two-way when the gold set is two-way.

    ``two_way`` scores entailment against the rest whatever the gold labels are
    (FEVER's supported / refuted pairs, say).
    """
    if two_way or is_binary(gold):
        return classification_report(
            [collapse(g) for g in gold], [collapse(p) for p in predicted], BINARY_LABELS
        )
    return classification_report(gold, predicted, NLI_LABELS)


def predict(
    pairs: Sequence[LabeledPair],
    model: str | None,
    *,
    batch_size: int,
    device: str,
    backend: str = DEFAULT_BACKEND,
    threads: int | None = None,
) -> tuple[list[NLIScores], float]:
    """Run the NLI judge over the pairs.

    Returns:
        The scores in input order and the seconds spent predicting (model
        loading, and for ``backend="onnx-int8"`` the first export, excluded).
    """
    from verifier import NLIJudge

    judge = NLIJudge(model, device=device, batch_size=batch_size, backend=backend, threads=threads)
    judge.warm_up()
    started = time.perf_counter()
    scores = judge.predict([(p.premise, p.hypothesis) for p in pairs])
    return scores, time.perf_counter() - started


def prediction_record(pair: LabeledPair, scores: NLIScores) -> dict[str, Any]:
    return {
        "premise": pair.premise,
        "hypothesis": pair.hypothesis,
        "gold": pair.label,
        "predicted": scores.label,
        "entailment": scores.entailment,
        "neutral": scores.neutral,
        "contradiction": scores.contradiction,
    }


def format_report(report: ClassificationReport, pairs_per_second: float) -> str:
    """A short plain-text summary for the terminal."""
    lines = [
        f"pairs      {report.count}",
        f"accuracy   {report.accuracy:.4f}",
        f"macro-F1   {report.macro_f1:.4f}",
        f"pairs/s    {pairs_per_second:.1f}",
        f"{'class':<16}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}",
    ]
    for label, metrics in report.per_class.items():
        lines.append(
            f"{label:<16}{metrics.precision:>10.4f}{metrics.recall:>10.4f}"
            f"{metrics.f1:>10.4f}{metrics.support:>10d}"
        )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m eval.runs.nli", description="Evaluate an NLI model on labelled pairs."
    )
    parser.add_argument("--model", help="path, hub id or alias (default: the shipped model)")
    data = parser.add_mutually_exclusive_group(required=True)
    data.add_argument("--data", help="JSONL, Climate-FEVER JSONL or SciFact TSV")
    data.add_argument(
        "--heldout-of",
        metavar="SOURCE",
        help="the held-out slice of a training source (vitaminc, fever-train, nli, ...)",
    )
    parser.add_argument(
        "--data-dir", default="../shared/data", help="where --heldout-of reads its source"
    )
    parser.add_argument(
        "--heldout-fraction",
        type=float,
        default=0.02,
        help="the fraction the training run held out (its --heldout-fraction)",
    )
    parser.add_argument("--format", default="auto", choices=FORMATS, dest="data_format")
    parser.add_argument("--out", help="write metrics as JSON here")
    parser.add_argument("--predictions", help="write one prediction per pair (JSONL) here")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--limit", type=int, help="only the first N pairs")
    parser.add_argument(
        "--source",
        nargs="+",
        help="only JSONL rows whose 'source' is one of these (e.g. a training run's "
        "heldout.jsonl: --source vitaminc)",
    )
    parser.add_argument("--two-way", action="store_true", help="score entailment against the rest")
    parser.add_argument(
        "--threads",
        type=int,
        help="CPU threads (default: the cores available less the busy ones, see verifier.threads)",
    )
    add_backend_option(parser)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    from verifier.errors import VerifierError

    cpu = cpu_description()
    print(cpu, flush=True)

    try:
        if args.batch_size < 1:
            raise EvalInputError(f"--batch-size must be at least 1, got {args.batch_size}")
        if args.limit is not None and args.limit < 1:
            raise EvalInputError(f"--limit must be at least 1, got {args.limit}")
        if args.threads is not None and args.threads < 1:
            raise EvalInputError(f"--threads must be at least 1, got {args.threads}")
        if args.heldout_of:
            data_format = "heldout"
            pairs = heldout_pairs(args.data_dir, args.heldout_of, args.heldout_fraction)
        else:
            data_format = resolve_format(args.data, args.data_format)
            pairs = read_pairs(args.data, data_format)
        if args.source:
            pairs = [p for p in pairs if p.source in args.source]
            if not pairs:
                where = args.data or f"the held-out slice of {args.heldout_of}"
                raise EvalInputError(f"{where}: no pair has a source among {args.source}")
        pairs = pairs[: args.limit]
        scores, seconds = predict(
            pairs,
            args.model,
            batch_size=args.batch_size,
            device="cpu" if is_onnx(args.backend) else args.device,
            backend=args.backend,
            threads=args.threads,
        )
    except (EvalInputError, VerifierError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    report = score([p.label for p in pairs], [s.label for s in scores], two_way=args.two_way)
    pairs_per_second = len(pairs) / seconds if seconds > 0 else float("inf")
    print(format_report(report, pairs_per_second))
    metrics = {
        "cpu": cpu,
        "model": args.model or "shipped",
        "data": str(args.data) if args.data else f"heldout-of {args.heldout_of}",
        "format": data_format,
        "heldout_fraction": args.heldout_fraction if args.heldout_of else None,
        "sources": args.source,
        "two_way": args.two_way,
        "batch_size": args.batch_size,
        "backend": args.backend,
        "threads": args.threads,
        "pairs": len(pairs),
        "seconds": seconds,
        "pairs_per_second": pairs_per_second,
        **report.to_dict(),
    }
    try:
        if args.predictions:
            with Path(args.predictions).open("w", encoding="utf-8") as handle:
                for pair, pair_scores in zip(pairs, scores, strict=True):
                    handle.write(json.dumps(prediction_record(pair, pair_scores)) + "\n")
        if args.out:
            Path(args.out).write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    except OSError as error:
        print(f"error: cannot write {error.filename}: {error.strerror}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
