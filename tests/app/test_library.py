"""The library on the page: named corpora, duplicate uploads, removing uploads, indexing progress."""

from __future__ import annotations

from types import SimpleNamespace

import docx
import gradio as gr
import pytest

from app.library import MAIN_CORPUS, Library, documents_markdown, validate_corpus_name
from app.policy import Access
from app.state import Workspace
from tests.app.test_security import SHARED_TEXT, handlers, make_state, write
from tests.fakes import FakeEmbedder, FakeJudge
from verifier import Verifier, VerifierConfig
from verifier.feedback import CORRECT_LABELS

SHARED = Access(uploads="shared")
FERRY = "The night ferry starts on the first of June, the harbour office said."


def test_a_named_corpus_is_its_own_saved_index_and_opens_again(tmp_path):
    state = make_state(tmp_path, SHARED)
    call = handlers(state)
    choice, cleared, message = call["create_corpus"]("council minutes")
    assert choice["value"] == "council minutes"
    assert choice["choices"] == [MAIN_CORPUS, "council minutes"] and cleared == ""
    assert "Made the corpus council minutes" in message
    upload = write(tmp_path / "up" / "ferry.txt", FERRY)
    *_, message = call["upload_files"]([upload], None, "council minutes")
    assert "Indexed 1 new document" in message
    assert (tmp_path / "corpora" / "council-minutes" / "index" / "CURRENT").is_file()

    # The main corpus does not see it; after a restart the named corpus is there again.
    assert "ferry.txt" not in state.verifier.stats.sources
    again = Library(state.verifier, tmp_path / "index")
    assert again.names() == [MAIN_CORPUS, "council minutes"]
    assert again.get("council minutes").verifier.stats.sources == ("ferry.txt",)


@pytest.mark.parametrize("name", ["", "  ", "../etc", "a/b", "x" * 41, "Main", None])
def test_a_bad_or_taken_corpus_name_is_refused(name):
    with pytest.raises(ValueError):
        validate_corpus_name(name, [MAIN_CORPUS])


def test_each_tab_checks_against_the_corpus_chosen(tmp_path):
    state = make_state(tmp_path, SHARED)
    call = handlers(state)
    call["create_corpus"]("news")
    call["upload_files"]([write(tmp_path / "up" / "ferry.txt", FERRY)], None, "news")
    claim = "The night ferry starts on the first of June."
    in_news = call["on_check_claim"](claim, 5, False, None, "news")[3]
    in_main = call["on_check_claim"](claim, 5, False, None, MAIN_CORPUS)[3]
    assert {item.passage.source for item in in_news.evidence} == {"ferry.txt"}
    assert "ferry.txt" not in {item.passage.source for item in in_main.evidence}
    assert call["checking_against"](None, "news") == (
        "Checking against **news**: 1 document, 1 passage."
    )
    *_, message = call["on_check_claim"](claim, 5, False, None, "nowhere")
    assert "no corpus named &#x27;nowhere&#x27;" in message


def test_a_claim_link_checks_against_the_corpus_it_names(tmp_path):
    state = make_state(tmp_path, SHARED)
    call = handlers(state)
    call["create_corpus"]("news")
    call["upload_files"]([write(tmp_path / "up" / "ferry.txt", FERRY)], None, "news")
    claim = "The night ferry starts on the first of June."

    def link(**query):
        return call["on_link"](5, False, None, MAIN_CORPUS, SimpleNamespace(query_params=query))

    shown, *_, verdict, _, _, message = link(claim=claim, corpus="news")
    assert shown == claim and message == ""
    assert {item.passage.source for item in verdict.evidence} == {"ferry.txt"}
    *_, verdict, _, _, message = link(claim=claim, corpus="nowhere")
    assert "ferry.txt" not in {item.passage.source for item in verdict.evidence}
    assert "message-warning" in message and "no corpus named" in message
    assert all(value == gr.skip() for value in link(corpus="news"))


def test_a_correction_stands_on_the_corpus_it_was_made_on(tmp_path):
    state = make_state(tmp_path, SHARED)
    call = handlers(state)
    call["create_corpus"]("news")
    call["upload_files"]([write(tmp_path / "up" / "ferry.txt", FERRY)], None, "news")
    claim = "The night ferry starts on the first of June."
    verdict = call["on_check_claim"](claim, 5, False, None, "news")[3]
    right = next(label for label in CORRECT_LABELS if label != verdict.label)
    assert "Thank you" in call["on_report"](verdict, right, "", None, "news")[-1]
    assert call["on_check_claim"](claim, 5, False, None, "news")[4].correct_label == right
    assert call["on_check_claim"](claim, 5, False, None, MAIN_CORPUS)[4] is None
    assert len(call["listed"](None, "news")["choices"]) == 1
    assert call["listed"](None, MAIN_CORPUS)["choices"] == []


def test_an_upload_identical_to_a_loaded_document_is_not_indexed_again(tmp_path):
    state = make_state(tmp_path, SHARED)
    copy = write(tmp_path / "up" / "transit_update.txt", SHARED_TEXT)
    stats, report, _, _, message = handlers(state)["upload_files"]([copy], None)
    assert state.verifier.stats.documents == 1
    assert "Nothing new was indexed. Loaded already, not indexed again: transit_update.txt." in (
        message
    )
    assert "same content is loaded already as shared\\.txt" in report


