"""Corrections from users: "this verdict is wrong, it should be X", kept as JSON Lines.

Each correction is one line of a feedback file: the claim, every passage the
user was shown (text, source, offsets, the judge's scores and stance, and
whether it decided the verdict), the verdict given, the label the user says is
right, and when. ``python -m models.train_nli --adapt FILE`` turns the file
into training pairs for the judge.

Lines are appended with one ``write`` under a lock (a thread lock, and an
exclusive ``flock`` where the system has one, for other processes), then
flushed to disk, so concurrent corrections never interleave and a crash
loses at most the line being written. The file is never truncated.

Example:
    >>> from verifier import Verifier
    >>> verdict = Verifier.from_corpus("docs/").verify("The budget passed.")  # doctest: +SKIP
    >>> record_feedback("feedback.jsonl", verdict, "REFUTED")  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from verifier.errors import VerifierError
from verifier.records import json_objects
from verifier.types import CONFLICTING, NOT_ENOUGH_INFO, REFUTED, SUPPORTED, NLIScores, Verdict

try:
    import fcntl
except ImportError:  # Windows: the thread lock alone guards this process's writes.
    fcntl = None

FEEDBACK_FILENAME = "feedback.jsonl"
"""The file's name in a workspace (the app keeps it in its index folder)."""
CORRECT_LABELS = (SUPPORTED, REFUTED, NOT_ENOUGH_INFO, CONFLICTING)
"""What a user may say the verdict should have been: CONFLICTING when the
documents disagree (a reader can see two sources take opposite sides)."""
MAX_COMMENT_CHARS = 1000
FEEDBACK_VERSION = 1

_WRITE_LOCK = threading.Lock()


class FeedbackError(VerifierError, ValueError):
    """A correction cannot be recorded or read: a bad label, no verdict, a malformed line."""


@dataclass(frozen=True)
class ShownPassage:
    """A passage as the user saw it under the verdict, with the judge's reading of it."""

    text: str
    source: str
    doc_id: str
    start: int
    end: int
    context_before: str
    nli: NLIScores
    stance: str
    deciding: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "source": self.source,
            "doc_id": self.doc_id,
            "start": self.start,
            "end": self.end,
            "context_before": self.context_before,
            "nli": self.nli.to_dict(),
            "stance": self.stance,
            "deciding": self.deciding,
        }


