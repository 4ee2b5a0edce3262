from __future__ import annotations

from verifier.corpus.sentences import (
    MIN_PASSAGE_CHARS,
    document_passages,
    normalise,
    split_sentences,
)
from verifier.types import Document


def test_offsets_point_at_the_sentence_in_the_original_text():
    text = "  Mr. Smith paid $4.5 million on Jan. 3.   He left early.\n\nU.S. troops arrived on Monday."
    spans = split_sentences(text)
    assert [span.text for span in spans] == [
        "Mr. Smith paid $4.5 million on Jan. 3.",
        "He left early.",
        "U.S. troops arrived on Monday.",
    ]
    for span in spans:
        assert text[span.start : span.end] == span.text


def test_sentences_never_cross_a_line_break():
    spans = split_sentences("A headline without a full stop\nThe body starts here. It goes on.")
    assert spans[0].text == "A headline without a full stop"


def test_empty_and_blank_text_give_no_sentences():
    assert split_sentences("") == []
    assert split_sentences(" \n\n\t ") == []


def test_duplicates_within_a_document_are_skipped_but_kept_across_documents():
    text = "The budget passed on Friday. The vote was close.\nThe budget passed on Friday."
    first = document_passages(Document("a", "a.txt", "A", text))
    second = document_passages(Document("b", "b.txt", "B", "The budget passed on Friday."))
    assert [p.text for p in first] == ["The budget passed on Friday.", "The vote was close."]
    assert [p.text for p in second] == ["The budget passed on Friday."]


def test_duplicate_detection_ignores_case_and_spacing():
    assert normalise("The  Budget\npassed.") == normalise("the budget passed.")


def test_passages_carry_neighbouring_sentences_as_context():
    text = "Zelensky spoke on Monday. He said 50,000 troops are held in Kursk. The war goes on."
    passages = document_passages(Document("d", "d.txt", "T", text))
    middle = passages[1]
    assert middle.context_before == "Zelensky spoke on Monday."
    assert middle.context_after == "The war goes on."
    assert passages[0].context_before == ""
    assert passages[-1].context_after == ""


def test_fragments_too_short_to_be_claims_are_dropped():
    passages = document_passages(
        Document("d", "d.txt", "T", "Photo.\nThe council met on Monday evening.")
    )
    assert all(len(p.text) >= MIN_PASSAGE_CHARS for p in passages)
    assert [p.text for p in passages] == ["The council met on Monday evening."]


def test_passages_keep_document_identity():
    passages = document_passages(
        Document("doc-7", "news/a.txt", "Headline", "One full sentence here.")
    )
    assert (passages[0].doc_id, passages[0].source, passages[0].title) == (
        "doc-7",
        "news/a.txt",
        "Headline",
    )


def test_worker_processes_split_a_long_text_exactly_as_one_process(monkeypatch):
    """Pieces cut at line breaks and split by forked workers give the same sentences and offsets."""
    from verifier.corpus import sentences

    monkeypatch.setattr(sentences, "SPLIT_PIECE_CHARS", 300)
    calls = []
    in_workers = sentences._split_in_workers
    monkeypatch.setattr(
        sentences, "_split_in_workers", lambda *args: calls.append(args) or in_workers(*args)
    )
    paragraphs = [
        f"Dr. Smith paid $3.5 million on day {n}. The U.S. team won {n} to 2! Was it fair?"
        for n in range(40)
    ]
    text = "\n\n".join(paragraphs) + "\n  Last line without an end"
    reported: list[int] = []
    alone = split_sentences(text, workers=1)
    shared = split_sentences(text, progress=reported.append, workers=2)
    assert len(calls) == 1, "the workers did not run"
    assert shared == alone
    assert len(alone) == 40 * 3 + 1
    assert all(text[span.start : span.end] == span.text for span in shared)
    assert reported == sorted(reported) and reported[-1] == len(text) and len(reported) > 5


def test_a_failed_worker_falls_back_to_splitting_here(monkeypatch, caplog):
    from verifier.corpus import sentences

    monkeypatch.setattr(sentences, "SPLIT_PIECE_CHARS", 100)
    monkeypatch.setattr(sentences.sys, "executable", "/bin/false")  # each worker exits at once
    text = "\n".join(
        f"Line {n} says the ferry left at {n} o'clock. It was late." for n in range(30)
    )
    spans = split_sentences(text, workers=2)
    assert spans == split_sentences(text, workers=1)
    assert "workers failed" in caplog.text
