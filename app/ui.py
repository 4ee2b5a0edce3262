"""The page: four tabs (claim, paragraph, corpus, batch) around one shared ``Verifier``.

Presentation only: each tab lays out its components and wires them to
handlers that call the library and render with :mod:`app.view`. What the
page may change and how much a request may ask come from :mod:`app.policy`;
a handler the operator did not allow is never built, so it cannot be called.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from app import view
from app.api import check_claim_api
from app.feedback import corrections_list, remembered, wrong_verdict_control
from app.policy import MB
from app.state import WORKSPACE_IDLE_S, AppState, Workspace, friendly, top_k
from verifier import (
    ClaimSpan,
    LoadReport,
    Verdict,
    read_claims,
    result_record,
    write_csv,
    write_jsonl,
)
from verifier.claims import claim_text_problem, statement_problem
from verifier.feedback import FeedbackRecord
from verifier.types import SkippedFile

logger = logging.getLogger("app")

# gradio gives each call its own tracker; this default only marks the parameter.
PROGRESS = gr.Progress()

# A click on a coloured sentence selects it, which shows its evidence.
SENTENCE_CLICK_JS = """
element.addEventListener('click', (event) => {
    const span = event.target.closest('.claim-span');
    if (span) { trigger('click', {sentence: Number(span.dataset.index)}); }
});
"""

# Gradio's live region announces a finished event by the key "common.complete", which its
# English strings lack; the page's own live region then reads out the verdict.
STATUS_WORDS = gr.I18n(en={"common.complete": "Done.", "common.error": "Error."})

CSS = """
.gradio-container { max-width: 1200px !important; }
#verdict-badge { min-height: 3em; }
"""


def progress_reporter(progress: gr.Progress) -> Callable[[int, int, str], None]:
    """Adapt the pipeline's ``(done, total, stage)`` callback to a gradio progress bar."""

    def report(done: int, total: int, stage: str) -> None:
        progress((done, total), desc=stage, unit="items")

    return report


def top_k_slider(state: AppState, label: str) -> gr.Slider:
    """A top-k slider starting at the verifier's configured top-k."""
    return gr.Slider(
        1,
        state.limits.max_top_k,
        value=min(state.verifier.config.top_k, state.limits.max_top_k),
        step=1,
        label=label,
    )


def render_verdict(
    verdict: Verdict, show_neutral: bool, correction: FeedbackRecord | None = None
) -> tuple[str, str, str]:
    """The verdict badge (under a reader's correction, if one stands), evidence cards and chart."""
    banner = (
        view.correction_html(correction.correct_label, correction.time[:10], correction.comment)
        if correction is not None
        else ""
    )
    spoken = view.announcement(verdict, correction.correct_label if correction else None)
    return (
        banner + view.verdict_badge_html(verdict) + view.live_region_html(spoken),
        view.legend_html() + view.evidence_cards_html(verdict, show_neutral=show_neutral),
        view.source_chart_html(verdict),
    )


# After a check the address bar holds the link to it; "copy link" copies that.
SHOW_LINK_JS = """
(claim) => {
    const url = new URL(window.location.href);
    url.search = '';
    if (claim && claim.trim()) { url.searchParams.set('claim', claim.trim()); }
    window.history.replaceState(null, '', url);
    return [];
}
"""
COPY_LINK_JS = """
(claim) => {
    const url = new URL(window.location.href);
    url.search = '';
    if (claim && claim.trim()) { url.searchParams.set('claim', claim.trim()); }
    window.history.replaceState(null, '', url);
    if (navigator.clipboard) { navigator.clipboard.writeText(url.toString()).catch(() => {}); }
    const note = document.querySelector('#copy-link-note');
    if (note) { note.textContent = 'Link copied: ' + url.toString(); }
    return [];
}
"""


