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
from app.corpus_tab import (
    corpus_choice,
    corpus_tab,
    link_corpus_choices,
    linked_corpus,
    show_checking_against,
)
from app.feedback import remembered, wrong_verdict_control
from app.library import MAIN_CORPUS
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
from verifier.feedback import FeedbackRecord

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


# After a check the address bar holds the link to it (the claim, and the corpus unless it
# is the main one); "copy link" copies that.
LINK_URL_JS = """
    const url = new URL(window.location.href);
    url.search = '';
    if (claim && claim.trim()) { url.searchParams.set('claim', claim.trim()); }
    if (corpus && corpus !== 'MAIN_CORPUS') { url.searchParams.set('corpus', corpus); }
    window.history.replaceState(null, '', url);
""".replace("MAIN_CORPUS", MAIN_CORPUS)
SHOW_LINK_JS = "(claim, corpus) => {" + LINK_URL_JS + "    return [];\n}\n"
COPY_LINK_JS = (
    "(claim, corpus) => {"
    + LINK_URL_JS
    + """
    if (navigator.clipboard) { navigator.clipboard.writeText(url.toString()).catch(() => {}); }
    const note = document.querySelector('#copy-link-note');
    if (note) { note.textContent = 'Link copied: ' + url.toString(); }
    return [];
}
"""
)


def claim_inputs(state: AppState, examples: Sequence[str]) -> dict[str, Any]:
    """The claim box, then its button and "copy link" (in tab order), then the examples.

    Beside them: the corpus to check against and what it holds, top-k and the
    neutral-evidence switch.
    """
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
            corpus = corpus_choice(state, "claim-corpus")
            corpus_info = gr.Markdown(elem_id="claim-corpus-info")
            top_k_value = top_k_slider(state, "Passages to judge (top-k)")
            neutral = gr.Checkbox(label="show neutral evidence", value=False)
    copy.click(None, inputs=[claim, corpus], js=COPY_LINK_JS, api_visibility="private")
    return {
        "claim": claim,
        "button": button,
        "corpus": corpus,
        "corpus_info": corpus_info,
        "top_k": top_k_value,
        "neutral": neutral,
    }


def claim_results() -> dict[str, Any]:
    """Under the claim: a message, the verdict badge, evidence cards, chart and download."""
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
    return {
        "badge": badge,
        "evidence": evidence,
        "chart": chart,
        "download": download,
        "message": message,
    }


# What a claim check clears: badge, evidence, chart, verdict, correction and download.
# gr.update, not new components: a component made here would join the gr.Tabs as a stray
# child and shuffle the tab titles.
CLAIM_CLEARED = ("", "", "", None, None, gr.update(visible=False))


def claim_handlers(state: AppState) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """``on_check_claim`` and ``on_link`` (a ``?claim=…&corpus=…`` link checks on load)."""

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
            return (*CLAIM_CLEARED, view.message_html(problem, kind="warning"))
        verdict = state.checker(session, corpus).verify(claim, top_k(state, k))
        correction = remembered(state, session, claim, corpus)
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
        k: float,
        show_neutral: bool,
        session: Workspace | None,
        corpus: str | None,
        request: gr.Request,
    ) -> tuple[Any, ...]:
        query = dict(request.query_params) if request is not None else {}
        claim = str(query.get("claim", "")).strip()
        if not claim:
            return (gr.skip(),) * (len(CLAIM_CLEARED) + 2)
        # The corpus lists follow the link too (link_corpus_choices); this check does not
        # wait for them.
        linked, note = linked_corpus(state, request)
        result = on_check_claim(claim, k, show_neutral, session, linked or corpus)
        if note and not result[-1]:
            result = (*result[:-1], view.message_html(note, kind="warning"))
        return (claim, *result)

    return on_check_claim, on_link


