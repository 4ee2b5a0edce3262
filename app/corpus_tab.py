"""The Corpus tab and the corpus list in every tab: what is loaded, adding, removing, naming.

:class:`CorpusHandlers` holds what the tab's events do; :func:`corpus_tab`
lays the tab out and :func:`link_corpus_choices` keeps the corpus list of
every tab on one choice. A private workspace (``--uploads private``) adds to
and removes from its own overlay of the chosen corpus; a shared page changes
the corpus itself and saves it, one change at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from app import view
from app.feedback import corrections_list
from app.library import MAIN_CORPUS, checking_against, documents_markdown, removable
from app.policy import MB
from app.state import AppState, Workspace, friendly
from verifier import LoadReport
from verifier.types import SkippedFile

# gradio gives each call its own tracker; this default only marks the parameter.
PROGRESS = gr.Progress()
UNITS = {"reading files": "files", "embedding passages": "passages"}
"""What each indexing stage counts; splitting counts characters of the document named."""


def indexing_reporter(progress: gr.Progress) -> Callable[[int, int, str], None]:
    """The pipeline's ``(done, total, stage)`` as a progress bar counting files, characters, passages."""

    def report(done: int, total: int, stage: str) -> None:
        progress((done, total), desc=stage, unit=UNITS.get(stage, "characters"))

    return report


def corpus_choice(state: AppState, elem_id: str) -> gr.Dropdown:
    """The list of corpora to check against, starting at the main one."""
    return gr.Dropdown(
        choices=state.library.names(),
        value=MAIN_CORPUS,
        label="Corpus",
        elem_id=elem_id,
        interactive=True,
    )


class CorpusHandlers:
    """What the Corpus tab's events do, for one page's state."""

    def __init__(self, state: AppState) -> None:
        self.state = state

    def corpus_summary(self, session: Workspace | None = None, corpus: str | None = None) -> str:
        return view.corpus_stats_markdown(self.state.checker(session, corpus).stats)

    def show_corpus(self, session: Workspace | None, corpus: str | None) -> tuple[Any, ...]:
        """The corpus's counts, its documents (who added each) and the uploads one may remove."""
        verifier = self.state.checker(session, corpus)
        sources = verifier.library()
        choices = removable(sources)
        return (
            view.corpus_stats_markdown(verifier.stats),
            documents_markdown(sources),
            gr.update(choices=choices, value=None, visible=bool(choices)),
        )

    def checking_against(self, session: Workspace | None, corpus: str | None) -> str:
        return checking_against(corpus or MAIN_CORPUS, self.state.checker(session, corpus).stats)

    def _report(
        self,
        loaded: LoadReport,
        rejected: Sequence[Any],
        session: Workspace | None,
        corpus: str | None,
    ) -> tuple[str, str, str]:
        problems = bool(rejected or loaded.skipped or loaded.duplicates) or not loaded.documents
        return (
            self.corpus_summary(session, corpus),
            view.not_indexed_markdown(loaded, rejected),
            view.message_html(
                view.load_report_message(loaded, rejected), kind="warning" if problems else "info"
            ),
        )

    def _add_shared(
        self,
        paths: Sequence[str],
        corpus: str | None,
        progress: gr.Progress,
        confine_to: Sequence[Path] | None = None,
    ) -> LoadReport:
        chosen = self.state.library.get(corpus)
        with self.state.corpus_lock:
            loaded = chosen.verifier.add(
                list(paths),
                progress=indexing_reporter(progress),
                confine_to=confine_to,
                uploaded=confine_to is None,
            )
            if loaded.passages:
                progress(1.0, desc="saving the index")
                chosen.save()
        return loaded

    def upload_files(
        self,
        files: Sequence[str] | None,
        session: Workspace | None,
        corpus: str | None = None,
        progress: gr.Progress = PROGRESS,
    ) -> tuple[Any, ...]:
        if not files:
            raise ValueError("choose one or more files to upload first")
        try:
            return self._index_uploads(list(files), session, corpus, progress)
        finally:
            # Indexed or refused, an uploaded file is not needed any more.
            self.state.uploads.discard(files)

    def _index_uploads(
        self, files: list[str], session: Workspace | None, corpus: str | None, progress: gr.Progress
    ) -> tuple[Any, ...]:
        state = self.state
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
        state.limits.validate_request_bytes(sizes)
        validation = view.validate_uploads(list(zip(kept, sizes, strict=True)), state.corpus_limits)
        rejected = (*refused, *gone, *validation.rejected)
        if state.access.uploads == "private" and session is None:
            session = Workspace(state.verifier)
        if not validation.accepted:
            return (
                self.corpus_summary(session, corpus),
                view.not_indexed_markdown(LoadReport(0, 0), rejected),
                session,
                None,
                view.message_html("None of the files can be indexed.", kind="error"),
            )
        progress(0.0, desc="reading files")
        if state.access.uploads == "shared":
            loaded = self._add_shared(validation.accepted, corpus, progress)
        else:
            loaded = state.checker(session, corpus).add(
                list(validation.accepted), progress=indexing_reporter(progress), uploaded=True
            )
        summary, not_indexed, message = self._report(loaded, rejected, session, corpus)
        return summary, not_indexed, session, None, message

    def add_folder(
        self,
        folder: str,
        session: Workspace | None,
        corpus: str | None = None,
        progress: gr.Progress = PROGRESS,
    ) -> tuple[str, str, str]:
        path = self.state.access.allowed_folder(folder)
        progress(0.0, desc="reading files")
        loaded = self._add_shared(
            [str(path)], corpus, progress, confine_to=self.state.access.index_roots
        )
        return self._report(loaded, (), session, corpus)

    def remove_document(
        self, source: str | None, session: Workspace | None, corpus: str | None
    ) -> tuple[Any, ...]:
        """Take an uploaded document out of the corpus (a shared one is saved at once)."""
        if not source:
            raise ValueError("choose an uploaded document to remove first")
        if self.state.access.uploads == "shared":
            chosen = self.state.library.get(corpus)
            with self.state.corpus_lock:
                dropped = chosen.verifier.remove([source])
                chosen.save()
        elif session is not None:
            dropped = session.overlay(self.state.library.get(corpus)).remove([source])
        else:
            raise ValueError("you have uploaded nothing in this session to remove")
        message = view.message_html(
            f"Removed {Path(source).name} ({dropped} passage{'' if dropped == 1 else 's'}).",
            kind="info",
        )
        return (*self.show_corpus(session, corpus), message)

    def create_corpus(self, name: str) -> tuple[Any, ...]:
        """Make a named corpus and choose it (the lists in every tab follow)."""
        with self.state.corpus_lock:
            made = self.state.library.create(name)
        message = view.message_html(
            f"Made the corpus {made.name}: it is empty, upload documents to it.", kind="info"
        )
        return gr.update(choices=self.state.library.names(), value=made.name), "", message


