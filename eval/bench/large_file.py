"""Indexing one large text file: wall time and peak memory of ``python -m verifier index``.

Each run is the real command in a child process, so its peak memory (the
child's maximum resident set) and its time are the user's: reading, splitting,
embedding and saving. Two kinds of text:

- ``synthetic``: short numbered sentences ("The night ferry number 813830 left
  the quay at 3 o'clock on day 5."), about 66 characters each, the most
  passages a megabyte can hold;
- ``prose``: distinct Wikipedia sentences (FEVER and VitaminC evidence from
  ``../shared/data/nli``, training files only), in paragraphs of five; the
  files hold fewer than 50 MiB of distinct sentences, so it is smaller.

Usage:
    python -m eval.bench.large_file --mb 50 --backends onnx-int8 --out runs/large-file
    python -m eval.bench.large_file --mb 5 --backends torch onnx-int8 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from eval.bench.timing import cpu_description
from verifier.backends import BACKENDS

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
PROSE_SOURCES = ("fever_train.jsonl", "vitaminc_train.jsonl")
_PARAGRAPH_SENTENCES = 5
SENTENCE = "The {0} ferry number {1} left the quay at {2} o'clock on day {3}."


def big_text(chars: int, seed: int = 7) -> str:
    """Paragraphs of 3-8 distinct numbered sentences, about ``chars`` characters in all."""
    rng = random.Random(seed)
    words = ("harbour", "night", "morning", "island", "river", "council", "old", "new")
    pieces, size = [], 0
    while size < chars:
        line = " ".join(
            SENTENCE.format(rng.choice(words), rng.randint(1, 10**6), rng.randint(1, 12), n)
            for n in range(rng.randint(3, 8))
        )
        pieces.append(line + "\n\n")
        size += len(line) + 2
    return "".join(pieces)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def _prose_sentences(data_dir: Path) -> Iterator[str]:
    """Distinct sentences of the training premises (one premise repeats in many pairs)."""
    seen: set[str] = set()
    for name in PROSE_SOURCES:
        with (data_dir / name).open(encoding="utf-8") as lines:
            for line in lines:
                premise = " ".join(str(json.loads(line).get("premise", "")).split())
                for sentence in _SENTENCE_END.split(premise):
                    if len(sentence) >= 40 and sentence not in seen:
                        seen.add(sentence)
                        yield sentence


def prose_text(chars: int, data_dir: Path) -> str:
    """Distinct evidence sentences in paragraphs, up to ``chars`` (fewer if the data runs out)."""
    paragraphs, size, sentences = [], 0, []
    for sentence in _prose_sentences(data_dir):
        sentences.append(sentence)
        if len(sentences) == _PARAGRAPH_SENTENCES:
            paragraph = " ".join(sentences)
            paragraphs.append(paragraph)
            size += len(paragraph) + 2
            sentences = []
            if size >= chars:
                break
    return "\n\n".join(paragraphs)


def write_text(kind: str, chars: int, data_dir: Path, path: Path) -> None:
    """Write the benchmark's text file (``synthetic`` or ``prose``) of about ``chars``."""
    text = big_text(chars) if kind == "synthetic" else prose_text(chars, data_dir)
    path.write_text(text, encoding="utf-8")


def index_once(text_file: Path, backend: str, threads: int | None) -> dict[str, float]:
    """Index ``text_file`` in a child process; its seconds, peak RSS and passage count.

    The peak is the child's own maximum resident set, from ``wait4``.
    """
    with tempfile.TemporaryDirectory() as out:
        env = dict(os.environ)
        if threads:
            env["OMP_NUM_THREADS"] = str(threads)
        started = time.monotonic()
        child = subprocess.Popen(
            [sys.executable, "-m", "verifier", "index", str(text_file), "--out", out]
            + ["--backend", backend],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.monotonic() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            raise subprocess.CalledProcessError(child.returncode, child.args)
        peak_mb = usage.ru_maxrss / 1024
        manifest = json.loads(next(Path(out).glob("v-*/manifest.json")).read_text())
    return {"seconds": seconds, "peak_rss_mb": peak_mb, "passages": manifest["passages"]}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=50.0, help="file size in MiB (default 50)")
    parser.add_argument("--text", choices=("synthetic", "prose"), default="synthetic")
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=["onnx-int8"])
    parser.add_argument("--repeats", type=int, default=1, help="runs per backend (default 1)")
    parser.add_argument("--threads", type=int, help="model threads (default: chosen from load)")
    parser.add_argument(
        "--data", type=Path, default=ROOT.parent / "shared" / "data" / "nli", help="for prose"
    )
    parser.add_argument("--out", type=Path, default=Path("runs/large-file"))
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args = parse_args(argv)
    cpu = cpu_description()
    print(cpu, flush=True)
    chars = int(args.mb * 2**20)
    args.out.mkdir(parents=True, exist_ok=True)
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        text_file = Path(folder) / f"{args.text}.txt"
        # Written by another process: a child's peak RSS counts its parent's resident
        # memory at the fork (Linux keeps it across exec), so this one stays small.
        writer = multiprocessing.get_context("spawn").Process(
            target=write_text, args=(args.text, chars, args.data, text_file)
        )
        writer.start()
        writer.join()
        if writer.exitcode != 0:
            raise SystemExit(f"writing the {args.text} text failed")
        size_mb = text_file.stat().st_size / 2**20
        for backend in args.backends:
            runs = [index_once(text_file, backend, args.threads) for _ in range(args.repeats)]
            logger.info("%s: %s", backend, runs)
            results[backend] = {
                "runs": runs,
                "median_seconds": statistics.median(run["seconds"] for run in runs),
                "max_peak_rss_mb": max(run["peak_rss_mb"] for run in runs),
                "passages": runs[0]["passages"],
            }
    lines = [
        cpu,
        f"{args.text} text, {size_mb:.1f} MiB",
        "",
        "| backend | passages | minutes (median) | passages/s | peak RSS (MB) |",
        "|---|---|---|---|---|",
    ]
    for backend, result in results.items():
        seconds = result["median_seconds"]
        lines.append(
            f"| {backend} | {result['passages']:,} | {seconds / 60:.1f} | "
            f"{result['passages'] / seconds:.0f} | {result['max_peak_rss_mb']:.0f} |"
        )
    table = "\n".join(lines)
    print(table)
    stem = f"{args.text}-{args.mb:g}mb"
    (args.out / f"{stem}.md").write_text(table + "\n", encoding="utf-8")
    (args.out / f"{stem}.json").write_text(
        json.dumps({"cpu": cpu, "text": args.text, "mib": size_mb, "results": results}, indent=2),
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