def claim_inputs(state: AppState, examples: Sequence[str]) -> dict[str, Any]:
    """The claim box, then its button and "copy link" (in tab order), then the examples."""
    with gr.Row():
        with gr.Column(scale=3):
            claim = gr.Textbox(
                label="Claim",
                info="Enter checks the claim; Shift+Enter starts a new line.",
                placeholder="Type a statement to check, e.g. a sentence from a news story",
                lines=1,
                max_lines=6,
                elem_id="claim-input",
            )
            with gr.Row():
                button = gr.Button("Check claim", variant="primary", elem_id="check-claim")
                copy = gr.Button("Copy link", size="sm", elem_id="copy-link")
            gr.HTML('<div id="copy-link-note" aria-live="polite"></div>')
            if examples:
                gr.Examples(
                    examples=[[text] for text in examples],
                    inputs=claim,
                    label="Example claims for this corpus",
                    example_labels=[view.example_label(text) for text in examples],
                )
        with gr.Column(scale=1):
            top_k_value = top_k_slider(state, "Passages to judge (top-k)")
            neutral = gr.Checkbox(label="show neutral evidence", value=False)
    copy.click(None, inputs=claim, js=COPY_LINK_JS, api_visibility="private")
    return {"claim": claim, "button": button, "top_k": top_k_value, "neutral": neutral}


def claim_tab(
    state: AppState, examples: Sequence[str], workspace: gr.State, page: gr.Blocks
) -> None:
    """Check one claim: its verdict, evidence and per-source chart, a link and a JSON download."""

    def on_check_claim(
        claim: str, k: float, show_neutral: bool, session: Workspace | None
    ) -> tuple[Any, ...]:
        # A bare topic gets a message, not a verdict (invalid text is refused by verify).
        problem = statement_problem(claim) if claim_text_problem(claim) is None else None
        if problem is not None:
            return (*cleared, view.message_html(problem, kind="warning"))
        verdict = state.checker(session).verify(claim, top_k(state, k))
        correction = remembered(state, session, claim)
        path = state.download_path("verdict.json")
        path.write_text(view.verdict_json(verdict), encoding="utf-8")
        return (
            *render_verdict(verdict, show_neutral, correction),
            verdict,
            correction,
            gr.DownloadButton(value=path, visible=True),
            "",
        )

    def on_link(
        k: float, show_neutral: bool, session: Workspace | None, request: gr.Request
    ) -> tuple[Any, ...]:
        query = dict(request.query_params) if request is not None else {}
        claim = str(query.get("claim", "")).strip()
        if not claim:
            return (gr.skip(),) * (len(outputs) + 1)
        result = on_check_claim(claim, k, show_neutral, session)
        if query.get("corpus") and not result[-1]:
            note = f"This server has no corpus named {query['corpus'][:80]!r}; checked "
            note += "against the one loaded."
            result = (*result[:-1], view.message_html(note, kind="warning"))
        return (claim, *result)

    def rerender_claim(verdict: Verdict | None, correction: Any, show_neutral: bool) -> Any:
        return (
            ("", "", "") if verdict is None else render_verdict(verdict, show_neutral, correction)
        )

    with gr.Tab("Check a claim", id="claim"):
        inputs = claim_inputs(state, examples)
        message = gr.HTML(elem_id="claim-message")
        with gr.Row():
            with gr.Column(scale=3):
                badge = gr.HTML(elem_id="verdict-badge")
                evidence = gr.HTML(elem_id="claim-evidence")
            with gr.Column(scale=2):
                chart = gr.HTML(elem_id="claim-chart")
                download = gr.DownloadButton(
                    "Download result (JSON)", visible=False, elem_id="claim-download"
                )
        verdict, correction = gr.State(), gr.State()
        claim, button = inputs["claim"], inputs["button"]
        outputs = [badge, evidence, chart, verdict, correction, download, message]
        # gr.update, not new components: a component made here would join the gr.Tabs
        # as a stray child and shuffle the tab titles.
        cleared = ("", "", "", None, None, gr.update(visible=False))
        settings = [inputs["top_k"], inputs["neutral"], workspace]
        done = [
            trigger(
                friendly(on_check_claim, cleared),
                inputs=[claim, *settings],
                outputs=outputs,
                api_visibility="private",
                show_progress_on=badge,
            ).then(None, inputs=claim, js=SHOW_LINK_JS, api_visibility="private")
            for trigger in (button.click, claim.submit)
        ]
        done.append(
            page.load(
                friendly(on_link, (gr.skip(), *cleared)),
                inputs=settings,
                outputs=[claim, *outputs],
                api_visibility="private",
                show_progress_on=badge,
            )
        )
        follow = wrong_verdict_control(state, verdict, workspace, [button.click, claim.submit])
        follow(done)
    inputs["neutral"].change(
        rerender_claim,
        inputs=[verdict, correction, inputs["neutral"]],
        outputs=[badge, evidence, chart],
        api_visibility="private",
    )


