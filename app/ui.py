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
from app.corpus_tab import corpus_choice, corpus_tab, link_corpus_choices, show_checking_against
from app.feedback import wrong_verdict_control
from app.state import WORKSPACE_IDLE_S, AppState, Workspace, friendly, top_k
from verifier import (
    ClaimSpan,
    Verdict,
    read_claims,
    result_record,
    write_csv,
    write_jsonl,
)
from verifier.claims import claim_text_problem, statement_problem

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


def render_verdict(verdict: Verdict, show_neutral: bool) -> tuple[str, str, str]:
    """The verdict badge, evidence cards and per-source chart."""
    return (
        view.verdict_badge_html(verdict),
        view.evidence_cards_html(verdict, show_neutral=show_neutral),
        view.source_chart_html(verdict),
    )


def claim_tab(
    state: AppState, page: gr.Blocks, examples: Sequence[str], workspace: gr.State
) -> gr.Dropdown:
    """Check one claim: its verdict, evidence and per-source chart, and a JSON download."""

    def on_check_claim(
        claim: str,
        k: float,
        show_neutral: bool,
        session: Workspace | None,
        corpus: str | None = None,
    ) -> tuple[Any, ...]:
        # A bare topic gets a message, not a verdict (invalid text is refused by verify).
        problem = statement_problem(claim) if claim_text_problem(claim) is None else None
        if problem is not None:
            return (*claim_cleared, view.message_html(problem, kind="warning"))
        verdict = state.checker(session, corpus).verify(claim, top_k(state, k))
        path = state.download_path("verdict.json")
        path.write_text(view.verdict_json(verdict), encoding="utf-8")
        return (
            *render_verdict(verdict, show_neutral),
            verdict,
            gr.DownloadButton(value=path, visible=True),
            "",
        )

    def rerender_claim(verdict: Verdict | None, show_neutral: bool) -> tuple[str, str, str]:
        if verdict is None:
            return "", "", ""
        return render_verdict(verdict, show_neutral)

    with gr.Tab("Check a claim", id="claim") as tab:
        with gr.Row():
            with gr.Column(scale=3):
                claim = gr.Textbox(
                    label="Claim",
                    placeholder="Type a statement to check, e.g. a sentence from a news story",
                    lines=2,
                    elem_id="claim-input",
                )
                if examples:
                    gr.Examples(
                        examples=[[text] for text in examples],
                        inputs=claim,
                        label="Example claims for this corpus",
                        example_labels=[view.example_label(text) for text in examples],
                    )
            with gr.Column(scale=1):
                claim_corpus = corpus_choice(state, "claim-corpus")
                corpus_info = gr.Markdown(elem_id="claim-corpus-info")
                claim_top_k = top_k_slider(state, "Passages to judge (top-k)")
                claim_neutral = gr.Checkbox(label="show neutral evidence", value=False)
                claim_button = gr.Button("Check claim", variant="primary", elem_id="check-claim")
        claim_message = gr.HTML(elem_id="claim-message")
        with gr.Row():
            with gr.Column(scale=3):
                claim_badge = gr.HTML(elem_id="verdict-badge")
                claim_evidence = gr.HTML(elem_id="claim-evidence")
            with gr.Column(scale=2):
                claim_chart = gr.HTML(elem_id="claim-chart")
                claim_download = gr.DownloadButton(
                    "Download result (JSON)", visible=False, elem_id="claim-download"
                )
        claim_verdict = gr.State()
        # Imported here because app.feedback builds on this module.

        wrong_verdict_control(state, claim_verdict, workspace, [claim_button.click, claim.submit])

    claim_outputs = [
        claim_badge,
        claim_evidence,
        claim_chart,
        claim_verdict,
        claim_download,
        claim_message,
    ]
    # gr.update, not new components: a component made here would join the gr.Tabs
    # as a stray child and shuffle the tab titles.
    claim_cleared = ("", "", "", None, gr.update(visible=False))
    for trigger in (claim_button.click, claim.submit):
        trigger(
            friendly(on_check_claim, claim_cleared),
            inputs=[claim, claim_top_k, claim_neutral, workspace, claim_corpus],
            outputs=claim_outputs,
            api_visibility="private",
            show_progress_on=claim_badge,
        )
    claim_neutral.change(
        rerender_claim,
        inputs=[claim_verdict, claim_neutral],
        outputs=[claim_badge, claim_evidence, claim_chart],
        api_visibility="private",
    )
    triggers = [page.load, tab.select, claim_corpus.change, claim_button.click]
    show_checking_against(state, triggers, claim_corpus, corpus_info, workspace)
    return claim_corpus


