"""Corpus-level fact-checking evaluation: every claim against one pool of evidence.

Usage::

    python -m eval.runs.factcheck --dataset climate-fever \\
        --data ../shared/data/factcheck/climate-fever.jsonl --out runs/NAME \\
        [--top-k K] [--limit N] [--model NLI_PATH]

Every evidence sentence of the dataset (unique by text) goes into one index; each
claim is verified against the whole pool with the real pipeline
(``Verifier.from_passages`` then ``verify_many``). The slow step writes
``runs/NAME/predictions.jsonl`` and ``run_info.json``; the fast step
(``eval.runs.score``, re-runnable on its own) writes ``metrics.json``, ``report.md``,
``confusion.png`` and ``reliability.png``.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import logging
import os
import platform
import shlex
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from eval.bench.timing import cpu_description
from eval.fit.split import split_of
from eval.runs.datasets import READERS, ClaimExample, DatasetError, FactCheckDataset, read_dataset
from eval.runs.score import PREDICTIONS, RUN_INFO, PredictionsError, score_run
from verifier import (
    Embedder,
    InvalidClaimError,
    Judge,
    NLIJudge,
    Passage,
    Verdict,
    Verifier,
    VerifierConfig,
    VerifierError,
    validate_claim,
    write_jsonl,
)
from verifier.io import add_pipeline_options, add_retrieval_option, positive_int
from verifier.retrieval import TOKENIZER, TextEncoder

logger = logging.getLogger(__name__)


def pool_passages(dataset: FactCheckDataset) -> list[Passage]:
    """One passage per unique evidence sentence; sentences of an article share a doc_id."""
    passages = []
    for number, sentence in enumerate(dataset.pool):
        doc_id = sentence.title or f"{dataset.name}-{number}"
        passages.append(
            Passage(
                doc_id=doc_id,
                source=sentence.title or dataset.name,
                title=sentence.title,
                text=sentence.text,
                start=0,
                end=len(sentence.text),
            )
        )
    return passages


def pool_key(passages: Sequence[Passage], embedder_id: str) -> str:
    """A short digest of the pool's passages, the embedder and the BM25 tokens, naming a cached index."""
    digest = hashlib.sha1(f"{embedder_id}\0{TOKENIZER}".encode())
    for passage in passages:
        digest.update(json.dumps(passage.to_dict(), sort_keys=True).encode("utf-8"))
    return digest.hexdigest()[:12]


def _log_progress(done: int, total: int, stage: str) -> None:
    logger.info("%s: %d/%d", stage, done, total)


def prediction_record(example: ClaimExample, verdict: Verdict, latency_s: float) -> dict[str, Any]:
    """One line of ``predictions.jsonl``."""
    return {
        "id": example.claim_id,
        "split": split_of(example.claim_id),
        "claim": example.claim,
        "gold_label": example.label,
        "gold_label_original": example.original_label,
        "gold_evidence": list(example.gold_evidence),
        "verdict": verdict.label,
        "confidence": verdict.confidence,
        "evidence": [item.to_dict() for item in verdict.evidence],
        "warnings": list(verdict.warnings),
        "latency_s": latency_s,
    }


def predict(
    examples: Sequence[ClaimExample], verifier: Verifier, top_k: int, batch_claims: int = 32
) -> Iterator[dict[str, Any]]:
    """Verify claims in batches with ``verify_many``, yielding prediction records.

    ``latency_s`` of a claim is its batch's wall time divided by the batch size:
    the per-claim cost when claims are checked in batches.
    """
    done = 0
    for offset in range(0, len(examples), batch_claims):
        batch = examples[offset : offset + batch_claims]
        started = time.perf_counter()
        verdicts = verifier.verify_many([example.claim for example in batch], top_k)
        latency = (time.perf_counter() - started) / len(batch)
        for example, verdict in zip(batch, verdicts, strict=True):
            yield prediction_record(example, verdict, latency)
        done += len(batch)
        logger.info("verified %d/%d claims", done, len(examples))


def weights_digest(model_dir: str | Path | None) -> str | None:
    """sha256 (first 16 hex digits) of a local model's weights, to tie figures to them."""
    if not model_dir:
        return None
    weights = Path(model_dir) / "model.safetensors"
    if not weights.is_file():
        return None
    digest = hashlib.sha256()
    with weights.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def _machine() -> dict[str, Any]:
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.is_file():
        first = meminfo.read_text(encoding="utf-8").splitlines()[0].split()
        memory = f"{int(first[1]) / 2**20:.0f} GiB"
    return {
        "cpu": cpu_description(),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "memory": memory,
        "python": platform.python_version(),
    }