def choose_sentence(event: gr.EventData) -> Any:
    """The sentence clicked in the checked paragraph (its ``data-index``)."""
    index = getattr(event, "sentence", None)
    return gr.skip() if index is None else int(index)


def paragraph_inputs(
    state: AppState, examples: Sequence[str]
) -> tuple[gr.Textbox, gr.Slider, gr.Checkbox, gr.Button]:
    """The paragraph box, its example, and the settings and button beside it."""
    with gr.Row():
        with gr.Column(scale=3):
            paragraph = gr.Textbox(
                label="Paragraph",
                placeholder="Paste a passage, e.g. a news paragraph; each sentence is checked",
                lines=6,
                elem_id="paragraph-input",
            )
            if examples:
                gr.Examples(
                    examples=[[" ".join(examples[:4])]],
                    inputs=paragraph,
                    label="Example paragraph",
                    example_labels=[view.example_label(" ".join(examples[:4]))],
                )
        with gr.Column(scale=1):
            paragraph_top_k = top_k_slider(state, "Passages per sentence (top-k)")
            paragraph_neutral = gr.Checkbox(label="show neutral evidence", value=False)
            paragraph_button = gr.Button(
                "Check paragraph", variant="primary", elem_id="check-paragraph"
            )
    return paragraph, paragraph_top_k, paragraph_neutral, paragraph_button


def paragraph_tab(state: AppState, examples: Sequence[str], workspace: gr.State) -> None:
    """Check each sentence of a paragraph; pick a sentence to see its evidence."""

    def on_check_paragraph(
        text: str,
        k: float,
        show_neutral: bool,
        session: Workspace | None,
        progress: gr.Progress = PROGRESS,
    ) -> tuple[Any, ...]:
        state.limits.check_paragraph(text)
        spans = state.checker(session).verify_paragraph(
            text,
            top_k(state, k),
            max_sentences=state.limits.max_paragraph_sentences,
            time_budget_s=state.limits.time_budget_s,
            progress=progress_reporter(progress),
        )
        path = state.download_path("paragraph.json")
        path.write_text(view.paragraph_json(text, spans), encoding="utf-8")
        return (
            view.paragraph_html(text, spans),
            gr.Radio(choices=view.sentence_choices(spans), value=0, visible=True),
            *render_verdict(spans[0].verdict, show_neutral),
            spans,
            spans[0].verdict,
            gr.DownloadButton(value=path, visible=True),
            "",
        )

    def show_sentence(
        spans: list[ClaimSpan] | None, index: int | None, show_neutral: bool
    ) -> tuple[Any, ...]:
        if not spans or index is None:
            return "", "", "", None
        return (*render_verdict(spans[int(index)].verdict, show_neutral), spans[int(index)].verdict)

    with gr.Tab("Check a paragraph", id="paragraph"):
        paragraph, paragraph_top_k, paragraph_neutral, paragraph_button = paragraph_inputs(
            state, examples
        )
        paragraph_message = gr.HTML(elem_id="paragraph-message")
        paragraph_result = gr.HTML(elem_id="paragraph-result", js_on_load=SENTENCE_CLICK_JS)
        sentence = gr.Radio(
            label="Show the evidence for sentence (or click a sentence in the text)",
            visible=False,
            elem_id="sentence-choice",
        )
        with gr.Row():
            with gr.Column(scale=3):
                sentence_badge = gr.HTML(elem_id="sentence-badge")
                sentence_evidence = gr.HTML(elem_id="sentence-evidence")
            with gr.Column(scale=2):
                sentence_chart = gr.HTML(elem_id="sentence-chart")
                paragraph_download = gr.DownloadButton(
                    "Download result (JSON)", visible=False, elem_id="paragraph-download"
                )
        paragraph_spans, sentence_verdict = gr.State(), gr.State()
        follow = wrong_verdict_control(
            state,
            sentence_verdict,
            workspace,
            [paragraph_button.click],
            name="paragraph-wrong-verdict",
        )

    checked = paragraph_button.click(
        friendly(
            on_check_paragraph,
            ("", gr.update(visible=False), "", "", "", None, None, gr.update(visible=False)),
        ),
        inputs=[paragraph, paragraph_top_k, paragraph_neutral, workspace],
        outputs=[
            paragraph_result,
            sentence,
            sentence_badge,
            sentence_evidence,
            sentence_chart,
            paragraph_spans,
            sentence_verdict,
            paragraph_download,
            paragraph_message,
        ],
        api_visibility="private",
        show_progress_on=paragraph_result,
    )
    paragraph_result.click(choose_sentence, outputs=sentence, api_visibility="private", queue=False)
    shown = [
        trigger(
            show_sentence,
            inputs=[paragraph_spans, sentence, paragraph_neutral],
            outputs=[sentence_badge, sentence_evidence, sentence_chart, sentence_verdict],
            api_visibility="private",
        )
        for trigger in (sentence.change, paragraph_neutral.change)
    ]
    follow([checked, *shown])


