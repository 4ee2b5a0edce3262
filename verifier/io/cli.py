"""Command line: build an index, check one claim, or check a file of claims.

    python -m verifier index PATH... --out INDEX_DIR [--index-type flat|hnsw|ivf] (default: by size)
    python -m verifier check "CLAIM" (--index DIR | --corpus PATH...) [--json]
    python -m verifier check (--index DIR | --corpus PATH...) --claims FILE --out RESULTS.jsonl
        [--engine ray [--ray-address ADDR]]
    python -m verifier index PATH... --store milvus --milvus-uri index.db   # or http(s)://host:19530
    python -m verifier check "CLAIM" --store milvus --milvus-uri index.db

Errors print one line naming the problem and exit with status 2 (bad input)
or 1 (anything unexpected); no traceback unless ``--verbose``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from verifier.io.options import (
    add_backend_option,
    add_embedder_option,
    add_judge_options,
    add_pipeline_options,
    add_retrieval_option,
    add_store_options,
    chosen_embedder,
    open_store,
)
from verifier.io.ray_batch import add_engine_options
from verifier.retrieval.faiss_store import FLAT_UP_TO, INDEX_TYPES
from verifier.text import strip_controls
from verifier.types import Verdict

if TYPE_CHECKING:
    from verifier.config import VerifierConfig
    from verifier.pipeline import Verifier
    from verifier.types import LoadReport

logger = logging.getLogger("verifier")

EXIT_BAD_INPUT = 2
EXIT_UNEXPECTED = 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="verifier", description="Check claims against your own documents, offline."
    )
    parser.add_argument(
        "--verbose", "-v", action="store_true", help="log progress and show tracebacks"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    index = commands.add_parser("index", help="build an index directory from files or folders")
    index.add_argument(
        "paths", nargs="+", help="files or folders (.txt .md .html .pdf .jsonl .csv)"
    )
    index.add_argument(
        "--out", help="index directory to write (replaced atomically); not with --store milvus"
    )
    index.add_argument(
        "--index-type",
        choices=INDEX_TYPES,
        help=f"the FAISS index (default: flat up to {FLAT_UP_TO:,} passages, hnsw past that)",
    )
    index.add_argument(
        "--add", action="store_true", help="add to the index at --out instead of replacing it"
    )
    add_embedder_option(index, reopens=True)
    add_backend_option(index)
    add_store_options(index)

    check = commands.add_parser("check", help="check a claim, or a file of claims")
    check.add_argument("claim", nargs="?", help="the claim to check (omit with --claims)")
    # Neither is needed with --store milvus: the collection is the index.
    source = check.add_mutually_exclusive_group()
    source.add_argument("--index", help="a directory written by `verifier index`")
    source.add_argument("--corpus", nargs="+", help="files or folders to index on the fly")
    check.add_argument("--claims", help='JSONL or CSV file of claims (a "claim" field each)')
    check.add_argument("--out", help="results file (.jsonl, or .csv) for --claims")
    check.add_argument("--json", action="store_true", help="print the verdict as JSON")
    add_judge_options(check)
    add_embedder_option(check, reopens=True)
    add_backend_option(check)
    add_pipeline_options(check)
    add_retrieval_option(check)
    add_store_options(check)
    add_engine_options(check)
    return parser


def _say(text: str, *, error: bool = False) -> None:
    """Print ``text`` without control characters: document text must not drive the terminal."""
    print(strip_controls(text), file=sys.stderr if error else sys.stdout)


def _format_verdict(verdict: Verdict) -> str:
    lines = [f"{verdict.label}  (confidence {verdict.confidence:.2f})  {verdict.claim}"]
    lines += [f"  warning: {warning}" for warning in verdict.warnings]
    deciding = {id(item) for item in verdict.deciding}
    for item in verdict.evidence:
        nli = item.nli
        mark = "*" if id(item) in deciding else " "
        lines.append(
            f" {mark} [{item.stance:>8}] e={nli.entailment:.2f} n={nli.neutral:.2f} c={nli.contradiction:.2f} "
            f"sim={item.retrieval_score:.2f}  {item.passage.source}:{item.passage.start}-{item.passage.end}"
        )
        lines.append(f"      {item.passage.text}")
        lines += [f"      note: {note}" for note in item.notes]
    if verdict.sources:
        summary = ", ".join(f"{s.source}: {s.stance}" for s in verdict.sources)
        lines.append(f"  sources: {summary}")
    return "\n".join(lines)


def _run_index(args: argparse.Namespace) -> int:
    from verifier.errors import InvalidSettingError
    from verifier.pipeline import Verifier
    from verifier.retrieval import Embedder

    if args.store == "milvus" and (args.out is not None or args.add or args.index_type is not None):
        raise InvalidSettingError(
            "--out, --add and --index-type are for a FAISS index; a Milvus collection is "
            "always added to (a rerun resumes where it stopped) and indexed by Milvus "
            "(exactly in Milvus Lite, HNSW on a server: --milvus-hnsw-*)"
        )
    if args.store != "milvus" and args.out is None:
        raise InvalidSettingError(
            "index needs --out INDEX_DIR (or --store milvus --milvus-uri URI)"
        )
    embedder = Embedder(chosen_embedder(args, args.out if args.add else None), backend=args.backend)
    store = open_store(args, embedder)
    if store is None and not args.add:
        # A new index replaces the folder's only when it is saved whole.
        verifier = Verifier.from_corpus(
            args.paths, embedder=embedder, index_type=args.index_type, progress=True
        )
        verifier.save(args.out)
    else:
        verifier = Verifier.open(
            args.out if store is None else store, args.paths, embedder=embedder, progress=True
        )
    where = f"collection at {args.milvus_uri}" if store is not None else f"index at {args.out}"
    picked = store is None and args.index_type is None
    return _say_indexed(verifier, verifier.load_report, where, picked=picked)


def _say_indexed(verifier: Verifier, report: LoadReport, where: str, *, picked: bool) -> int:
    for skipped in report.skipped:
        _say(f"skipped {skipped.path}: {skipped.reason}", error=True)
    stats = verifier.stats
    kind = f"{stats.index_type}, picked for its size" if picked else stats.index_type
    _say(
        f"indexed {report.documents} documents, {report.passages} passages; {where} holds "
        f"{stats.documents} documents, {stats.passages} passages ({kind})"
    )
    return 0


def check_config(args: argparse.Namespace) -> VerifierConfig:
    """The pipeline settings that ``check``'s options ask for."""
    from verifier.config import VerifierConfig

    return VerifierConfig(top_k=args.top_k, retrieval=args.retrieval)


