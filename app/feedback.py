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
from app.api import NLIJSON, add_endpoint
from app.corrections import (
    corpus_key,
    correction_id,
    corrections_bytes,
    corrections_path,
    prepare,
    remembered_correction,
    standing_corrections,
    withdraw,
)
from app.state import AppState, Workspace, friendly
from app.state import top_k as allowed_top_k
from verifier import Verdict
from verifier.feedback import (
    CORRECT_LABELS,
    FeedbackError,
    FeedbackRecord,
    record_feedback,
    validate_correct_label,
)

logger = logging.getLogger("app")

NOTICE = (
    "Pick the verdict that is right, add a comment if you like, and record it. Checking this "
    "claim again on this corpus will show your correction beside the checker's verdict until "
    "the corpus changes or the correction is withdrawn (Corpus tab). The claim, the passages shown and both "
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
    correct_label: Literal["SUPPORTED", "REFUTED", "NOT_ENOUGH_INFO", "CONFLICTING"]
    comment: str
    corpus: str
    evidence: list[ShownPassageJSON]


PARAMETERS = {
    "claim": "the statement whose verdict is wrong, as sent to check_claim",
    "correct_label": "the verdict that is right: SUPPORTED, REFUTED, NOT_ENOUGH_INFO or "
    "CONFLICTING",
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
    comment: str = "",
    corpus: str | None = None,
) -> FeedbackRecord:
    """Append the correction of ``verdict``, within the files' size cap.

    Raises:
        LimitError: the feedback files are full.
        FeedbackError: no verdict, or a label that is not a correction of it.
    """
    if not correct_label:
        raise FeedbackError("pick the verdict that is right first, then record it")
    state.limits.validate_feedback_room(corrections_bytes(state.index_dir))
    stored = record_feedback(
        prepare(feedback_path(state, session)),
        verdict,
        correct_label,
        comment=comment,
        corpus=corpus_key(state.checker(session, corpus)),
    )
    logger.info(
        "recorded a correction%s: %s -> %s",
        "" if session is None else f" in workspace {session.id}",
        stored.verdict,
        stored.correct_label,
    )
    return stored


def remembered(
    state: AppState, session: Workspace | None, claim: str, corpus: str | None = None
) -> FeedbackRecord | None:
    """A standing correction of ``claim`` (or a claim within 0.95 of it) on ``corpus``."""
    if not state.access.feedback:
        return None
    checker = state.checker(session, corpus)
    standing = standing_corrections(feedback_path(state, session), corpus_key(checker))
    return remembered_correction(standing, claim, checker)


def correction_choices(records: Sequence[FeedbackRecord]) -> list[tuple[str, str]]:
    """``(label, id)`` pairs naming each correction by date, claim and corrected label."""
    return [
        (
            f"{record.time[:10]}: {view.example_label(record.claim, 70)} → "
            f"{spoken(record.correct_label)} (the checker said {spoken(record.verdict)})",
            correction_id(record),
        )
        for record in records
    ]


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
    name: str = "wrong-verdict",
    corpus: gr.Dropdown | None = None,
) -> Callable[[Sequence[Any]], None]:
    """Under a verdict: pick the right label, add a comment, record it, see a confirmation.

    ``verdict`` is the tab's state holding the ``Verdict`` shown, ``workspace``
    the session's private workspace (its corrections are its own, and it may
    download them), ``new_check`` the events that start a check (they clear
    the last answer). ``name`` prefixes the elements' ids, one per tab. Returns
    ``corpus``, the tab's corpus list, names the corpus the correction is kept
    for (the main one without it). Returns
    ``follow(done)``, which shows the control after each of the events ``done``
    (those that end a check) while there is a verdict. Also registers the
    ``report_wrong_verdict`` API.
    """
    if not state.access.feedback:
        return lambda done: None

    def on_report(
        shown: Verdict | None,
        correct_label: str | None,
        comment: str | None,
        session: Workspace | None = None,
        chosen: str | None = None,
    ) -> tuple[Any, Any, str]:
        stored = record(state, shown, correct_label, session, comment or "", chosen)
        download: Any = gr.skip()
        if session is not None:
            # A copy: the download is served from gradio's cache, the file keeps growing.
            copy = state.download_path("corrections.jsonl")
            shutil.copyfile(feedback_path(state, session), copy)
            download = gr.DownloadButton(value=copy, visible=True)
        return gr.skip(), download, view.message_html(confirmation(stored), kind="info")

    with gr.Accordion("This verdict is wrong", open=False, visible=False, elem_id=name) as box:
        gr.Markdown(NOTICE)
        with gr.Row():
            label = gr.Radio(
                [(spoken(label), label) for label in CORRECT_LABELS],
                label="The right verdict",
                elem_id=f"{name}-label",
            )
            comment = gr.Textbox(label="Comment (optional)", max_lines=3, elem_id=f"{name}-comment")
        button = gr.Button("Record the right verdict", elem_id=f"{name}-record")
        message = gr.HTML(elem_id=f"{name}-message")
        download = gr.DownloadButton(
            "Download this session's corrections (JSONL)",
            visible=False,
            elem_id=f"{name}-download",
        )
    button.click(
        friendly(on_report, (gr.skip(), gr.skip())),
        inputs=[verdict, label, comment, workspace, *([corpus] if corpus is not None else [])],
        outputs=[label, download, message],
        api_visibility="private",
    )

    def clear_correction() -> tuple[None, str, str]:
        # A new check is a new question: clear the last answer and its confirmation.
        # (Not verdict.change: gradio would hash the Verdict, whose dict fields cannot be.)
        return None, "", ""

    def show_control(shown: Verdict | None) -> Any:
        return gr.update(visible=isinstance(shown, Verdict))

    for trigger in new_check:
        trigger(
            clear_correction,
            outputs=[label, comment, message],
            api_visibility="private",
            queue=False,
        )
    if name == "wrong-verdict":
        report_wrong_verdict_api(state)

    def follow(done: Sequence[Any]) -> None:
        for event in done:
            event.then(show_control, inputs=verdict, outputs=box, api_visibility="private")

    return follow


