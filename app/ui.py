"""The page: four tabs (claim, paragraph, corpus, batch) around one shared ``Verifier``.

Presentation only: each tab lays out its components and wires them to
handlers that call the library and render with :mod:`app.view`.
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

import gradio as gr

from app import view
from verifier import (
    ClaimSpan,
    LoadReport,
    Verdict,
    Verifier,
    VerifierError,
    read_claims,
    result_record,
    write_csv,
    write_jsonl,
)

logger = logging.getLogger("app")

GENERIC_ERROR = "Something went wrong while doing that; the details are in the server log."
CORPUS_LIMITS = view.UploadLimits()
BATCH_LIMITS = view.UploadLimits(
    max_files=1, max_file_bytes=5 * 1024 * 1024, extensions=(".jsonl", ".csv")
)
MAX_TOP_K = 20
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


class AppState:
    """The shared verifier, where its index is saved, and the lock for corpus changes.

    Checks only read the verifier (its index has its own lock), so they run
    side by side; adding documents and saving the index take ``corpus_lock``,
    so one change happens at a time.
    """

    def __init__(self, verifier: Verifier, index_dir: Path, max_batch_claims: int) -> None:
        self.verifier = verifier
        self.index_dir = index_dir
        self.max_batch_claims = max_batch_claims
        self.corpus_lock = threading.Lock()
        # Removed when the app exits; gradio serves copies from its own cache.
        self._downloads = tempfile.TemporaryDirectory(prefix="verifier-app-")
        self.downloads = Path(self._downloads.name)

    def download_path(self, filename: str) -> Path:
        """A fresh path, named ``filename``, for a file the browser will download."""
        folder = self.downloads / uuid.uuid4().hex
        folder.mkdir()
        return folder / filename


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


def progress_reporter(progress: gr.Progress) -> Callable[[int, int, str], None]:
    """Adapt the pipeline's ``(done, total, stage)`` callback to a gradio progress bar."""

    def report(done: int, total: int, stage: str) -> None:
        progress((done, total), desc=stage, unit="items")

    return report


def top_k_slider(state: AppState, label: str) -> gr.Slider:
    """A top-k slider starting at the verifier's configured top-k."""
    return gr.Slider(1, MAX_TOP_K, value=state.verifier.config.top_k, step=1, label=label)


def render_verdict(verdict: Verdict, show_neutral: bool) -> tuple[str, str, str]:
    """The verdict badge, evidence cards and per-source chart."""
    return (
        view.verdict_badge_html(verdict),
        view.evidence_cards_html(verdict, show_neutral=show_neutral),
        view.source_chart_html(verdict),
    )


def claim_tab(state: AppState, examples: Sequence[str]) -> None:
    """Check one claim: its verdict, evidence and per-source chart, and a JSON download."""

    def on_check_claim(claim: str, top_k: float, show_neutral: bool) -> tuple[Any, ...]:
        verdict = state.verifier.verify(claim, int(top_k))
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

    with gr.Tab("Check a claim", id="claim"):
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
                    )
            with gr.Column(scale=1):
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

    claim_outputs = [
        claim_badge,
        claim_evidence,
        claim_chart,
        claim_verdict,
        claim_download,
        claim_message,
    ]
    claim_cleared = ("", "", "", None, gr.DownloadButton(visible=False))
    for trigger in (claim_button.click, claim.submit):
        trigger(
            friendly(on_check_claim, claim_cleared),
            inputs=[claim, claim_top_k, claim_neutral],
            outputs=claim_outputs,
            api_visibility="private",
        )
    claim_neutral.change(
        rerender_claim,
        inputs=[claim_verdict, claim_neutral],
        outputs=[claim_badge, claim_evidence, claim_chart],
        api_visibility="private",
    )