def corpus_tab(state: AppState, page: gr.Blocks, workspace: gr.State) -> gr.Dropdown:
    """What is loaded; adding uploads or a server folder, removing uploads, making corpora.

    Returns the tab's corpus list; choosing a corpus there (or in any tab, or
    making one) shows what it holds.
    """
    handlers = CorpusHandlers(state)
    with gr.Tab("Corpus", id="corpus"):
        choice = corpus_choice(state, "corpus-choice")
        corpus_stats = gr.Markdown(handlers.corpus_summary(), elem_id="corpus-stats")
        documents = gr.Markdown(elem_id="corpus-documents")
        with gr.Row(visible=state.access.uploads != "off"):
            to_remove = gr.Dropdown(
                label="Remove an uploaded document", visible=False, elem_id="remove-choice"
            )
            remove_button = gr.Button("Remove document", elem_id="remove-document")
        adding = _adding_section(state)
        corpus_message = gr.HTML(elem_id="corpus-message")
        corpus_report = gr.Markdown(elem_id="corpus-report")
        corrections_list(state, page, workspace, choice)

    views = [corpus_stats, documents, to_remove]

    def refresh(event: Any) -> Any:
        return event.then(
            handlers.show_corpus,
            inputs=[workspace, choice],
            outputs=views,
            api_visibility="private",
        )

    shared_change = {
        "concurrency_id": "corpus",
        "concurrency_limit": 1,
        "api_visibility": "private",
        "show_progress_on": corpus_message,
    }
    if "uploads" in adding:
        remove_button.click(
            friendly(handlers.remove_document, (gr.skip(), gr.skip(), gr.skip())),
            inputs=[to_remove, workspace, choice],
            outputs=[*views, corpus_message],
            **shared_change,
        )
        # Emptying the upload box: its files are deleted once indexed or refused.
        refresh(
            adding["index_uploads"].click(
                friendly(handlers.upload_files, (gr.skip(), "", gr.skip(), None)),
                inputs=[adding["uploads"], workspace, choice],
                outputs=[corpus_stats, corpus_report, workspace, adding["uploads"], corpus_message],
                **shared_change,
            )
        )
    if "folder" in adding:
        refresh(
            adding["index_folder"].click(
                friendly(handlers.add_folder, (gr.skip(), "")),
                inputs=[adding["folder"], workspace, choice],
                outputs=[corpus_stats, corpus_report, corpus_message],
                **shared_change,
            )
        )
    if "new_name" in adding:
        adding["create"].click(
            friendly(handlers.create_corpus, (gr.skip(), gr.skip())),
            inputs=adding["new_name"],
            outputs=[choice, adding["new_name"], corpus_message],
            **shared_change,
        )
    page.load(
        handlers.corpus_summary, inputs=workspace, outputs=corpus_stats, api_visibility="private"
    )
    refresh(choice.change(clear_report, outputs=corpus_report, api_visibility="private"))
    page.load(
        handlers.show_corpus, inputs=[workspace, choice], outputs=views, api_visibility="private"
    )
    return choice


