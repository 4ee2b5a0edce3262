"""'This verdict is wrong': the claim tab's control and API endpoint that record a correction.

A correction (the claim, the passages shown with the judge's reading of each,
the verdict given and the label the user says is right) is appended to
``feedback.jsonl`` in the app's index folder, where ``python -m
models.train_nli --adapt`` finds it; one made in a session with a private
workspace goes to that workspace's own file, which only the session can
download (see :mod:`app.corrections`, also for the operator's command). The
operator can turn this off (``Access.feedback``), in which case nothing here is
built; the files' size together is capped by ``ServiceLimits.max_feedback_bytes``.
"""

# No ``from __future__ import annotations``: gradio reads the endpoint's return type from
# the signature as an object (see app.api).
import logging
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal, TypedDict

import gradio as gr

from app import view
from app.api import NLIJSON, api_error, describe
from app.corrections import corrections_bytes, corrections_path, prepare
from app.state import AppState, Workspace, friendly
from app.state import top_k as allowed_top_k
from verifier import Verdict
from verifier.feedback import (
    CORRECT_LABELS,
    FeedbackRecord,
    record_feedback,
    validate_correct_label,
)

logger = logging.getLogger("app")

NOTICE = (
    "Pick the verdict that is right and record it. The claim, the passages shown and both "
    "labels are kept on this server to retrain the checker. If you uploaded documents here, "
    "your corrections are kept apart from everyone else's: only this session can download "
    "them, and the server's operator can read them."
)


class ShownPassageJSON(TypedDict):
    """A passage as the user saw it, the judge's reading of it, and whether it decided."""

    text: str
    source: str
    doc_id: str
    start: int
    end: int
    context_before: str
    nli: NLIJSON
    stance: str
    deciding: bool


class FeedbackJSON(TypedDict):
    """A stored correction, as ``FeedbackRecord.to_dict()`` writes it."""

    version: int
    time: str
    claim: str
    verdict: Literal["SUPPORTED", "REFUTED", "NOT_ENOUGH_INFO", "CONFLICTING"]
    confidence: float
    correct_label: Literal["SUPPORTED", "REFUTED", "NOT_ENOUGH_INFO"]
    evidence: list[ShownPassageJSON]


PARAMETERS = {
    "claim": "the statement whose verdict is wrong, as sent to check_claim",
    "correct_label": "the verdict that is right: SUPPORTED, REFUTED or NOT_ENOUGH_INFO",
    "top_k": "passages to judge, as in check_claim (omit for the server's default)",
}
RESULT = (
    "the stored correction: the claim, the verdict the server gives it, the right label, "
    "a UTC time and every passage judged, with the judge's scores and whether it decided"
)


def feedback_path(state: AppState, session: Workspace | None = None) -> Path:
    """Where a correction goes: the index folder's ``feedback.jsonl``, or the workspace's file."""
    return corrections_path(state.index_dir, None if session is None else session.id)


def record(
    state: AppState,
    verdict: Verdict | None,
    correct_label: object,
    session: Workspace | None = None,
) -> FeedbackRecord:
    """Append the correction of ``verdict``, within the files' size cap.

    Raises:
        LimitError: the feedback files are full.
        FeedbackError: no verdict, or a label that is not a correction of it.
    """
    state.limits.validate_feedback_room(corrections_bytes(state.index_dir))
    stored = record_feedback(prepare(feedback_path(state, session)), verdict, correct_label)
    logger.info(
        "recorded a correction%s: %s -> %s",
        "" if session is None else f" in workspace {session.id}",
        stored.verdict,
        stored.correct_label,
    )
    return stored


def spoken(label: str) -> str:
    """A label as the badge shows it: ``NOT_ENOUGH_INFO`` -> ``NOT ENOUGH INFO``."""
    return label.replace("_", " ")


def confirmation(stored: FeedbackRecord) -> str:
    return (
        f"Thank you: recorded that this claim is {spoken(stored.correct_label)}, "
        f"not {spoken(stored.verdict)} ({len(stored.evidence)} passages kept with it)."
    )


def wrong_verdict_control(
    state: AppState,
    verdict: gr.State,
    workspace: gr.State,
    new_check: Sequence[Callable[..., Any]],
) -> None:
    """Under a claim's result: pick the right label, record it, see a confirmation.

    Built inside the claim tab; ``verdict`` is the tab's state holding the
    last ``Verdict`` shown, ``workspace`` the session's private workspace (if
    it has one, its corrections are its own, and it may download them), and
    ``new_check`` the events that check a claim (``button.click``...), which
    clear the last correction. Also registers the ``report_wrong_verdict`` API.
    """
    if not state.access.feedback:
        return

    def on_report(
        shown: Verdict | None, correct_label: str | None, session: Workspace | None = None
    ) -> tuple[Any, Any, str]:
        stored = record(state, shown, correct_label, session)
        download: Any = gr.skip()
        if session is not None:
            # A copy: the download is served from gradio's cache, the file keeps growing.
            copy = state.download_path("corrections.jsonl")
            shutil.copyfile(feedback_path(state, session), copy)
            download = gr.DownloadButton(value=copy, visible=True)
        return gr.skip(), download, view.message_html(confirmation(stored), kind="info")

    with gr.Accordion("This verdict is wrong", open=False, elem_id="wrong-verdict"):
        gr.Markdown(NOTICE)
        with gr.Row():
            label = gr.Radio(
                [(spoken(name), name) for name in CORRECT_LABELS],
                label="The right verdict",
                elem_id="wrong-verdict-label",
            )
            button = gr.Button("Record the right verdict", elem_id="wrong-verdict-record")
        message = gr.HTML(elem_id="wrong-verdict-message")
        download = gr.DownloadButton(
            "Download this session's corrections (JSONL)",
            visible=False,
            elem_id="wrong-verdict-download",
        )
    button.click(
        friendly(on_report, (gr.skip(), gr.skip())),
        inputs=[verdict, label, workspace],
        outputs=[label, download, message],
        api_visibility="private",
    )

    def clear_correction() -> tuple[None, str]:
        # A new check is a new question: clear the last answer and its confirmation.
        # (Not verdict.change: gradio would hash the Verdict, whose dict fields cannot be.)
        return None, ""

    for trigger in new_check:
        trigger(clear_correction, outputs=[label, message], api_visibility="private", queue=False)
    report_wrong_verdict_api(state)


def report_wrong_verdict_api(state: AppState) -> None:
    """The ``report_wrong_verdict`` endpoint of the page's API."""

    def report_wrong_verdict(
        claim: str,
        correct_label: Literal["SUPPORTED", "REFUTED", "NOT_ENOUGH_INFO"],
        top_k: int | None = None,
    ) -> FeedbackJSON:
        """Record that the verdict for a claim is wrong, and which label is right.

        The claim is checked against the shared corpus as check_claim does, and
        that verdict, its passages and the right label are appended to the
        server's feedback file, from which the judge is retrained.
        """
        try:
            validate_correct_label(correct_label)
            k = allowed_top_k(state, top_k)
            return record(state, state.verifier.verify(claim, k), correct_label).to_dict()
        except Exception as error:
            raise api_error("report_wrong_verdict", error) from error

    endpoint = gr.api(
        report_wrong_verdict,
        api_name="report_wrong_verdict",
        api_description="Record that the server's verdict for a claim is wrong and which "
        "label is right; returns the stored correction as JSON.",
    )
    describe(endpoint, PARAMETERS, RESULT)
    page = gr.context.get_blocks_context()
    for block_id in endpoint["outputs"]:
        page.blocks[block_id].label = "correction"