def _open_verifier(
    args: argparse.Namespace, config: VerifierConfig, index_dir: str | None
) -> Verifier:
    from verifier.judging import NLIJudge
    from verifier.pipeline import Verifier
    from verifier.retrieval import Embedder

    judge = NLIJudge(args.nli_model, backend=args.backend)
    embedder = Embedder(chosen_embedder(args, index_dir), backend=args.backend)
    store = open_store(args, embedder)
    verifier = Verifier.open(
        index_dir if store is None else store,
        args.corpus,
        embedder=embedder,
        judge=judge,
        config=config,
    )
    for skipped in verifier.load_report.skipped:
        _say(f"skipped {skipped.path}: {skipped.reason}", error=True)
    return verifier


def _check_on_ray(
    args: argparse.Namespace, records: list[dict[str, Any]], config: VerifierConfig
) -> list[dict[str, Any]]:
    from verifier.io.ray_batch import VerifierRecipe, check_on_ray, import_ray

    import_ray()
    with tempfile.TemporaryDirectory(prefix="verifier-ray-") as scratch:
        if args.store == "milvus":
            if args.corpus is not None:
                _add_to_collection(args)
            recipe = VerifierRecipe(
                args.milvus_uri,
                args.nli_model,
                args.backend,
                config,
                kind="milvus",
                collection=args.milvus_collection,
                token=args.milvus_token,
                hnsw_ef=args.milvus_hnsw_ef,
                embedder=args.embedder,
            )
        else:
            index_dir = args.index
            if index_dir is None:
                # Indexed once here and saved, so that each actor loads it instead of re-indexing.
                index_dir = scratch
                _open_verifier(args, config, index_dir)
            recipe = VerifierRecipe(
                index_dir, args.nli_model, args.backend, config, embedder=args.embedder
            )
        return check_on_ray(
            records,
            recipe,
            address=args.ray_address,
            workers=args.ray_workers,
            verbose=args.verbose,
        )


