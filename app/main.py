"""Starting the web app: options, opening or building the index, and serving the page.

Usage:
    python -m app                                  # the demo corpus, http://127.0.0.1:7860
    python -m app --corpus docs/ --port 8080       # your own documents
    python -m app --index .verifier_cache/app_index --nli-model models/nli-minilm-l6
    python -m app --store milvus --milvus-uri index.db     # a Milvus collection
    python -m app --auth-file users.txt --uploads shared --index-roots /srv/docs
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from app import view
from app.gate import Gate
from app.policy import UPLOAD_MODES, Access, ServiceLimits, parse_auth
from app.state import DEFAULT_INDEX, ROOT, AppState
from app.throttle import LoginThrottle
from app.ui import CSS, STATUS_WORDS, build_ui
from verifier import Embedder, NLIJudge, Verifier, VerifierConfig, VerifierError, read_claims
from verifier.io import (
    add_backend_option,
    add_embedder_option,
    add_judge_options,
    add_retrieval_option,
    add_store_options,
    chosen_embedder,
    open_store,
)

logger = logging.getLogger("app")

DEMO_CORPUS = ROOT / "demo_corpus"
DEMO_CLAIMS = ROOT / "demo_claims.jsonl"
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
    demo corpus. With ``--store milvus`` the collection stands for the folder:
    ``--corpus`` is added to it, and an empty one gets the demo corpus.
    Returns the verifier and whether it holds the demo corpus.
    """
    reopened = None if args.corpus is not None else args.index
    embedder = Embedder(chosen_embedder(args, reopened), backend=args.backend)
    judge = NLIJudge(args.nli_model, backend=args.backend)
    # Load both models before indexing, so a bad --nli-model fails at once.
    embedder.warm_up()
    judge.warm_up()
    store = open_store(args, embedder)
    if store is None:
        index_dir: Path | None = Path(args.index)
        where, held = str(index_dir), index_dir.exists()
    else:
        index_dir = None
        where, held = f"the Milvus collection at {args.milvus_uri}", len(store) > 0
    corpus = args.corpus
    if corpus is None and not held:
        corpus = DEMO_CORPUS
    if corpus is None:
        logger.info("opening the saved index %s", where)
    else:
        logger.info("indexing %s into %s", corpus, where)
    config = VerifierConfig(retrieval=args.retrieval)
    verifier = Verifier.open(
        index_dir if store is None else store,
        corpus,
        embedder=embedder,
        judge=judge,
        config=config,
        progress=True,
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
        help=f"index folder, reused between restarts (default {DEFAULT_INDEX}; "
        "not used with --store milvus)",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=7860)
    add_judge_options(parser)
    add_embedder_option(parser, reopens=True)
    add_backend_option(parser)
    add_store_options(parser)
    add_retrieval_option(parser)
    parser.add_argument(
        "--concurrency",
        type=int,
        default=2,
        help="checks run at once; more requests wait in the queue",
    )
    roles = parser.add_argument_group("who may do what")
    roles.add_argument(
        "--uploads",
        choices=UPLOAD_MODES,
        default=Access.uploads,
        help="where uploaded documents go: a private workspace per browser session, removed "
        "when it ends (default); the shared, saved corpus ('shared'); or nowhere ('off')",
    )
    roles.add_argument(
        "--index-roots",
        nargs="+",
        type=Path,
        default=[],
        metavar="DIR",
        help="let the page index folders under these folders into the shared corpus "
        "(default: no folder indexing)",
    )
    roles.add_argument(
        "--auth",
        action="append",
        default=[],
        metavar="USER:PASSWORD",
        help="require a login (repeat for more users; prefer --auth-file: argv is visible)",
    )
    roles.add_argument("--auth-file", type=Path, help="a file of user:password lines")
    roles.add_argument(
        "--no-feedback",
        dest="feedback",
        action="store_false",
        help="remove the 'This verdict is wrong' control and its API endpoint (by default "
        "corrections go to feedback.jsonl in the index folder, a private workspace's to a "
        "file of its own: python -m app.corrections lists and prints them)",
    )
    limits = parser.add_argument_group("caps per request (page and API alike)")
    defaults = ServiceLimits()
    for name, kind, help_text in (
        ("max_top_k", int, "passages judged per claim"),
        ("max_paragraph_sentences", int, "sentences checked per paragraph"),
        ("max_paragraph_chars", int, "characters per paragraph"),
        ("max_batch_claims", int, "claims per batch file"),
        ("max_upload_files", int, "files per upload"),
        ("max_file_bytes", int, "bytes per uploaded file"),
        ("max_request_bytes", int, "bytes of all files of one upload"),
        ("max_uploader_bytes", int, "bytes of uploads one uploader may have waiting on the server"),
        ("max_upload_space_bytes", int, "bytes the upload folder may hold in all"),
        ("time_budget_s", float, "seconds of checking per request"),
        ("max_feedback_bytes", int, "bytes the feedback file may grow to"),
    ):
        limits.add_argument(
            "--" + name.replace("_", "-"),
            type=kind,
            default=getattr(defaults, name),
            help=f"{help_text} (default {getattr(defaults, name)})",
        )
    return parser.parse_args(argv)


def service_limits(args: argparse.Namespace) -> ServiceLimits:
    """The caps the options ask for."""
    return ServiceLimits(**{name: getattr(args, name) for name in ServiceLimits().to_dict()})


def serve(
    page: gr.Blocks,
    state: AppState,
    logins: Sequence[tuple[str, str]] = (),
    *,
    throttle: LoginThrottle | None = None,
    **options: Any,
) -> None:
    """Serve the page behind the :class:`~app.gate.Gate`, with gradio's own caps and logins.

    ``options`` go to ``launch`` (``server_name``, ``server_port``...). Gradio's
    ``max_file_size`` is the per-file cap, so the browser names a file over it
    before uploading; the gate keeps API uploads within every cap, file by file.
    """
    throttle = throttle or LoginThrottle()
    gate = Middleware(Gate, uploads=state.uploads, logins=throttle)
    page.launch(
        css=CSS,
        max_file_size=state.limits.max_file_bytes,
        auth=list(logins) or None,
        auth_message=throttle.rule(),
        allowed_paths=[str(state.downloads)],
        footer_links=["api"],
        i18n=STATUS_WORDS,
        app_kwargs={"middleware": [gate]},
        **options,
    )


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    args = parse_args(argv)
    # An upload folder of the app's own (unless the operator names one), so that the
    # upload quota counts this app's files only; removed when the app exits.
    upload_folder = tempfile.TemporaryDirectory(prefix="verifier-app-uploads-")
    os.environ.setdefault("GRADIO_TEMP_DIR", upload_folder.name)
    try:
        limits = service_limits(args)
        access = Access(
            uploads=args.uploads, index_roots=tuple(args.index_roots), feedback=args.feedback
        )
        logins = parse_auth(args.auth, args.auth_file)
    except ValueError as error:
        logger.error("cannot start: %s", error)
        return 2
    try:
        verifier, is_demo = load_verifier(args)
        examples = example_claims(verifier, is_demo)
    except VerifierError as error:
        logger.error("cannot start: %s", error)
        return 2
    state = AppState(verifier, args.index, limits, access)
    page = build_ui(state, examples)
    page.queue(default_concurrency_limit=args.concurrency, max_size=64)
    serve(page, state, logins, server_name=args.host, server_port=args.port)
    upload_folder.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