def paragraph_tab(state: AppState, examples: Sequence[str], workspace: gr.State) -> gr.Dropdown:
    """Check each sentence of a paragraph; pick a sentence to see its evidence."""

    def on_check_paragraph(
        text: str,
        k: float,
        show_neutral: bool,
        session: Workspace | None,
        corpus: str | None = None,
        progress: gr.Progress = PROGRESS,
    ) -> tuple[Any, ...]:
        state.limits.check_paragraph(text)
        spans = state.checker(session, corpus).verify_paragraph(
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
            gr.DownloadButton(value=path, visible=True),
            "",
        )

    def show_sentence(
        spans: list[ClaimSpan] | None, index: int | None, show_neutral: bool
    ) -> tuple[str, str, str]:
        if not spans or index is None:
            return "", "", ""
        return render_verdict(spans[int(index)].verdict, show_neutral)

    def choose_sentence(event: gr.EventData) -> Any:
        index = getattr(event, "sentence", None)
        return gr.skip() if index is None else int(index)

    with gr.Tab("Check a paragraph", id="paragraph"):
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
                paragraph_corpus = corpus_choice(state, "paragraph-corpus")
                paragraph_top_k = top_k_slider(state, "Passages per sentence (top-k)")
                paragraph_neutral = gr.Checkbox(label="show neutral evidence", value=False)
                paragraph_button = gr.Button(
                    "Check paragraph", variant="primary", elem_id="check-paragraph"
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
        paragraph_spans = gr.State()

    paragraph_button.click(
        friendly(
            on_check_paragraph,
            ("", gr.update(visible=False), "", "", "", None, gr.update(visible=False)),
        ),
        inputs=[paragraph, paragraph_top_k, paragraph_neutral, workspace, paragraph_corpus],
        outputs=[
            paragraph_result,
            sentence,
            sentence_badge,
            sentence_evidence,
            sentence_chart,
            paragraph_spans,
            paragraph_download,
            paragraph_message,
        ],
        api_visibility="private",
        show_progress_on=paragraph_result,
    )
    paragraph_result.click(choose_sentence, outputs=sentence, api_visibility="private", queue=False)
    for trigger in (sentence.change, paragraph_neutral.change):
        trigger(
            show_sentence,
            inputs=[paragraph_spans, sentence, paragraph_neutral],
            outputs=[sentence_badge, sentence_evidence, sentence_chart],
            api_visibility="private",
        )
    return paragraph_corpus


def batch_tab(state: AppState, workspace: gr.State) -> gr.Dropdown:
    """Check a file of claims; scores against gold labels when the file has them."""

    def run_batch(
        file: str | None,
        k: float,
        session: Workspace | None,
        corpus: str | None = None,
        progress: gr.Progress = PROGRESS,
    ) -> tuple[Any, ...]:
        if not file:
            raise ValueError("choose a JSONL or CSV file of claims first")
        check = view.check_uploads([(file, Path(file).stat().st_size)], state.batch_limits)
        if check.rejected:
            raise ValueError(f"{Path(file).name}: {check.rejected[0].reason}")
        records = read_claims(file)
        state.limits.check_batch(len(records))
        verdicts = state.checker(session, corpus).verify_many(
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
            gr.Plot(
                value=view.confusion_figure(report) if report else None, visible=report is not None
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
                batch_corpus = corpus_choice(state, "batch-corpus")
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
            batch_plot = gr.Plot(visible=False, elem_id="batch-confusion")
        # The claim stays in view if a narrow window scrolls the table sideways.
        batch_table = gr.Dataframe(
            visible=False, wrap=True, pinned_columns=1, elem_id="batch-table"
        )

    batch_button.click(
        friendly(
            run_batch,
            ("", gr.update(visible=False), gr.update(visible=False), gr.update(visible=False)),
        ),
        inputs=[claims_file, batch_top_k, workspace, batch_corpus],
        outputs=[batch_summary, batch_table, batch_plot, batch_downloads, batch_message],
        concurrency_id="batch",
        concurrency_limit=1,
        api_visibility="private",
        show_progress_on=batch_message,
    )
    return batch_corpus


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
        with gr.Tabs():
            choices = [
                claim_tab(state, page, examples, workspace),
                paragraph_tab(state, examples, workspace),
            ]
            corpus_tab_choice = corpus_tab(state, page, workspace)
            choices += [corpus_tab_choice, batch_tab(state, workspace)]
        link_corpus_choices(state, page, choices, corpus_tab_choice)
        check_claim_api(state)
    return page
