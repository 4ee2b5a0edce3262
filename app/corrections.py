"""Where the app keeps corrections ("This verdict is wrong"), and the operator's command to read them.

A correction of a verdict on the shared corpus goes to ``feedback.jsonl`` in
the index folder. One made in a session with a private workspace (a session
that has uploaded documents) may quote those documents, so it goes to that
workspace's own file, ``workspace-feedback/<workspace id>.jsonl`` in the index
folder. Every file is readable by the server's user alone (0600, the folder
0700); on the page only the session that owns a workspace can download its
file, and the operator reads them with::

    python -m app.corrections                      # list the files: id, corrections, size, last
    python -m app.corrections --workspace ID       # print one workspace's corrections (JSONL)
    python -m app.corrections --shared             # print the shared file
    python -m app.corrections --all > all.jsonl    # every correction, for models.train_nli --adapt

(``--index DIR`` for another index folder than the app's default.)
``ServiceLimits.max_feedback_bytes`` caps all the files together.

A correction is also remembered: checking the same claim, or one whose
embedding is at least :data:`SIMILAR` to its, against the same corpus (the
same :func:`corpus_key`) shows the corrected label beside the checker's,
until the corpus changes or the correction is withdrawn. A withdrawal is a
line of the file named like the feedback file with ``.withdrawn`` for
``.jsonl`` (so the operator's listing never mistakes it for corrections);
the correction itself stays for retraining.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from app.state import DEFAULT_INDEX
from verifier import Verifier
from verifier.feedback import FEEDBACK_FILENAME, FeedbackError, FeedbackRecord, read_feedback

WORKSPACE_FOLDER = "workspace-feedback"
_WORKSPACE_ID = re.compile(r"[0-9a-f]{32}")


def corrections_path(index_dir: str | Path, workspace_id: str | None = None) -> Path:
    """The shared feedback file, or workspace ``workspace_id``'s.

    Raises:
        ValueError: ``workspace_id`` is not a workspace id (32 hex digits).
    """
    if workspace_id is None:
        return Path(index_dir) / FEEDBACK_FILENAME
    if not _WORKSPACE_ID.fullmatch(workspace_id):
        raise ValueError(f"not a workspace id (32 hex digits): {workspace_id[:40]!r}")
    return Path(index_dir) / WORKSPACE_FOLDER / f"{workspace_id}.jsonl"


def prepare(path: Path) -> Path:
    """Make ``path``'s folder, readable by the server's user alone if it is the workspaces'."""
    if path.parent.name == WORKSPACE_FOLDER:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.parent.chmod(0o700)
    return path


def corrections_files(index_dir: str | Path) -> list[Path]:
    """Every feedback file there is: the shared one first, then the workspaces' by name."""
    shared = corrections_path(index_dir)
    workspaces = sorted((Path(index_dir) / WORKSPACE_FOLDER).glob("*.jsonl"))
    return [path for path in (shared, *workspaces) if path.is_file()]


def corrections_bytes(index_dir: str | Path) -> int:
    """The bytes of all the feedback files together (what ``max_feedback_bytes`` caps)."""
    return sum(path.stat().st_size for path in corrections_files(index_dir))


def _listing(path: Path) -> str:
    name = "shared" if path.name == FEEDBACK_FILENAME else f"workspace {path.stem}"
    with path.open("rb") as handle:
        count = sum(1 for line in handle if line.strip())
    stat = path.stat()
    last = datetime.fromtimestamp(stat.st_mtime, UTC).isoformat(timespec="seconds")
    return f"{name}\t{count} corrections\t{stat.st_size} bytes\tlast {last}\t{path}"


SIMILAR = 0.95
"""Claims at least this close (cosine of their embeddings) share a remembered correction."""


def corpus_key(verifier: Verifier) -> str:
    """A short key that changes whenever a document is added to or removed from the corpus."""
    stats = verifier.stats
    text = json.dumps([sorted(stats.sources), stats.documents, stats.passages])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def correction_id(record: FeedbackRecord) -> str:
    """A correction's id: its time, claim and label, hashed."""
    text = f"{record.time}\0{record.claim}\0{record.correct_label}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _withdrawn_path(feedback_file: Path) -> Path:
    return feedback_file.with_suffix(".withdrawn")


def _withdrawn(feedback_file: Path) -> set[str]:
    path = _withdrawn_path(feedback_file)
    if not path.is_file():
        return set()
    ids = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            ids.add(str(json.loads(line)["id"]))
        except (ValueError, KeyError, TypeError):
            continue
    return ids


def standing_corrections(feedback_file: Path, corpus: str) -> list[FeedbackRecord]:
    """The corrections made on ``corpus`` and not withdrawn, newest first."""
    if not feedback_file.is_file():
        return []
    try:
        records = read_feedback(feedback_file)
    except FeedbackError:
        return []
    withdrawn = _withdrawn(feedback_file)
    kept = [
        record
        for record in records
        if record.corpus == corpus and correction_id(record) not in withdrawn
    ]
    return sorted(kept, key=lambda record: record.time, reverse=True)


def withdraw(feedback_file: Path, identifier: str) -> None:
    """Withdraw a correction: it is no longer shown, though kept for retraining.

    Raises:
        ValueError: ``identifier`` is not a correction id.
    """
    if not re.fullmatch(r"[0-9a-f]{16}", identifier or ""):
        raise ValueError("choose a correction to withdraw first")
    path = _withdrawn_path(feedback_file)
    line = json.dumps({"id": identifier, "time": datetime.now(UTC).isoformat()}) + "\n"
    handle = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(handle, line.encode())
    finally:
        os.close(handle)


def _normal(claim: str) -> str:
    return " ".join(claim.lower().split()).rstrip(".!")


def remembered_correction(
    corrections: Sequence[FeedbackRecord], claim: str, verifier: Verifier
) -> FeedbackRecord | None:
    """The newest correction of ``claim`` or a claim within :data:`SIMILAR` of it, if any."""
    if not corrections:
        return None
    for record in corrections:
        if _normal(record.claim) == _normal(claim):
            return record
    vectors = np.asarray(verifier.embedder.encode([claim, *(r.claim for r in corrections)]))
    similarity = vectors[1:] @ vectors[0]
    best = int(np.argmax(similarity))
    return corrections[best] if float(similarity[best]) >= SIMILAR else None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m app.corrections",
        description="List or print the corrections the app keeps (the operator's command).",
    )
    parser.add_argument(
        "--index", type=Path, default=DEFAULT_INDEX, help=f"index folder (default {DEFAULT_INDEX})"
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--workspace", metavar="ID", help="print this workspace's corrections")
    which.add_argument("--shared", action="store_true", help="print the shared corrections")
    which.add_argument("--all", action="store_true", help="print every correction")
    args = parser.parse_args(argv)
    files = corrections_files(args.index)
    if not (args.workspace or args.shared or args.all):
        for path in files:
            print(_listing(path))
        return 0
    try:
        chosen = files if args.all else [corrections_path(args.index, args.workspace)]
    except ValueError as error:
        parser.error(str(error))
    for path in chosen:
        if not path.is_file():
            print(f"no corrections at {path}", file=sys.stderr)
            return 1
        sys.stdout.buffer.write(path.read_bytes())
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