def paragraph_tab(state: AppState, examples: Sequence[str]) -> None:
    """Check each sentence of a paragraph; pick a sentence to see its evidence."""

    def on_check_paragraph(text: str, top_k: float, show_neutral: bool) -> tuple[Any, ...]:
        spans = state.verifier.verify_paragraph(text, int(top_k))
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
                    )
            with gr.Column(scale=1):
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
            ("", gr.Radio(visible=False), "", "", "", None, gr.DownloadButton(visible=False)),
        ),
        inputs=[paragraph, paragraph_top_k, paragraph_neutral],
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
    )
    paragraph_result.click(choose_sentence, outputs=sentence, api_visibility="private", queue=False)
    for trigger in (sentence.change, paragraph_neutral.change):
        trigger(
            show_sentence,
            inputs=[paragraph_spans, sentence, paragraph_neutral],
            outputs=[sentence_badge, sentence_evidence, sentence_chart],
            api_visibility="private",
        )


def corpus_tab(state: AppState, page: gr.Blocks) -> None:
    """What is indexed, and adding uploaded files or a server folder to it."""

    def corpus_summary() -> str:
        return view.corpus_stats_markdown(state.verifier.stats)

    def add_to_corpus(
        corpus: Sequence[str], rejected: Sequence[Any], progress: gr.Progress
    ) -> tuple[str, str, str]:
        with state.corpus_lock:
            report = state.verifier.add(list(corpus), progress=progress_reporter(progress))
            if report.passages:
                progress(1.0, desc="saving the index")
                state.verifier.save(state.index_dir)
        problems = bool(rejected or report.skipped) or not report.documents
        return (
            corpus_summary(),
            view.not_indexed_markdown(report, rejected),
            view.message_html(
                view.load_report_message(report, rejected), kind="warning" if problems else "info"
            ),
        )

    def upload_files(
        files: Sequence[str] | None, progress: gr.Progress = PROGRESS
    ) -> tuple[str, str, str]:
        if not files:
            raise ValueError("choose one or more files to upload first")
        check = view.check_uploads(
            [(path, Path(path).stat().st_size) for path in files], CORPUS_LIMITS
        )
        if not check.accepted:
            return (
                corpus_summary(),
                view.not_indexed_markdown(LoadReport(0, 0), check.rejected),
                view.message_html("None of the files can be indexed.", kind="error"),
            )
        return add_to_corpus(check.accepted, check.rejected, progress)

    def add_folder(folder: str, progress: gr.Progress = PROGRESS) -> tuple[str, str, str]:
        path = Path(folder.strip()).expanduser()
        if not folder.strip() or not path.is_dir():
            raise ValueError(f"not a folder on the server: {folder.strip() or '(empty)'}")
        return add_to_corpus([str(path)], (), progress)

    with gr.Tab("Corpus", id="corpus"):
        corpus_stats = gr.Markdown(corpus_summary(), elem_id="corpus-stats")
        gr.Markdown(
            f"Add documents ({' '.join(CORPUS_LIMITS.extensions)}; up to "
            f"{CORPUS_LIMITS.max_files} files of at most "
            f"{CORPUS_LIMITS.max_file_bytes // (1024 * 1024)} MB each). "
            "The index is saved, so they are still there after a restart."
        )
        with gr.Row():
            with gr.Column():
                uploads = gr.File(
                    label="Upload files",
                    file_count="multiple",
                    file_types=list(CORPUS_LIMITS.extensions),
                    elem_id="corpus-upload",
                )
                upload_button = gr.Button(
                    "Index uploaded files", variant="primary", elem_id="index-uploads"
                )
            with gr.Column():
                folder = gr.Textbox(
                    label="…or a folder on this machine",
                    placeholder="/path/to/documents",
                    elem_id="corpus-folder",
                )
                folder_button = gr.Button("Index folder", elem_id="index-folder")
        corpus_message = gr.HTML(elem_id="corpus-message")
        corpus_report = gr.Markdown(elem_id="corpus-report")

    corpus_outputs = [corpus_stats, corpus_report, corpus_message]
    upload_button.click(
        friendly(upload_files, (gr.skip(), "")),
        inputs=uploads,
        outputs=corpus_outputs,
        concurrency_id="corpus",
        concurrency_limit=1,
        api_visibility="private",
    )
    folder_button.click(
        friendly(add_folder, (gr.skip(), "")),
        inputs=folder,
        outputs=corpus_outputs,
        concurrency_id="corpus",
        concurrency_limit=1,
        api_visibility="private",
    )
    page.load(corpus_summary, outputs=corpus_stats, api_visibility="private")