def claim_tab(
    state: AppState, page: gr.Blocks, examples: Sequence[str], workspace: gr.State
) -> gr.Dropdown:
    """Check one claim: its verdict, evidence and per-source chart, a link and a JSON download.

    Returns the tab's corpus list.
    """
    on_check_claim, on_link = claim_handlers(state)

    def rerender_claim(verdict: Verdict | None, correction: Any, show_neutral: bool) -> Any:
        return (
            ("", "", "") if verdict is None else render_verdict(verdict, show_neutral, correction)
        )

    with gr.Tab("Check a claim", id="claim") as tab:
        inputs = claim_inputs(state, examples)
        shown = claim_results()
        verdict, correction = gr.State(), gr.State()
        claim, button, corpus = inputs["claim"], inputs["button"], inputs["corpus"]
        badge = shown["badge"]
        outputs = [
            badge,
            shown["evidence"],
            shown["chart"],
            verdict,
            correction,
            shown["download"],
            shown["message"],
        ]
        settings = [inputs["top_k"], inputs["neutral"], workspace, corpus]
        done = [
            trigger(
                friendly(on_check_claim, CLAIM_CLEARED),
                inputs=[claim, *settings],
                outputs=outputs,
                api_visibility="private",
                show_progress_on=badge,
            ).then(None, inputs=[claim, corpus], js=SHOW_LINK_JS, api_visibility="private")
            for trigger in (button.click, claim.submit)
        ]
        done.append(
            page.load(
                friendly(on_link, (gr.skip(), *CLAIM_CLEARED)),
                inputs=settings,
                outputs=[claim, *outputs],
                api_visibility="private",
                show_progress_on=badge,
            )
        )
        follow = wrong_verdict_control(
            state, verdict, workspace, [button.click, claim.submit], corpus=corpus
        )
        follow(done)
    inputs["neutral"].change(
        rerender_claim,
        inputs=[verdict, correction, inputs["neutral"]],
        outputs=outputs[:3],
        api_visibility="private",
    )
    triggers = [page.load, tab.select, corpus.change, button.click]
    show_checking_against(state, triggers, corpus, inputs["corpus_info"], workspace)
    return corpus


def choose_sentence(event: gr.EventData) -> Any:
    """The sentence clicked in the checked paragraph (its ``data-index``)."""
    index = getattr(event, "sentence", None)
    return gr.skip() if index is None else int(index)


def paragraph_inputs(
    state: AppState, examples: Sequence[str]
) -> tuple[gr.Textbox, gr.Dropdown, gr.Slider, gr.Checkbox, gr.Button]:
    """The paragraph box, its example, and the corpus, settings and button beside it."""
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
    return paragraph, paragraph_corpus, paragraph_top_k, paragraph_neutral, paragraph_button


def paragraph_handlers(state: AppState) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """``on_check_paragraph`` and ``show_sentence`` (the evidence for the sentence picked)."""

    def on_check_paragraph(
        text: str,
        k: float,
        show_neutral: bool,
        session: Workspace | None,
        corpus: str | None = None,
        progress: gr.Progress = PROGRESS,
    ) -> tuple[Any, ...]:
        state.limits.validate_paragraph(text)
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

    return on_check_paragraph, show_sentence


def paragraph_tab(state: AppState, examples: Sequence[str], workspace: gr.State) -> gr.Dropdown:
    """Check each sentence of a paragraph; pick a sentence to see its evidence.

    Returns the tab's corpus list.
    """
    on_check_paragraph, show_sentence = paragraph_handlers(state)

    with gr.Tab("Check a paragraph", id="paragraph"):
        paragraph, paragraph_corpus, paragraph_top_k, paragraph_neutral, paragraph_button = (
            paragraph_inputs(state, examples)
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
            corpus=paragraph_corpus,
        )

    checked = paragraph_button.click(
        friendly(
            on_check_paragraph,
            ("", gr.update(visible=False), "", "", "", None, None, gr.update(visible=False)),
        ),
        inputs=[paragraph, paragraph_top_k, paragraph_neutral, workspace, paragraph_corpus],
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
    return paragraph_corpus


def batch_tab(state: AppState, workspace: gr.State) -> gr.Dropdown:
    """Check a file of claims; scores against gold labels when the file has them.

    Returns the tab's corpus list.
    """

    def run_batch(
        file: str | None,
        k: float,
        session: Workspace | None,
        corpus: str | None = None,
        progress: gr.Progress = PROGRESS,
    ) -> tuple[Any, ...]:
        if not file:
            raise ValueError("choose a JSONL or CSV file of claims first")
        validation = view.validate_uploads([(file, Path(file).stat().st_size)], state.batch_limits)
        if validation.rejected:
            raise ValueError(f"{Path(file).name}: {validation.rejected[0].reason}")
        records = read_claims(file)
        state.limits.validate_batch(len(records))
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
        # Tab titles wrap onto a second row in a narrow window instead of hiding in a menu.
        with gr.Tabs(overflow_behavior="wrap"):
            choices = [
                claim_tab(state, page, examples, workspace),
                paragraph_tab(state, examples, workspace),
            ]
            corpus_tab_choice = corpus_tab(state, page, workspace)
            choices += [corpus_tab_choice, batch_tab(state, workspace)]
        link_corpus_choices(state, page, choices, corpus_tab_choice)
        check_claim_api(state)
    return page