def corrections_list(
    state: AppState, page: gr.Blocks, workspace: gr.State, corpus: gr.Dropdown
) -> None:
    """On the Corpus tab: the corrections standing on the corpus chosen there, and withdrawing one."""
    if not state.access.feedback:
        return

    def listed(session: Workspace | None, name: str | None = None) -> Any:
        standing = standing_corrections(
            feedback_path(state, session), corpus_key(state.checker(session, name))
        )
        return gr.update(choices=correction_choices(standing), value=None)

    def on_withdraw(
        identifier: str | None, session: Workspace | None, name: str | None = None
    ) -> tuple[Any, str]:
        withdraw(feedback_path(state, session), identifier or "")
        return listed(session, name), view.message_html(
            "Withdrawn: the checker's own verdict shows again for that claim.", kind="info"
        )

    gr.Markdown(
        "### Corrections on this corpus\nReaders' corrections are shown beside the checker's "
        "verdict when the same claim is checked again. Withdraw one to stop showing it."
    )
    with gr.Row():
        chosen = gr.Dropdown(
            label="Corrections", choices=[], value=None, elem_id="corrections-list", scale=3
        )
        button = gr.Button("Withdraw correction", elem_id="withdraw-correction", scale=1)
    message = gr.HTML(elem_id="corrections-message")
    button.click(
        friendly(on_withdraw, (gr.skip(),)),
        inputs=[chosen, workspace, corpus],
        outputs=[chosen, message],
        api_visibility="private",
    )
    for event in (page.load, chosen.focus, corpus.change):
        event(listed, inputs=[workspace, corpus], outputs=chosen, api_visibility="private")


def report_wrong_verdict_api(state: AppState) -> None:
    """The ``report_wrong_verdict`` endpoint of the page's API."""

    def report_wrong_verdict(
        claim: str,
        correct_label: Literal["SUPPORTED", "REFUTED", "NOT_ENOUGH_INFO", "CONFLICTING"],
        top_k: int | None = None,
    ) -> FeedbackJSON:
        """Record that the verdict for a claim is wrong, and which label is right.

        The claim is checked against the shared corpus as check_claim does, and
        that verdict, its passages and the right label are appended to the
        server's feedback file, from which the judge is retrained.
        """
        validate_correct_label(correct_label)
        verdict = state.verifier.verify(claim, allowed_top_k(state, top_k))
        return record(state, verdict, correct_label).to_dict()

    add_endpoint(
        report_wrong_verdict,
        description="Record that the server's verdict for a claim is wrong and which "
        "label is right; returns the stored correction as JSON.",
        parameters=PARAMETERS,
        result_name="correction",
        result=RESULT,
    )
