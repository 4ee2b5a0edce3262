"""Starting the web app: options, opening or building the index, and serving the page.

Usage:
    python -m app                                  # the demo corpus, http://127.0.0.1:7860
    python -m app --corpus docs/ --port 8080       # your own documents
    python -m app --index .verifier_cache/app_index --nli-model models/nli-minilm-l6
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path

from app import view
from app.ui import CORPUS_LIMITS, CSS, AppState, build_ui
from verifier import Embedder, NLIJudge, Verifier, VerifierConfig, VerifierError, read_claims
from verifier.decision import DECISIONS
from verifier.io import add_judge_options

logger = logging.getLogger("app")

ROOT = Path(__file__).resolve().parents[1]
DEMO_CORPUS = ROOT / "demo_corpus"
DEMO_CLAIMS = ROOT / "demo_claims.jsonl"
DEFAULT_INDEX = ROOT / ".verifier_cache" / "app_index"
MAX_EXAMPLES = 10


def example_claims(verifier: Verifier, corpus_is_demo: bool) -> list[str]:
    """Example claims: the demo file's on the demo corpus, else a sentence per document."""
    if corpus_is_demo and DEMO_CLAIMS.is_file():
        return [record["claim"] for record in read_claims(DEMO_CLAIMS)][:MAX_EXAMPLES]
    return view.example_sentences(verifier.passages, MAX_EXAMPLES)


def load_verifier(args: argparse.Namespace) -> tuple[Verifier, bool]:
    """Open the saved index, or build one from the corpus and save it; loads the models.

    ``--corpus`` always builds afresh (replacing the index folder's contents);
    without it a saved index is reopened, and a missing one is built from the
    demo corpus. Returns the verifier and whether it holds the demo corpus.
    """
    embedder = Embedder()
    judge = NLIJudge(args.nli_model or args.judge)
    # Load both models before indexing, so a bad --nli-model fails at once.
    embedder.warm_up()
    judge.warm_up()
    index_dir = Path(args.index)
    corpus = args.corpus
    if corpus is None and not index_dir.exists():
        corpus = DEMO_CORPUS
    if corpus is None:
        logger.info("opening the saved index %s", index_dir)
    else:
        logger.info("indexing %s into %s", corpus, index_dir)
    config = VerifierConfig(decision=args.decision)
    verifier = Verifier.open(
        index_dir, corpus, embedder=embedder, judge=judge, config=config, progress=True
    )
    if corpus is not None:
        return verifier, Path(corpus).resolve() == DEMO_CORPUS
    demo = {f"{DEMO_CORPUS.name}/{path.name}" for path in DEMO_CORPUS.glob("*")}
    return verifier, bool(demo) and demo <= set(verifier.stats.sources)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m app", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpus", help="file or folder to index (default: the saved index, else the demo corpus)"
    )
    parser.add_argument(
        "--index",
        type=Path,
        default=DEFAULT_INDEX,
        help=f"index folder, reused between restarts (default {DEFAULT_INDEX})",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=7860)
    add_judge_options(parser)
    parser.add_argument(
        "--decision",
        choices=DECISIONS,
        default=VerifierConfig.decision,
        help="the verdict rule: the fitted, calibrated model (default) or the hand-set thresholds",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=2,
        help="checks run at once; more requests wait in the queue",
    )
    parser.add_argument("--max-batch-claims", type=int, default=500)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    args = parse_args(argv)
    try:
        verifier, is_demo = load_verifier(args)
        examples = example_claims(verifier, is_demo)
    except VerifierError as error:
        logger.error("cannot start: %s", error)
        return 2
    state = AppState(verifier, args.index, args.max_batch_claims)
    page = build_ui(state, examples)
    page.queue(default_concurrency_limit=args.concurrency, max_size=64)
    page.launch(
        server_name=args.host,
        server_port=args.port,
        css=CSS,
        max_file_size=f"{CORPUS_LIMITS.max_file_bytes // (1024 * 1024)}mb",
        allowed_paths=[str(state.downloads)],
        footer_links=["api"],
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