def batch_tab(state: AppState) -> None:
    """Check a file of claims; scores against gold labels when the file has them."""

    def run_batch(
        file: str | None, top_k: float, progress: gr.Progress = PROGRESS
    ) -> tuple[Any, ...]:
        if not file:
            raise ValueError("choose a JSONL or CSV file of claims first")
        check = view.check_uploads([(file, Path(file).stat().st_size)], BATCH_LIMITS)
        if check.rejected:
            raise ValueError(f"{Path(file).name}: {check.rejected[0].reason}")
        records = read_claims(file)
        if len(records) > state.max_batch_claims:
            raise ValueError(
                f"the file has {len(records)} claims; the limit here is "
                f"{state.max_batch_claims} (use `python -m verifier` for larger batches)"
            )
        verdicts = state.verifier.verify_many(
            [record["claim"] for record in records],
            int(top_k),
            progress=progress_reporter(progress),
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
            gr.Dataframe(value=rows, headers=headers, visible=True),
            gr.Plot(
                value=view.confusion_figure(report) if report else None, visible=report is not None
            ),
            gr.File(value=[str(jsonl_path), str(csv_path)], visible=True),
            "",
        )

    with gr.Tab("Batch", id="batch"):
        gr.Markdown(
            "Upload a JSONL or CSV file with a `claim` field per line/row (up to "
            f"{state.max_batch_claims} claims). With a `label` column of gold verdicts "
            "you also get accuracy, macro-F1 and a confusion matrix."
        )
        with gr.Row():
            claims_file = gr.File(
                label="Claims file", file_types=[".jsonl", ".csv"], elem_id="batch-upload"
            )
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
            batch_plot = gr.Plot(visible=False, elem_id="batch-confusion")
        batch_table = gr.Dataframe(visible=False, wrap=True, elem_id="batch-table")

    batch_button.click(
        friendly(
            run_batch,
            ("", gr.Dataframe(visible=False), gr.Plot(visible=False), gr.File(visible=False)),
        ),
        inputs=[claims_file, batch_top_k],
        outputs=[batch_summary, batch_table, batch_plot, batch_downloads, batch_message],
        concurrency_id="batch",
        concurrency_limit=1,
        api_visibility="private",
    )


def check_claim_api(state: AppState) -> None:
    """The ``check_claim`` endpoint of the page's API."""

    def check_claim(claim: str, top_k: int | None = None) -> dict[str, Any]:
        """Check one claim against the loaded corpus; returns the verdict as JSON."""
        try:
            return state.verifier.verify(claim, None if top_k is None else int(top_k)).to_dict()
        except (VerifierError, ValueError) as error:
            raise gr.Error(str(error)) from error
        except Exception as error:
            logger.exception("unexpected error in the check_claim API")
            raise gr.Error(GENERIC_ERROR) from error

    gr.api(
        check_claim,
        api_name="check_claim",
        api_description="Check one claim against the loaded corpus; "
        "returns Verdict.to_dict() JSON.",
    )


def build_ui(state: AppState, examples: Sequence[str]) -> gr.Blocks:
    """The page: four tabs around ``state.verifier``."""
    # Downloads and uploads in gradio's cache are removed after a day (checked hourly).
    with gr.Blocks(
        title="Claim verifier", analytics_enabled=False, delete_cache=(3600, 86400)
    ) as page:
        gr.Markdown(
            "# Claim verifier\nCheck statements against the documents loaded here. "
            "Everything runs on this machine."
        )
        with gr.Tabs():
            claim_tab(state, examples)
            paragraph_tab(state, examples)
            corpus_tab(state, page)
            batch_tab(state)
        check_claim_api(state)
    return page