@dataclass(frozen=True)
class FeedbackRecord:
    """One correction: the claim, what was shown and given, and the label the user says is right."""

    claim: str
    verdict: str
    confidence: float
    correct_label: str
    evidence: tuple[ShownPassage, ...]
    time: str
    """UTC, ISO 8601."""
    comment: str = ""
    """What the reader added, if anything (at most ``MAX_COMMENT_CHARS``)."""
    corpus: str = ""
    """Which corpus the verdict was given on (the app's corpus key), if known."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": FEEDBACK_VERSION,
            "time": self.time,
            "claim": self.claim,
            "verdict": self.verdict,
            "confidence": self.confidence,
            "correct_label": self.correct_label,
            "comment": self.comment,
            "corpus": self.corpus,
            "evidence": [item.to_dict() for item in self.evidence],
        }


def validate_correct_label(label: object) -> str:
    """The label in capitals if it is one of :data:`CORRECT_LABELS`.

    Raises:
        FeedbackError: anything else (an empty value, not text).

    Example:
        >>> validate_correct_label(" refuted ")
        'REFUTED'
    """
    text = label.strip().upper() if isinstance(label, str) else ""
    if text not in CORRECT_LABELS:
        raise FeedbackError(
            f"the right label must be one of {', '.join(CORRECT_LABELS)}, got {str(label)[:40]!r}"
        )
    return text


def feedback_record(
    verdict: Verdict,
    correct_label: object,
    *,
    now: datetime | None = None,
    comment: str = "",
    corpus: str = "",
) -> FeedbackRecord:
    """The correction of ``verdict`` to ``correct_label``, as it will be stored.

    Raises:
        FeedbackError: no verdict, a label outside :data:`CORRECT_LABELS`, or
            the label the verdict already has (that is not a correction).
    """
    if not isinstance(verdict, Verdict):
        raise FeedbackError("check a claim first; there is no verdict to correct")
    label = validate_correct_label(correct_label)
    if label == verdict.label:
        raise FeedbackError(f"the verdict is already {label}; pick the label that is right")
    evidence = tuple(
        ShownPassage(
            text=item.passage.text,
            source=item.passage.source,
            doc_id=item.passage.doc_id,
            start=item.passage.start,
            end=item.passage.end,
            context_before=item.passage.context_before,
            nli=item.nli,
            stance=item.stance,
            deciding=item in verdict.deciding,
        )
        for item in verdict.evidence
    )
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return FeedbackRecord(
        claim=verdict.claim,
        verdict=verdict.label,
        confidence=float(verdict.confidence),
        correct_label=label,
        evidence=evidence,
        time=moment.isoformat(timespec="seconds"),
        comment=" ".join(str(comment or "").split())[:MAX_COMMENT_CHARS],
        corpus=corpus,
    )


@contextmanager
def _exclusive(handle: int) -> Iterator[None]:
    with _WRITE_LOCK:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(handle, fcntl.LOCK_UN)


def append_feedback(path: str | Path, record: FeedbackRecord) -> None:
    """Append ``record`` as one line to ``path`` (made, with its folder, if missing).

    Raises:
        FeedbackError: the file cannot be written (no permission, disk full).
    """
    path = Path(path)
    line = (json.dumps(record.to_dict(), ensure_ascii=False) + "\n").encode("utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    except OSError as error:
        raise FeedbackError(
            f"cannot write feedback to {path}: {error.strerror or error}"
        ) from error
    try:
        with _exclusive(handle):
            written = 0
            while written < len(line):
                written += os.write(handle, line[written:])
            os.fsync(handle)
    except OSError as error:
        raise FeedbackError(
            f"cannot write feedback to {path}: {error.strerror or error}"
        ) from error
    finally:
        os.close(handle)


def record_feedback(
    path: str | Path,
    verdict: Verdict,
    correct_label: object,
    *,
    now: datetime | None = None,
    comment: str = "",
    corpus: str = "",
) -> FeedbackRecord:
    """Record that ``verdict`` is wrong and ``correct_label`` is right; returns what was stored.

    Raises:
        FeedbackError: see :func:`feedback_record` and :func:`append_feedback`.
    """
    record = feedback_record(verdict, correct_label, now=now, comment=comment, corpus=corpus)
    append_feedback(path, record)
    return record


def _shown_passage(item: Any, where: str) -> ShownPassage:
    if not isinstance(item, dict):
        raise FeedbackError(f"{where}: each evidence item must be an object")
    try:
        nli = item["nli"]
        return ShownPassage(
            text=str(item["text"]),
            source=str(item.get("source", "")),
            doc_id=str(item.get("doc_id", "")),
            start=int(item.get("start", 0)),
            end=int(item.get("end", len(str(item["text"])))),
            context_before=str(item.get("context_before", "")),
            nli=NLIScores(
                entailment=float(nli["entailment"]),
                neutral=float(nli["neutral"]),
                contradiction=float(nli["contradiction"]),
            ),
            stance=str(item.get("stance", "")),
            deciding=bool(item.get("deciding", False)),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise FeedbackError(f"{where}: an evidence item lacks or garbles {error}") from error


def read_feedback(path: str | Path) -> list[FeedbackRecord]:
    """Read a feedback file written by :func:`record_feedback`.

    Raises:
        FeedbackError: the file is missing, or a line is not a correction
            (naming the file and line).
    """
    path = Path(path)
    if not path.is_file():
        raise FeedbackError(f"{path}: feedback file not found")
    records = []
    with path.open(encoding="utf-8") as handle:
        for where, data in json_objects(handle, str(path), FeedbackError):
            claim = data.get("claim")
            evidence = data.get("evidence")
            if not isinstance(claim, str) or not claim.strip():
                raise FeedbackError(f"{where}: 'claim' must be a non-empty string")
            if not isinstance(evidence, list):
                raise FeedbackError(f"{where}: 'evidence' must be a list")
            try:
                correct = validate_correct_label(data.get("correct_label"))
            except FeedbackError as error:
                raise FeedbackError(f"{where}: {error}") from None
            records.append(
                FeedbackRecord(
                    claim=claim,
                    verdict=str(data.get("verdict", "")),
                    confidence=float(data.get("confidence", 0.0)),
                    correct_label=correct,
                    evidence=tuple(_shown_passage(item, where) for item in evidence),
                    time=str(data.get("time", "")),
                    comment=str(data.get("comment", "")),
                    corpus=str(data.get("corpus", "")),
                )
            )
    return records
