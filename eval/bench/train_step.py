"""What makes a training step of the judge cheaper on this CPU: length, threads, frozen embeddings, compile.

Times ``--steps`` optimizer steps (after ``--warmup`` untimed ones) of the judge's own
training loop pieces on a sample of the training mixture, for each setting, and prints
the median seconds a step, pairs a second, and the share of pairs that the shorter
maximum length truncates. Settings run one after another in one process, so their
ratios are comparable; the CPU model and flags are printed first.

Example::

    python -m eval.bench.train_step --data-dir ../shared/data --steps 12
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import sys
import time
from collections.abc import Sequence

import torch
from transformers import AutoTokenizer

from eval.bench.timing import cpu_description
from models.nli_data import load_training_examples
from models.nli_training import TrainConfig, build_model, collate, encode, make_optimizer, nli_loss
from verifier.registry import SHIPPED_NLI_MODEL

logger = logging.getLogger("eval.bench.train_step")

SETTINGS = (
    ("max length 256, 2 threads", {"max_length": 256, "threads": 2}),
    ("max length 128, 2 threads", {"max_length": 128, "threads": 2}),
    ("max length 128, 1 thread", {"max_length": 128, "threads": 1}),
    (
        "max length 128, 2 threads, frozen word embeddings",
        {"max_length": 128, "threads": 2, "freeze": True},
    ),
    (
        "max length 128, 2 threads, torch.compile",
        {"max_length": 128, "threads": 2, "compile": True},
    ),
    ("max length 128, 2 threads, bf16 autocast", {"max_length": 128, "threads": 2, "bf16": True}),
)


def time_steps(
    examples,
    *,
    max_length: int,
    threads: int,
    steps: int,
    warmup: int,
    batch_size: int,
    freeze: bool = False,
    compile: bool = False,
    bf16: bool = False,
) -> list[float]:
    torch.set_num_threads(threads)
    tokenizer = AutoTokenizer.from_pretrained(str(SHIPPED_NLI_MODEL))
    model = build_model(SHIPPED_NLI_MODEL)
    if freeze:
        model.get_input_embeddings().weight.requires_grad_(False)
    model.train()
    optimizer = make_optimizer(model, TrainConfig())
    forward = torch.compile(model, dynamic=True) if compile else model
    pairs = encode(tokenizer, examples, max_length)
    rng = random.Random(0)
    seconds = []
    for step in range(warmup + steps):
        indices = rng.sample(range(len(examples)), batch_size)
        batch = collate(pairs, indices, tokenizer.pad_token_id)
        targets = batch.pop("targets")
        started = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            logits = forward(**batch).logits
        loss = nli_loss(logits, targets)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if step >= warmup:
            seconds.append(time.perf_counter() - started)
    return seconds


def truncated_share(examples, max_length: int) -> float:
    tokenizer = AutoTokenizer.from_pretrained(str(SHIPPED_NLI_MODEL))
    lengths = [
        len(ids)
        for ids in tokenizer([e.premise for e in examples], [e.hypothesis for e in examples])[
            "input_ids"
        ]
    ]
    return sum(length > max_length for length in lengths) / len(lengths)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default="../shared/data")
    parser.add_argument(
        "--sources", nargs="+", default=["nli", "fever-train", "vitaminc", "counterfactual"]
    )
    parser.add_argument("--sample", type=int, default=4000, help="pairs drawn from the sources")
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--only", nargs="+", type=int, help="indices of SETTINGS to run")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    examples = load_training_examples(args.data_dir, args.sources)
    examples = random.Random(1).sample(examples, min(args.sample, len(examples)))
    print(cpu_description())
    for length in (128, 256):
        share = truncated_share(examples, length)
        print(f"pairs longer than {length} tokens (truncated): {100 * share:.1f}%")
    baseline = None
    for number, (name, setting) in enumerate(SETTINGS):
        if args.only and number not in args.only:
            continue
        seconds = time_steps(
            examples, steps=args.steps, warmup=args.warmup, batch_size=args.batch_size, **setting
        )
        median = statistics.median(seconds)
        baseline = baseline or median
        print(
            f"{name:55s} {median:6.2f} s/step  {args.batch_size / median:5.1f} pairs/s  "
            f"{baseline / median:4.2f}x the first"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