def corpus_tab(state: AppState, page: gr.Blocks, workspace: gr.State) -> None:
    """What is indexed; adding uploads or a server folder, where the operator allows it."""
    access = state.access
    limits = state.corpus_limits

    def corpus_summary(session: Workspace | None = None) -> str:
        return view.corpus_stats_markdown(state.checker(session).stats)

    def report(
        loaded: LoadReport, rejected: Sequence[Any], session: Workspace | None
    ) -> tuple[str, str, str]:
        problems = bool(rejected or loaded.skipped) or not loaded.documents
        return (
            corpus_summary(session),
            view.not_indexed_markdown(loaded, rejected),
            view.message_html(
                view.load_report_message(loaded, rejected), kind="warning" if problems else "info"
            ),
        )

    def add_shared(
        corpus: Sequence[str], progress: gr.Progress, confine_to: Sequence[Path] | None = None
    ) -> LoadReport:
        with state.corpus_lock:
            loaded = state.verifier.add(
                list(corpus), progress=progress_reporter(progress), confine_to=confine_to
            )
            if loaded.passages:
                progress(1.0, desc="saving the index")
                state.verifier.save(state.index_dir)
        return loaded

    def upload_files(
        files: Sequence[str] | None, session: Workspace | None, progress: gr.Progress = PROGRESS
    ) -> tuple[Any, ...]:
        if not files:
            raise ValueError("choose one or more files to upload first")
        try:
            return index_uploads(list(files), session, progress)
        finally:
            # Indexed or refused, an uploaded file is not needed any more.
            state.uploads.discard(files)

    def index_uploads(
        files: list[str], session: Workspace | None, progress: gr.Progress
    ) -> tuple[Any, ...]:
        refused = [
            SkippedFile(path, reason)
            for path in files
            if (reason := state.uploads.refusal(path)) is not None
        ]
        gone = [
            SkippedFile(path, "it is no longer on the server (kept an hour); upload it again")
            for path in files
            if not Path(path).is_file()
        ]
        set_aside = {item.path for item in (*refused, *gone)}
        kept = [path for path in files if path not in set_aside]
        sizes = [Path(path).stat().st_size for path in kept]
        state.limits.check_request_bytes(sizes)
        check = view.check_uploads(list(zip(kept, sizes, strict=True)), limits)
        rejected = (*refused, *gone, *check.rejected)
        if access.uploads == "private" and session is None:
            session = Workspace(state.verifier)
        if not check.accepted:
            return (
                corpus_summary(session),
                view.not_indexed_markdown(LoadReport(0, 0), rejected),
                session,
                None,
                view.message_html("None of the files can be indexed.", kind="error"),
            )
        progress(0.0, desc="reading the files")
        if access.uploads == "shared":
            loaded = add_shared(check.accepted, progress)
        else:
            loaded = session.verifier.add(
                list(check.accepted), progress=progress_reporter(progress)
            )
        summary, not_indexed, message = report(loaded, rejected, session)
        return summary, not_indexed, session, None, message

    def add_folder(
        folder: str, session: Workspace | None, progress: gr.Progress = PROGRESS
    ) -> tuple[str, str, str]:
        path = access.allowed_folder(folder)
        progress(0.0, desc="reading the files")
        loaded = add_shared([str(path)], progress, confine_to=access.index_roots)
        return report(loaded, (), session)

    if access.uploads == "private":
        where = (
            "Uploads are private to this browser session: only you check against them, "
            "and they are removed when you close the page."
        )
    else:
        where = "Uploads join the shared corpus that everyone here checks against, and are saved."
    with gr.Tab("Corpus", id="corpus"):
        corpus_stats = gr.Markdown(corpus_summary(), elem_id="corpus-stats")
        if access.uploads != "off":
            gr.Markdown(
                f"Add documents ({' '.join(limits.extensions)}; up to "
                f"{limits.max_files} files of at most {limits.max_file_bytes // MB} MB each, "
                f"{state.limits.max_request_bytes // MB} MB in all). {where}"
            )
        with gr.Row():
            if access.uploads != "off":
                with gr.Column():
                    # No file_types: the browser's own refusal ("Invalid file type") would
                    # come on top of ours; check_uploads names each refused file once.
                    uploads = gr.File(
                        label="Upload files", file_count="multiple", elem_id="corpus-upload"
                    )
                    upload_button = gr.Button(
                        "Index uploaded files", variant="primary", elem_id="index-uploads"
                    )
            if access.folder_indexing:
                with gr.Column():
                    folder = gr.Textbox(
                        label="…or a folder on this machine (under the folders the operator allows)",
                        placeholder="/path/to/documents",
                        elem_id="corpus-folder",
                    )
                    folder_button = gr.Button("Index folder", elem_id="index-folder")
        corpus_message = gr.HTML(elem_id="corpus-message")
        corpus_report = gr.Markdown(elem_id="corpus-report")
        corrections_list(state, page, workspace)

    corpus_outputs = [corpus_stats, corpus_report, corpus_message]
    if access.uploads != "off":
        # Emptying the upload box: its files are deleted once indexed or refused.
        upload_button.click(
            friendly(upload_files, (gr.skip(), "", gr.skip(), None)),
            inputs=[uploads, workspace],
            outputs=[corpus_stats, corpus_report, workspace, uploads, corpus_message],
            concurrency_id="corpus",
            concurrency_limit=1,
            api_visibility="private",
            show_progress_on=corpus_message,
        )
    if access.folder_indexing:
        folder_button.click(
            friendly(add_folder, (gr.skip(), "")),
            inputs=[folder, workspace],
            outputs=corpus_outputs,
            concurrency_id="corpus",
            concurrency_limit=1,
            api_visibility="private",
            show_progress_on=corpus_message,
        )
    page.load(corpus_summary, inputs=workspace, outputs=corpus_stats, api_visibility="private")