def test_a_shared_upload_is_listed_as_uploaded_and_can_be_removed_for_good(tmp_path):
    state = make_state(tmp_path, SHARED)
    call = handlers(state)
    call["upload_files"]([write(tmp_path / "up" / "ferry.txt", FERRY)], None)
    stats, documents, choices = call["show_corpus"](None, MAIN_CORPUS)
    assert documents.splitlines()[2:] == [
        "| ferry\\.txt | uploaded |",
        "| shared\\.txt | came with the server |",
    ]
    # The tab names each document once: in the table, not again in the counts above it.
    assert stats.startswith("**2** documents") and "ferry" not in stats
    assert choices["choices"] == [("ferry.txt", "ferry.txt")] and choices["visible"]

    stats, documents, choices, message = call["remove_document"]("ferry.txt", None, MAIN_CORPUS)
    assert "Removed ferry.txt (1 passage)" in message
    assert "ferry" not in documents and choices["choices"] == [] and not choices["visible"]
    saved = Verifier.open(tmp_path / "index", embedder=FakeEmbedder(), judge=FakeJudge())
    assert saved.stats.sources == ("shared.txt",)
    *_, message = call["remove_document"]("shared.txt", None, MAIN_CORPUS)
    assert "came with the server" in message


def test_a_private_upload_is_removed_from_the_session_only(tmp_path):
    state = make_state(tmp_path)
    call = handlers(state)
    *_, session, _, _ = call["upload_files"]([write(tmp_path / "up" / "ferry.txt", FERRY)], None)
    assert isinstance(session, Workspace)
    assert "ferry.txt" in session.verifier.stats.sources
    *_, message = call["remove_document"]("ferry.txt", session, MAIN_CORPUS)
    assert "Removed ferry.txt" in message
    assert session.verifier.stats.sources == state.verifier.stats.sources == ("shared.txt",)
    *_, message = call["remove_document"]("ferry.txt", None, MAIN_CORPUS)
    assert "uploaded nothing" in message


def test_a_word_upload_is_found_by_a_claim(tmp_path):
    state = make_state(tmp_path)
    path = tmp_path / "up" / "bulletin.docx"
    path.parent.mkdir()
    document = docx.Document()
    document.add_paragraph("Harbour bulletin")
    document.add_paragraph(FERRY)
    document.save(path)
    call = handlers(state)
    *_, session, _, message = call["upload_files"]([str(path)], None)
    assert "Indexed 1 new document" in message
    verdict = call["on_check_claim"](
        "The night ferry starts on the first of June.", 5, False, session
    )[3]
    assert verdict.evidence[0].passage.source == "bulletin.docx"
    assert verdict.evidence[0].passage.text == FERRY


def test_indexing_reports_files_documents_and_passages(tmp_path):
    state = make_state(tmp_path, SHARED)
    reported = []

    def progress(value, desc=None, unit=None, **_):
        reported.append((desc, unit, value))

    uploads = [
        write(tmp_path / "up" / "a.txt", FERRY),
        write(tmp_path / "up" / "b.txt", "The depot will cost 6.8 million dollars."),
    ]
    handlers(state)["upload_files"].__wrapped__(uploads, None, MAIN_CORPUS, progress=progress)
    stages = {(desc, unit) for desc, unit, _ in reported}
    assert {
        ("reading files", "files"),
        ("splitting document 1 of 2 into sentences", "characters"),
        ("splitting document 2 of 2 into sentences", "characters"),
        ("embedding passages", "passages"),
    } <= stages
    assert ("embedding passages", "passages", (2, 2)) in reported


def test_documents_are_named_by_file_never_by_server_folder():
    from verifier.types import IndexedSource

    table = documents_markdown((IndexedSource("/srv/private/demo/a.txt", "h", False),))
    assert "srv" not in table and "a\\.txt" in table


def test_a_saved_corpus_that_cannot_be_opened_is_left_out(tmp_path, caplog):
    verifier = Verifier.from_corpus(
        {"a.txt": SHARED_TEXT},
        embedder=FakeEmbedder(),
        judge=FakeJudge(),
        config=VerifierConfig(),
    )
    (tmp_path / "corpora" / "broken").mkdir(parents=True)
    (tmp_path / "corpora" / "broken" / "corpus.json").write_text("{not json")
    assert Library(verifier, tmp_path / "index").names() == [MAIN_CORPUS]
    assert "left out the corpus" in caplog.text


def test_on_a_milvus_store_a_named_corpus_is_a_collection_of_its_own(tmp_path):
    pytest.importorskip("pymilvus")
    pytest.importorskip("milvus_lite")
    from verifier.retrieval import open_store

    embedder = FakeEmbedder()
    store = open_store(
        tmp_path / "store.db", dimension=embedder.dimension, embedder_id=embedder.model_id
    )
    main = Verifier.open(
        store,
        {"a.txt": SHARED_TEXT},
        embedder=embedder,
        judge=FakeJudge(),
        config=VerifierConfig(),
    )
    library = Library(main, tmp_path / "index")
    news = library.create("news")
    assert news.index_dir is None and news.verifier.index.collection == "passages_news"
    news.verifier.add([write(tmp_path / "up" / "ferry.txt", FERRY)], uploaded=True)
    news.save()
    again = Library(main, tmp_path / "index").get("news").verifier
    assert again.stats.sources == ("ferry.txt",)
    assert [source.uploaded for source in again.library()] == [True]
    assert main.stats.sources == ("a.txt",)