def _add_to_collection(args: argparse.Namespace) -> None:
    """Add ``--corpus`` to the Milvus collection once, here, so that each actor only opens it.

    The store is closed afterwards, so a Milvus Lite folder is whole on disk for the
    actors' copies.
    """
    from verifier.judging import NLIJudge
    from verifier.pipeline import Verifier
    from verifier.retrieval import Embedder

    embedder = Embedder(args.embedder, backend=args.backend)
    store = open_store(args, embedder)
    try:
        verifier = Verifier.open(
            store,
            args.corpus,
            embedder=embedder,
            judge=NLIJudge(args.nli_model, backend=args.backend),
        )
        for skipped in verifier.load_report.skipped:
            _say(f"skipped {skipped.path}: {skipped.reason}", error=True)
    finally:
        store.close()


def _validate_source(args: argparse.Namespace) -> None:
    """A FAISS check needs --index or --corpus; a Milvus collection needs neither."""
    from verifier.errors import InvalidSettingError

    if args.store == "milvus":
        if args.index is not None:
            raise InvalidSettingError(
                "--index is a FAISS index folder; with --store milvus the collection is the index"
            )
    elif args.index is None and args.corpus is None:
        raise InvalidSettingError(
            "check needs --index DIR or --corpus PATH... (or --store milvus --milvus-uri URI)"
        )


def _run_check(args: argparse.Namespace) -> int:
    from verifier.claims import validate_claim
    from verifier.config import VerifierConfig
    from verifier.errors import VerifierError
    from verifier.io.batch import read_claims, result_record

    _validate_source(args)
    if (args.claim is None) == (args.claims is None):
        raise VerifierError("give either a CLAIM or --claims FILE, not both or neither")
    if args.claims and not args.out:
        raise VerifierError("--claims needs --out RESULTS.jsonl (or .csv)")
    if args.engine != "ray" and args.ray_address:
        raise VerifierError("--ray-address needs --engine ray")
    if args.engine == "ray" and args.claims is None:
        raise VerifierError("--engine ray checks a --claims FILE, not one CLAIM")
    if args.claim is not None:
        validate_claim(args.claim, VerifierConfig().max_claim_chars)
    records = read_claims(args.claims) if args.claims else None
    config = check_config(args)
    if args.engine == "ray":
        return _write_results(_check_on_ray(args, records, config), args.out)
    verifier = _open_verifier(args, config, args.index)
    if records is None:
        verdict = verifier.verify(args.claim)
        _say(
            json.dumps(verdict.to_dict(), indent=2, ensure_ascii=False)
            if args.json
            else _format_verdict(verdict)
        )
        return 0
    verdicts = verifier.verify_many([record["claim"] for record in records], progress=True)
    results = [
        result_record(record, verdict) for record, verdict in zip(records, verdicts, strict=True)
    ]
    return _write_results(results, args.out)


def _write_results(results: list[dict[str, Any]], out: str) -> int:
    """Write ``results`` as JSONL, or CSV by the suffix of ``out``, and say what they hold."""
    from verifier.errors import VerifierError
    from verifier.io.batch import write_csv
    from verifier.records import write_jsonl

    try:
        (write_csv if out.lower().endswith(".csv") else write_jsonl)(results, out)
    except OSError as error:
        raise VerifierError(
            f"cannot write the results to {out}: {error.strerror or error}"
        ) from error
    counts: dict[str, int] = {}
    for result in results:
        if result["verdict"] is not None:
            counts[result["verdict"]] = counts.get(result["verdict"], 0) + 1
    failed = sum(result["verdict"] is None for result in results)
    _say(
        f"checked {len(results)} claims -> {out}: "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        + (f"; {failed} failed, written with their error" if failed else "")
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    from verifier.errors import VerifierError

    if not args.verbose:
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        transformers_logging.set_verbosity_error()
    try:
        return _run_index(args) if args.command == "index" else _run_check(args)
    except VerifierError as error:
        _say(f"error: {error}", error=True)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - the CLI's last line of defence: no tracebacks
        if args.verbose:
            raise
        _say(
            f"error: unexpected {type(error).__name__}: {error} (run with --verbose for details)",
            error=True,
        )
        return EXIT_UNEXPECTED