def batch_tab(state: AppState, workspace: gr.State) -> None:
    """Check a file of claims; scores against gold labels when the file has them."""

    def run_batch(
        file: str | None, k: float, session: Workspace | None, progress: gr.Progress = PROGRESS
    ) -> tuple[Any, ...]:
        if not file:
            raise ValueError("choose a JSONL or CSV file of claims first")
        check = view.check_uploads([(file, Path(file).stat().st_size)], state.batch_limits)
        if check.rejected:
            raise ValueError(f"{Path(file).name}: {check.rejected[0].reason}")
        records = read_claims(file)
        state.limits.check_batch(len(records))
        verdicts = state.checker(session).verify_many(
            [record["claim"] for record in records],
            top_k(state, k),
            progress=progress_reporter(progress),
            time_budget_s=state.limits.time_budget_s,
        )
        results = [
            result_record(record, verdict)
            for record, verdict in zip(records, verdicts, strict=True)
        ]
        report = view.batch_report(results)
        stem = Path(file).stem + "-results"
        jsonl_path = state.download_path(f"{stem}.jsonl")
        csv_path = state.download_path(f"{stem}.csv")
        write_jsonl(results, jsonl_path)
        write_csv(results, csv_path)
        headers, rows = view.batch_table(results)
        return (
            view.batch_report_markdown(report, len(results)),
            gr.Dataframe(
                value=rows,
                headers=headers,
                column_widths=view.batch_column_widths(headers),
                visible=True,
            ),
            gr.update(
                value=view.confusion_html(report) if report else "", visible=report is not None
            ),
            gr.File(value=[str(jsonl_path), str(csv_path)], visible=True),
            "",
        )

    with gr.Tab("Batch", id="batch"):
        gr.Markdown(
            "Upload a JSONL or CSV file with a `claim` field per line/row (up to "
            f"{state.limits.max_batch_claims} claims). With a `label` column of gold verdicts "
            "you also get accuracy, macro-F1 and a confusion matrix."
        )
        with gr.Row():
            # No file_types, as for the corpus: run_batch gives the one message for a wrong type.
            claims_file = gr.File(label="Claims file", elem_id="batch-upload")
            with gr.Column():
                batch_top_k = top_k_slider(state, "Passages per claim")
                batch_button = gr.Button("Run batch", variant="primary", elem_id="run-batch")
        batch_message = gr.HTML(elem_id="batch-message")
        with gr.Row():
            with gr.Column():
                batch_summary = gr.Markdown(elem_id="batch-summary")
                batch_downloads = gr.File(
                    label="Results (JSONL and CSV)",
                    visible=False,
                    elem_id="batch-downloads",
                )
            batch_plot = gr.HTML(visible=False, elem_id="batch-confusion")
        # The claim stays in view if a narrow window scrolls the table sideways.
        batch_table = gr.Dataframe(
            visible=False, wrap=True, pinned_columns=1, elem_id="batch-table"
        )

    batch_button.click(
        friendly(
            run_batch,
            ("", gr.update(visible=False), gr.update(visible=False), gr.update(visible=False)),
        ),
        inputs=[claims_file, batch_top_k, workspace],
        outputs=[batch_summary, batch_table, batch_plot, batch_downloads, batch_message],
        concurrency_id="batch",
        concurrency_limit=1,
        api_visibility="private",
        show_progress_on=batch_message,
    )


def build_ui(state: AppState, examples: Sequence[str]) -> gr.Blocks:
    """The page: four tabs around ``state.verifier``."""
    # Downloads and uploads in gradio's cache are removed after an hour (checked every 10
    # minutes), so uploads never indexed stop counting against their uploader's quota.
    with gr.Blocks(
        title="Claim verifier", analytics_enabled=False, delete_cache=(600, 3600)
    ) as page:
        gr.Markdown(
            "# Claim verifier\nCheck statements against the documents loaded here. "
            "Everything runs on this machine."
        )
        # This session's private uploads (None until its first one).
        workspace = gr.State(
            None, time_to_live=WORKSPACE_IDLE_S, delete_callback=Workspace.on_delete
        )
        # Tab titles wrap onto a second row in a narrow window instead of hiding in a menu.
        with gr.Tabs(overflow_behavior="wrap"):
            claim_tab(state, examples, workspace, page)
            paragraph_tab(state, examples, workspace)
            corpus_tab(state, page, workspace)
            batch_tab(state, workspace)
        check_claim_api(state)
    return page