def _adding_section(state: AppState) -> dict[str, Any]:
    """The controls for adding documents and corpora that the operator allows, by name."""
    access = state.access
    limits = state.corpus_limits
    controls: dict[str, Any] = {}
    if access.uploads == "private":
        where = (
            "Uploads are private to this browser session: only you check against them, "
            "and they are removed when you close the page."
        )
    else:
        where = "Uploads join the chosen corpus that everyone here checks against, and are saved."
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
                # come on top of ours; validate_uploads names each refused file once.
                controls["uploads"] = gr.File(
                    label="Upload files", file_count="multiple", elem_id="corpus-upload"
                )
                controls["index_uploads"] = gr.Button(
                    "Index uploaded files", variant="primary", elem_id="index-uploads"
                )
        if access.folder_indexing:
            with gr.Column():
                controls["folder"] = gr.Textbox(
                    label="…or a folder on this machine (under the folders the operator allows)",
                    placeholder="/path/to/documents",
                    elem_id="corpus-folder",
                )
                controls["index_folder"] = gr.Button("Index folder", elem_id="index-folder")
    if access.uploads == "shared" or access.folder_indexing:
        with gr.Row():
            controls["new_name"] = gr.Textbox(
                label="New corpus (e.g. news, council minutes)", elem_id="new-corpus-name"
            )
            controls["create"] = gr.Button("Make corpus", elem_id="create-corpus")
    return controls


def clear_report() -> str:
    """An upload's report belongs to the corpus it went to: cleared when another is chosen."""
    return ""


def show_checking_against(
    state: AppState,
    triggers: Sequence[Any],
    choice: gr.Dropdown,
    info: gr.Markdown,
    workspace: gr.State,
) -> None:
    """On each of ``triggers``, say in ``info`` which corpus ``choice`` names and what it holds."""
    gr.on(
        triggers,
        CorpusHandlers(state).checking_against,
        inputs=[workspace, choice],
        outputs=info,
        api_visibility="private",
    )


def linked_corpus(state: AppState, request: gr.Request | None) -> tuple[str | None, str]:
    """The corpus a ``?corpus=`` link names, if there is one of that name, and a note if not.

    ``(None, "")`` when the link names none: the page's own choice stands.
    """
    query = dict(request.query_params) if request is not None else {}
    name = str(query.get("corpus", "")).strip()
    if not name:
        return None, ""
    if name in state.library.names():
        return name, ""
    note = f"This server has no corpus named {name[:80]!r}; checked against {MAIN_CORPUS}."
    return MAIN_CORPUS, note


def link_corpus_choices(
    state: AppState, page: gr.Blocks, choices: list[gr.Dropdown], made_in: gr.Dropdown
) -> None:
    """Every tab's corpus list on one choice: choosing in one tab chooses in all.

    A choice made by hand (``input``) is copied to every list; ``made_in``, the
    Corpus tab's list, also passes on the changes the page makes to it (a
    corpus just made is chosen there). Each page load lists the corpora made
    since the page was built, and chooses the corpus a ``?corpus=`` link names.
    """
    others = [choice for choice in choices if choice is not made_in]

    def choose_corpus(value: str | None) -> list[Any]:
        return [gr.update(choices=state.library.names(), value=value)] * len(choices)

    def follow_corpus_tab(value: str | None) -> list[Any]:
        return choose_corpus(value)[: len(others)]

    def choose_linked_corpus(value: str | None, request: gr.Request) -> list[Any]:
        linked, _ = linked_corpus(state, request)
        return choose_corpus(linked or value)

    for choice in others:
        choice.input(choose_corpus, inputs=choice, outputs=choices, api_visibility="private")
    made_in.change(follow_corpus_tab, inputs=made_in, outputs=others, api_visibility="private")
    page.load(choose_linked_corpus, inputs=made_in, outputs=choices, api_visibility="private")
