"""Who may do what, and how much one request may ask: the operator's settings for the page.

Everyone who can open the page may check claims. Adding documents is the
operator's choice: uploads go to a private workspace per browser session by
default (``uploads="private"``), to the shared, saved corpus only when the
operator says so (``"shared"``), or nowhere (``"off"``); indexing a folder on
the server exists only when the operator names the folders it may read.
Every cap here is checked on the server, for the page and the API alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from verifier import CorpusError, LimitError
from verifier.config import MAX_TOP_K, validate_top_k

UPLOAD_MODES = ("off", "private", "shared")
MB = 1024 * 1024


def size_text(count: int) -> str:
    """A byte count for messages: ``5.0 MB``, or ``80 bytes`` under a tenth of a megabyte."""
    return f"{count / MB:.1f} MB" if count >= MB // 10 else f"{count} bytes"


@dataclass(frozen=True)
class ServiceLimits:
    """The most work one request may ask for.

    Args:
        max_top_k: passages judged per claim.
        max_paragraph_sentences: sentences checked per paragraph.
        max_paragraph_chars: characters per paragraph.
        max_batch_claims: claims per batch file.
        max_upload_files: files per upload.
        max_file_bytes: bytes per uploaded file (corpus or batch).
        max_request_bytes: bytes of all the files of one upload together.
        max_uploader_bytes: bytes of uploads one uploader (a login, or a client
            address on a page without logins) may have waiting on the server at
            once; they wait until indexed or refused, at most an hour.
        max_upload_space_bytes: bytes the upload folder may hold in all.
        time_budget_s: seconds of checking per request; a paragraph or batch
            stops with a message once it is spent.
        max_feedback_bytes: bytes the feedback files (the shared one and the
            workspaces') may grow to together; corrections past it are
            refused, so repeated clicks cannot fill the disk.
    """

    max_top_k: int = MAX_TOP_K
    max_paragraph_sentences: int = 40
    max_paragraph_chars: int = 20_000
    max_batch_claims: int = 500
    max_upload_files: int = 20
    max_file_bytes: int = 5 * MB
    max_request_bytes: int = 20 * MB
    max_uploader_bytes: int = 40 * MB
    max_upload_space_bytes: int = 400 * MB
    time_budget_s: float = 120.0
    max_feedback_bytes: int = 50 * MB

    def __post_init__(self) -> None:
        for name, value in self.to_dict().items():
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise ValueError(f"{name} must be a positive number, got {value!r}")

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    def top_k(self, value: object, default: int) -> int:
        """A requested top-k as an int: ``None`` is ``default``; refuses non-whole numbers.

        Raises:
            LimitError: not a whole number (``True`` is not 1), or outside 1..``max_top_k``.
        """
        return validate_top_k(value, default, self.max_top_k)

    def validate_paragraph(self, text: object) -> None:
        """Refuse a paragraph over ``max_paragraph_chars`` before it is split."""
        if isinstance(text, str) and len(text) > self.max_paragraph_chars:
            raise LimitError(
                f"the paragraph is {len(text)} characters long; the limit is "
                f"{self.max_paragraph_chars} per request: split it"
            )

    def validate_batch(self, claims: int) -> None:
        """Refuse a batch file of more than ``max_batch_claims`` claims."""
        if claims > self.max_batch_claims:
            raise LimitError(
                f"the file has {claims} claims; the limit here is {self.max_batch_claims} "
                "(use `python -m verifier check --claims` for larger batches)"
            )

    def validate_feedback_room(self, size: int) -> None:
        """Refuse a correction once the feedback files are ``max_feedback_bytes`` or more."""
        if size >= self.max_feedback_bytes:
            raise LimitError(
                f"the feedback files have reached their limit of "
                f"{size_text(self.max_feedback_bytes)}; the operator can retrain on them and "
                "start new ones"
            )

    def validate_request_bytes(self, sizes: Sequence[int]) -> None:
        """Refuse an upload whose files together are over ``max_request_bytes``."""
        total = sum(sizes)
        if total > self.max_request_bytes:
            raise LimitError(
                f"the files come to {size_text(total)} together; one upload may bring at most "
                f"{size_text(self.max_request_bytes)}"
            )


@dataclass(frozen=True)
class Access:
    """What the page may change: uploads and which server folders may be indexed.

    Args:
        uploads: ``"off"``, ``"private"`` (a per-session workspace, the
            default) or ``"shared"`` (the saved corpus everyone checks against).
        index_roots: folders under which the page may index a folder into the
            shared corpus; none (the default) removes folder indexing.
        feedback: whether users may record that a verdict is wrong (the claim,
            the passages shown and both labels go to the index folder's
            ``feedback.jsonl``, or a private workspace's own file: see
            ``app.corrections``); off removes the control and its API endpoint.
    """

    uploads: str = "private"
    index_roots: tuple[Path, ...] = field(default=())
    feedback: bool = True

    def __post_init__(self) -> None:
        if self.uploads not in UPLOAD_MODES:
            raise ValueError(f"uploads must be one of {UPLOAD_MODES}, got {self.uploads!r}")
        roots = []
        for root in self.index_roots:
            resolved = Path(root).expanduser().resolve()
            if not resolved.is_dir():
                raise ValueError(f"index root is not a folder: {root}")
            roots.append(resolved)
        object.__setattr__(self, "index_roots", tuple(roots))

    @property
    def folder_indexing(self) -> bool:
        return bool(self.index_roots)

    def allowed_folder(self, folder: str) -> Path:
        """The real path of ``folder`` if it lies under one of ``index_roots``.

        Raises:
            CorpusError: it is empty, not a folder, or outside every root
                (links are followed before the check, so none can lead out).
        """
        text = folder.strip() if isinstance(folder, str) else ""
        if not text:
            raise CorpusError("type the path of a folder to index")
        if "\0" in text:
            raise CorpusError("the folder path holds a NUL character")
        resolved = Path(text).expanduser().resolve()
        if not any(resolved == root or root in resolved.parents for root in self.index_roots):
            raise CorpusError(
                f"{text[:200]} is not under a folder the operator allows for indexing"
            )
        if not resolved.is_dir():
            raise CorpusError(f"not a folder on the server: {text[:200]}")
        return resolved


def parse_auth(pairs: Sequence[str], auth_file: str | Path | None) -> list[tuple[str, str]]:
    """Logins from ``user:password`` strings and a file of such lines (``#`` comments).

    Raises:
        ValueError: a line without a colon, an empty name or password, or an
            unreadable file (naming the line, never the password).
    """
    entries = [(f"--auth #{number}", text) for number, text in enumerate(pairs, start=1)]
    if auth_file is not None:
        try:
            lines = Path(auth_file).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise ValueError(f"cannot read the auth file {auth_file}: {error}") from error
        entries += [
            (f"{auth_file}:{number}", line.strip())
            for number, line in enumerate(lines, start=1)
            if line.strip() and not line.strip().startswith("#")
        ]
    logins = []
    for where, text in entries:
        user, colon, password = text.partition(":")
        if not colon or not user.strip() or not password:
            raise ValueError(f"{where}: expected user:password with neither part empty")
        logins.append((user.strip(), password))
    return logins
