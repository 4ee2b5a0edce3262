"""The real embedder over the shared news corpus: retrieval finds the right sentences."""

from __future__ import annotations

import pytest

from tests.fakes import FakeJudge
from verifier import Verifier


@pytest.fixture(scope="module")
def news_verifier(news_corpus, real_embedder):
    return Verifier.from_corpus(
        news_corpus,
        embedder=real_embedder,
        judge=FakeJudge(),
    )


def test_whole_corpus_is_indexed(news_verifier):
    stats = news_verifier.stats
    assert stats.documents == 5
    assert stats.passages > 60
    assert stats.skipped == ()


@pytest.mark.parametrize(
    ("claim", "expected_words", "expected_file"),
    [
        ("Russia had 11,000 troops in Kursk when Ukraine's incursion began", ["11,000"], None),
        ("The Kremlin denied that Trump and Putin spoke on the phone", ["denied", "call"], None),
        (
            "More than 10,000 North Korean soldiers have been sent to Russia",
            ["North Korean", "10,000"],
            None,
        ),
        (
            "Zelensky said on Monday that Russia has deployed nearly 50,000 troops to Kursk",
            ["nearly 50,000"],
            "003_563234de6229dc99.txt",
        ),
    ],
)
def test_retrieval_puts_the_right_sentence_first(
    news_verifier, claim, expected_words, expected_file
):
    best = news_verifier.retrieve(claim, top_k=3)[0]
    assert all(word in best.passage.text for word in expected_words), best.passage.text
    if expected_file:
        assert best.passage.source.endswith(expected_file)
    assert 0.4 < best.score <= 1.0001


def test_offsets_point_into_the_right_file(news_verifier, news_corpus):
    for hit in news_verifier.retrieve(
        "Zelensky said 50,000 Russian troops are held in Kursk", top_k=5
    ):
        text = (news_corpus / hit.passage.source.split("/", 1)[1]).read_text(encoding="utf-8")
        assert text[hit.passage.start : hit.passage.end] == hit.passage.text


def test_saved_index_answers_the_same(news_verifier, real_embedder, tmp_path):
    news_verifier.save(tmp_path / "news-index")
    loaded = Verifier.open(tmp_path / "news-index", embedder=real_embedder, judge=FakeJudge())
    claim = "North Korea sent troops to Russia"
    assert [h.passage for h in loaded.retrieve(claim)] == [
        h.passage for h in news_verifier.retrieve(claim)
    ]


def test_page_furniture_is_not_a_passage_and_is_counted(news_verifier):
    texts = {passage.text for passage in news_verifier.passages}
    for fragment in ("2 Min Read", "Share this Post", "Join NewsTrack Whatsapp group"):
        assert fragment not in texts
    assert not any(text.startswith("FILE PHOTO:") for text in texts)
    assert "Strategic Gains in Kursk Limiting Russian Offensives" not in texts
    assert news_verifier.load_report.fragments >= 10