def run_predict(
    dataset: FactCheckDataset,
    out: Path,
    *,
    embedder: TextEncoder | None = None,
    judge: Judge | None = None,
    config: VerifierConfig,
    limit: int | None = None,
    model: str | None = None,
    command: str = "",
    index_cache: str | Path | None = None,
) -> dict[str, Any]:
    """The slow step: index the pool, verify the claims, write predictions and run info.

    Every claim is checked first, so a claim the pipeline would refuse (too long, say)
    stops the run before the slow work, naming the claim.

    Predictions go to a temporary file renamed into place at the end, so an
    interrupted run never leaves a partial ``predictions.jsonl``. ``setup_seconds``
    in the run info covers embedding the pool (or loading it from ``index_cache``,
    where indexes are kept by pool content and embedder) and loading the models.
    """
    examples = dataset.examples[:limit] if limit is not None else dataset.examples
    for example in examples:
        try:
            validate_claim(example.claim, config.max_claim_chars)
        except InvalidClaimError as error:
            raise DatasetError(f"{dataset.path}: claim {example.claim_id}: {error}") from error
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    passages = pool_passages(dataset)
    embedder = embedder if embedder is not None else Embedder()
    cached = None
    if index_cache is not None:
        cached = Path(index_cache) / f"{dataset.name}-{pool_key(passages, embedder.model_id)}"
    if cached is not None and cached.is_dir():
        logger.info("reusing the index of %d evidence sentences at %s", len(passages), cached)
        verifier = Verifier.open(cached, embedder=embedder, judge=judge, config=config)
    else:
        logger.info("indexing %d evidence sentences", len(passages))
        verifier = Verifier.from_passages(
            passages, embedder=embedder, judge=judge, config=config, progress=_log_progress
        )
        if cached is not None:
            verifier.save(cached)
    verifier.warm_up()
    setup_seconds = time.perf_counter() - started

    started = time.perf_counter()
    records = list(predict(examples, verifier, config.top_k, config.batch_claims))
    predict_seconds = time.perf_counter() - started
    write_jsonl(records, out / PREDICTIONS)

    info = {
        "dataset": {**dataset.to_dict(), "claims_run": len(examples)},
        "command": command,
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nli_model": model or "shipped (models/nli-minilm-l6)",
        "nli_weights_sha256": weights_digest(getattr(verifier.judge, "model_name", None)),
        "embedder": getattr(verifier.embedder, "model_id", ""),
        "verifier_config": config.to_dict(),
        "index_cache": str(cached) if cached is not None else None,
        "setup_seconds": setup_seconds,
        "predict_seconds": predict_seconds,
        "claims_per_second": len(examples) / predict_seconds if predict_seconds else None,
        "machine": _machine(),
    }
    (out / RUN_INFO).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return info


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m eval.runs.factcheck",
        description="Verify every claim of a dataset against the pool of all its evidence "
        "sentences, then score the run.",
    )
    parser.add_argument("--dataset", required=True, choices=sorted(READERS))
    parser.add_argument("--data", required=True, help="the dataset's JSONL file")
    parser.add_argument("--out", required=True, help="run folder, e.g. runs/NAME")
    parser.add_argument(
        "--limit", type=positive_int, help="only the first N claims (pool stays whole)"
    )
    parser.add_argument("--model", help="NLI model path or alias (default: the shipped model)")
    parser.add_argument(
        "--embedder",
        help="the sentence embedder: minilm (shipped, the default), mpnet or a folder",
    )
    parser.add_argument(
        "--verdict-model",
        help="verdict-model JSON (default: the one shipped for the embedder); a first fit for "
        "a new embedder starts from another's, since only the judged passages are refitted",
    )
    parser.add_argument("--batch-claims", type=positive_int, default=32, help="claims per batch")
    add_pipeline_options(parser)
    add_retrieval_option(parser)
    parser.add_argument(
        "--index-cache",
        help="folder to keep the pool's index in and reuse it from (e.g. .cache/factcheck)",
    )
    parser.add_argument("--bins", type=positive_int, default=10, help="confidence bins for ECE")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    print(cpu_description(), flush=True)
    try:
        dataset = read_dataset(args.dataset, args.data)
        config = VerifierConfig(
            top_k=args.top_k,
            retrieval=args.retrieval,
            batch_claims=args.batch_claims,
            verdict_model=args.verdict_model,
        )
        run_predict(
            dataset,
            Path(args.out),
            embedder=Embedder(args.embedder),
            judge=NLIJudge(args.model),
            config=config,
            limit=args.limit,
            model=args.model,
            command=shlex.join(["python", "-m", "eval.runs.factcheck", *argv]),
            index_cache=args.index_cache,
        )
        metrics = score_run(args.out, bins=args.bins)
    except (DatasetError, PredictionsError, VerifierError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(json.dumps(metrics["headline"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
