"""What the page's tabs share: the app's state, a session's workspace, and the error wrapper.

:mod:`app.ui` lays out the tabs; :mod:`app.api` and :mod:`app.feedback` add
endpoints. All three read the state and helpers here, so none imports another's.
"""

from __future__ import annotations

import functools
import logging
import tempfile
import threading
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from gradio.utils import get_upload_folder

from app import view
from app.library import MAIN_CORPUS, Corpus, Library
from app.policy import Access, ServiceLimits
from app.uploads import UploadQuota
from verifier import Verifier, VerifierError
from verifier.corpus import SUPPORTED_SUFFIXES

logger = logging.getLogger("app")

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_INDEX = ROOT / ".verifier_cache" / "app_index"
"""Where the app keeps its index between restarts, unless told otherwise."""

GENERIC_ERROR = "Something went wrong while doing that; the details are in the server log."
BATCH_EXTENSIONS = (".jsonl", ".csv")
# A session's workspace is dropped this long after its last use, even if the tab stays open.
WORKSPACE_IDLE_S = 6 * 3600


class AppState:
    """The shared corpora, where their indexes are saved, the operator's policy, and a lock.

    ``verifier`` and ``index_dir`` are the main corpus's; ``library`` holds it
    and every named corpus made since. Checks only read a verifier (its index
    has its own lock), so they run side by side; changing a shared corpus
    (adding, removing, making one) and saving it take ``corpus_lock``, so one
    change happens at a time. ``uploads`` keeps
    the accounts of gradio's upload folder (read when this is made), which
    ``app.gate`` fills and the Corpus tab empties.
    """

    def __init__(
        self,
        verifier: Verifier,
        index_dir: Path,
        limits: ServiceLimits | None = None,
        access: Access | None = None,
    ) -> None:
        self.verifier = verifier
        self.index_dir = index_dir
        self.limits = limits or ServiceLimits()
        self.access = access or Access()
        self.corpus_lock = threading.Lock()
        self.library = Library(verifier, index_dir)
        self.uploads = UploadQuota(get_upload_folder(), self.limits)
        # Removed when the app exits; gradio serves copies from its own cache.
        self._downloads = tempfile.TemporaryDirectory(prefix="verifier-app-")
        self.downloads = Path(self._downloads.name)

    @property
    def corpus_limits(self) -> view.UploadLimits:
        return view.UploadLimits(
            max_files=self.limits.max_upload_files,
            max_file_bytes=self.limits.max_file_bytes,
            extensions=SUPPORTED_SUFFIXES,
        )

    @property
    def batch_limits(self) -> view.UploadLimits:
        return view.UploadLimits(
            max_files=1, max_file_bytes=self.limits.max_file_bytes, extensions=BATCH_EXTENSIONS
        )

    def download_path(self, filename: str) -> Path:
        """A fresh path, named ``filename``, for a file the browser will download."""
        folder = self.downloads / uuid.uuid4().hex
        folder.mkdir()
        return folder / filename

    def checker(self, workspace: Workspace | None, corpus: str | None = None) -> Verifier:
        """The verifier a session checks ``corpus`` with: its workspace's, else the shared one."""
        chosen = self.library.get(corpus)
        return workspace.overlay(chosen) if workspace is not None else chosen.verifier


class Workspace:
    """One browser session's private documents, layered over the shared corpora.

    Lives in a ``gr.State``: gradio calls :meth:`close` when the session ends
    (the tab is closed, or it sits idle past ``WORKSPACE_IDLE_S``), which drops
    the overlays (the uploaded files are deleted as soon as they are indexed).
    ``verifier`` is the overlay over the main corpus; :meth:`overlay` gives
    the one over any corpus. ``id`` names the workspace's own feedback file
    (``app.corrections``).
    """

    def __init__(self, shared: Verifier) -> None:
        self.verifier = shared.workspace()
        self._overlays: dict[str, Verifier] = {MAIN_CORPUS: self.verifier}
        self._lock = threading.Lock()
        self.id = uuid.uuid4().hex

    def overlay(self, corpus: Corpus) -> Verifier:
        """This session's verifier over ``corpus``: its shared documents and the session's own."""
        with self._lock:
            if corpus.name not in self._overlays:
                self._overlays[corpus.name] = corpus.verifier.workspace()
            return self._overlays[corpus.name]

    def __deepcopy__(self, memo: dict[int, Any]) -> Workspace:
        # gradio may copy state values; a workspace is one object, never duplicated.
        return self

    def close(self) -> None:
        logger.info("closed a session workspace")

    @staticmethod
    def on_delete(workspace: Workspace | None) -> None:
        if workspace is not None:
            workspace.close()


def friendly(fn: Callable[..., Any], cleared: Sequence[Any]) -> Callable[..., Any]:
    """Run an event handler; on failure show a message instead of its outputs.

    The handler's last output is a message box. A ``VerifierError`` (or a bad
    value) shows its own message; anything else is logged with its traceback
    and the page gets a generic message. ``cleared`` are the values for the
    other outputs, so a stale result is not left beside the message.
    """

    @functools.wraps(fn)
    def handler(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (VerifierError, ValueError) as error:
            logger.info("refused: %s", error)
            message = str(error)
        except Exception:
            logger.exception("unexpected error in %s", fn.__name__)
            message = GENERIC_ERROR
        return (*cleared, view.message_html(message))

    return handler


def top_k(state: AppState, value: object) -> int:
    """The top-k a request asked for, checked against the cap."""
    return state.limits.top_k(value, state.verifier.config.top_k)
