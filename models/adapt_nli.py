"""Adapt the judge to users' corrections, with replay so that it does not forget.

``python -m models.train_nli --adapt FEEDBACK.jsonl --output-dir DIR`` runs
:func:`adapt`:

1. the feedback file (written by the app's "This verdict is wrong" control,
   :mod:`verifier.feedback`) becomes (evidence, claim, label) pairs by
   :func:`models.nli_data.feedback_examples`: a correction to SUPPORTED makes
   the deciding evidence entailment, REFUTED contradiction, NOT_ENOUGH_INFO
   neutral;
2. a held-out part of the feedback is split off by claim (a hash of the claim
   text, so every correction of a claim lands on one side);
3. the base judge (the shipped fast judge by default) is fine-tuned on the
   rest mixed with a replay sample of its original training data: ``replay
   ratio`` pairs for each feedback pair, drawn from the training side of the
   sources' usual validation split, never with a held-out claim;
4. the base and the adapted judge are scored on the feedback held-out part,
   on the first N pairs of MNLI held-out (as ``python -m eval.runs.nli --limit N``
   scores it) and on a sample of the replay sources' validation slice.

The adapted judge is the last step's model (no checkpoint is chosen on any
slice that is reported), saved in ``DIR/best``; the base is never written.
``DIR/adapt.json`` and ``DIR/adapt.md`` hold the before/after table.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from models.nli_data import (
    DataError,
    NLIExample,
    feedback_examples,
    load_training_examples,
    read_nli_jsonl,
    split_heldout,
)
from models.nli_training import LABEL2ID, TrainConfig, encode, evaluate, resolve_device, train
from verifier.feedback import FeedbackError, read_feedback
from verifier.judging import map_labels
from verifier.registry import SHIPPED_NLI_MODEL

logger = logging.getLogger("models.train_nli")

REPLAY_SOURCES = ("nli", "fever-train", "vitaminc", "counterfactual")
"""The pair sources the shipped judge (version 4) was trained on."""
MNLI_HELDOUT = "nli/mnli_heldout.jsonl"
FEEDBACK_SALT = "feedback-heldout-v1"
JUDGE_MAX_LENGTH = 256
"""Tokens per pair when scoring, as ``NLIJudge`` reads them."""


@dataclass(frozen=True)
class AdaptSettings:
    """What to adapt, with what, and how to measure it.

    Args:
        feedback: the feedback JSONL.
        data_dir: the folder with ``nli/`` and ``factcheck/`` (replay and MNLI).
        base: the judge to start from; its ``id2label`` must name the three labels.
        replay_ratio: replay pairs per feedback training pair (0: none).
        replay_sources: training sources to replay (keys of ``TRAINING_SOURCES``).
        heldout_fraction: share of the feedback's claims held out for scoring.
        mnli_limit: MNLI held-out pairs to score (its first N).
        replay_eval_pairs: pairs of the replay sources' validation slice to score.
        limit_per_source: read only the first N rows of each replay source (tests).
    """

    feedback: Path
    data_dir: Path
    base: Path = SHIPPED_NLI_MODEL
    replay_ratio: float = 4.0
    replay_sources: tuple[str, ...] = REPLAY_SOURCES
    heldout_fraction: float = 0.2
    mnli_limit: int = 1000
    replay_eval_pairs: int = 500
    limit_per_source: int | None = None

    def __post_init__(self) -> None:
        if not self.replay_ratio >= 0:
            raise ValueError(f"replay_ratio must be 0 or more, got {self.replay_ratio}")
        if not 0.0 < self.heldout_fraction < 1.0:
            raise ValueError(f"heldout_fraction must be in (0, 1), got {self.heldout_fraction}")
        for name in ("mnli_limit", "replay_eval_pairs"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be 0 or more, got {getattr(self, name)}")


@dataclass(frozen=True)
class AdaptData:
    """The pairs one adaptation trains on and is scored on."""

    feedback_train: list[NLIExample]
    feedback_heldout: list[NLIExample]
    replay: list[NLIExample]
    replay_validation: list[NLIExample]
    mnli: list[NLIExample]


def prepare_data(settings: AdaptSettings, rng: random.Random) -> AdaptData:
    """Read the feedback and the replay and evaluation pairs.

    Raises:
        DataError: the feedback file is unreadable or gives no training pair,
            or a replay or MNLI file is missing.
    """
    try:
        records = read_feedback(settings.feedback)
    except FeedbackError as error:
        raise DataError(str(error)) from error
    pairs = feedback_examples(records)
    feedback_train, feedback_heldout = split_heldout(
        pairs, settings.heldout_fraction, salt=FEEDBACK_SALT
    )
    if not feedback_train:
        raise DataError(
            f"{settings.feedback}: {len(records)} corrections gave no pair to train on "
            f"({len(feedback_heldout)} held out)"
        )
    logger.info(
        "feedback: %d corrections, %d pairs: %d to train on, %d held out (claims split)",
        len(records),
        len(pairs),
        len(feedback_train),
        len(feedback_heldout),
    )
    replay: list[NLIExample] = []
    replay_validation: list[NLIExample] = []
    if settings.replay_sources and (settings.replay_ratio or settings.replay_eval_pairs):
        original = load_training_examples(
            settings.data_dir,
            settings.replay_sources,
            limit_per_source=settings.limit_per_source,
        )
        # The split the training script uses, so its validation slice stays unseen.
        original_train, original_validation = split_heldout(original, 0.02)
        held_claims = {e.hypothesis.strip() for e in feedback_heldout}
        pool = [e for e in original_train if e.hypothesis.strip() not in held_claims]
        wanted = round(settings.replay_ratio * len(feedback_train))
        replay = [replace(e, source=f"replay-{e.source}") for e in _sample(pool, wanted, rng)]
        replay_validation = _sample(original_validation, settings.replay_eval_pairs, rng)
    mnli: list[NLIExample] = []
    if settings.mnli_limit:
        mnli = read_nli_jsonl(settings.data_dir / MNLI_HELDOUT, "mnli-heldout")
        mnli = mnli[: settings.mnli_limit]
    return AdaptData(feedback_train, feedback_heldout, replay, replay_validation, mnli)


def _sample(rows: Sequence[NLIExample], count: int, rng: random.Random) -> list[NLIExample]:
    return list(rows) if count >= len(rows) else rng.sample(list(rows), count)


def load_judge(folder: str | Path) -> Any:
    """A judge's weights in float32 for training or scoring, its labels checked.

    Raises:
        DataError: its ``config.id2label`` is not entailment / neutral /
            contradiction in the order the training targets use.
    """
    model = AutoModelForSequenceClassification.from_pretrained(str(folder), dtype=torch.float32)
    if map_labels(model.config.id2label, str(folder)) != LABEL2ID:
        raise DataError(
            f"{folder}: its labels {model.config.id2label} are not in the order "
            f"{list(LABEL2ID)}; adapting it would train each label as another"
        )
    return model


def score_judge(
    model: Any, tokenizer: Any, slices: dict[str, list[NLIExample]], config: TrainConfig
) -> dict[str, dict[str, Any]]:
    """Accuracy (and count) of ``model`` on each non-empty slice, as the judge reads pairs."""
    device = resolve_device(config.device)
    model.to(device)
    results = {}
    for name, examples in slices.items():
        if not examples:
            continue
        scores = evaluate(
            model,
            encode(tokenizer, examples, JUDGE_MAX_LENGTH),
            pad_id=tokenizer.pad_token_id,
            device=device,
            batch_size=config.eval_batch_size,
            bf16=config.bf16 and device.type == "cuda",
        )
        results[name] = {"accuracy": scores["accuracy"], "count": scores["count"]}
        logger.info("%s: accuracy %.4f on %d pairs", name, scores["accuracy"], scores["count"])
    return results


SLICE_NAMES = {
    "feedback_heldout": "feedback, held-out claims",
    "feedback_train": "feedback, training claims",
    "mnli": "MNLI held-out (first {n})",
    "replay_validation": "original training data, validation slice ({n} pairs)",
}


def check_output_dir(output_dir: str | Path, base: str | Path) -> None:
    """Refuse an output folder that is the base judge's folder or lies inside it.

    Raises:
        DataError: it does; the base (the shipped judge, say) is never written.
    """
    output, base = Path(output_dir).resolve(), Path(base).resolve()
    if output == base or base in output.parents:
        raise DataError(
            f"--output-dir {output_dir} would write into the base judge {base}; give another "
            "folder (to ship the adapted judge, copy DIR/best over the base yourself)"
        )


def adapt(
    settings: AdaptSettings,
    config: TrainConfig,
    output_dir: str | Path,
    *,
    progress: bool = True,
) -> dict[str, Any]:
    """Fine-tune ``settings.base`` on the feedback with replay; returns the before/after table.

    Raises:
        DataError: see :func:`prepare_data` and :func:`load_judge`; or
            ``output_dir`` is the base judge's folder or inside it.
    """
    check_output_dir(output_dir, settings.base)
    output = Path(output_dir).resolve()
    base = Path(settings.base).resolve()
    rng = random.Random(config.seed)
    data = prepare_data(settings, rng)
    slices = {
        "feedback_heldout": data.feedback_heldout,
        "feedback_train": data.feedback_train,
        "mnli": data.mnli,
        "replay_validation": data.replay_validation,
    }
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    model = load_judge(base)
    before = score_judge(model, tokenizer, slices, config)
    training = data.feedback_train + data.replay
    rng.shuffle(training)
    logger.info(
        "adapting %s on %d feedback + %d replay pairs",
        base,
        len(data.feedback_train),
        len(data.replay),
    )
    # One evaluation, at the last step, so no checkpoint is chosen on a reported slice.
    final_only = replace(config, eval_every=10**9)
    result = train(
        model,
        tokenizer,
        training,
        (data.replay_validation or data.feedback_train)[:64],
        final_only,
        output,
        progress=progress,
    )
    after = score_judge(load_judge(output / "best"), tokenizer, slices, config)
    table = {
        "base": str(settings.base),
        "adapted": str(output / "best"),
        "feedback": str(settings.feedback),
        "settings": {
            "replay_ratio": settings.replay_ratio,
            "replay_sources": list(settings.replay_sources),
            "heldout_fraction": settings.heldout_fraction,
            "mnli_limit": settings.mnli_limit,
        },
        "pairs": {
            "feedback_train": len(data.feedback_train),
            "feedback_heldout": len(data.feedback_heldout),
            "replay": len(data.replay),
        },
        "train": {**result.to_dict(), "config": config.to_dict()},
        "before": before,
        "after": after,
    }
    (output / "adapt.json").write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")
    (output / "adapt.md").write_text(markdown_table(table), encoding="utf-8")
    return table


def markdown_table(table: dict[str, Any]) -> str:
    """The before/after accuracies as a Markdown table."""
    lines = [
        "| slice | pairs | before | after |",
        "|---|---:|---:|---:|",
    ]
    for key, name in SLICE_NAMES.items():
        if key not in table["before"]:
            continue
        count = table["before"][key]["count"]
        lines.append(
            f"| {name.format(n=count)} | {count} | {table['before'][key]['accuracy']:.3f} "
            f"| {table['after'][key]['accuracy']:.3f} |"
        )
    return "\n".join(lines) + "\n"
