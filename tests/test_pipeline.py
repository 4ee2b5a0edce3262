"""The pipeline's logic with fake models: retrieval, judging, batching, saving, bad input."""

from __future__ import annotations

import pytest

from tests.fakes import FakeEmbedder, FakeJudge
from verifier import Verifier, VerifierConfig, validate_claim
from verifier.errors import CorpusError, IndexFormatError, InvalidClaimError
from verifier.types import CONFLICTING, NOT_ENOUGH_INFO, REFUTED, SUPPORTED

DOCS = {
    "minutes": "The council approved the budget in March. The vote was seven to two.",
    "gazette": "The council did not approve the budget in March. Critics were loud.",
    "library": "The library opened in 1998. It lends many books. He praised the staff of the library.",
}
# The fake judge's scores are not what the fitted verdict model was fitted on, so the
# pipeline's mechanics are tested under the hand-set rule, whose outcome they fix.
CONFIG = VerifierConfig()


def make(docs=DOCS, config=CONFIG, **kwargs) -> Verifier:
    return Verifier.from_corpus(
        docs, embedder=FakeEmbedder(), judge=FakeJudge(), config=config, **kwargs
    )


def test_conflicting_sources_give_conflicting_with_both_sides_as_evidence():
    verdict = make().verify("The council approved the budget in March")
    assert verdict.label == CONFLICTING
    assert {(s.doc_id, s.stance) for s in verdict.sources} >= {
        ("minutes", "supports"),
        ("gazette", "refutes"),
    }


def test_single_source_support_and_refutation():
    verifier = make({"a": DOCS["library"], "b": "The museum closed in 2001."})
    assert verifier.verify("The library opened in 1998").label == SUPPORTED
    assert verifier.verify("The library never opened in 1998").label == REFUTED


def test_unrelated_claim_is_not_enough_info():
    verdict = make().verify("Penguins migrate across the desert")
    assert verdict.label == NOT_ENOUGH_INFO
    assert verdict.deciding == ()


def test_top_k_limits_the_evidence_judged():
    verifier = make()
    assert len(verifier.verify("the budget", top_k=2).evidence) == 2
    assert len(verifier.retrieve("the budget", top_k=1)) == 1
    with pytest.raises(ValueError, match="top_k"):
        verifier.verify("the budget", top_k=0)


def test_evidence_points_at_the_sentence_in_its_document():
    verdict = make().verify("The library opened in 1998")
    best = verdict.deciding[0].passage
    assert DOCS[best.doc_id][best.start : best.end] == best.text == "The library opened in 1998."


def test_anaphoric_sentences_are_judged_with_the_sentence_before():
    judge = FakeJudge()
    verifier = Verifier.from_corpus(
        {"library": DOCS["library"]}, embedder=FakeEmbedder(), judge=judge, config=CONFIG
    )
    verifier.verify("The library lends many books", top_k=3)
    premises = [premise for premise, _ in judge.pairs_seen]
    assert "The library opened in 1998. It lends many books." in premises
    assert "The library opened in 1998." in premises


def test_context_can_be_switched_off():
    judge = FakeJudge()
    config = VerifierConfig(use_context=False)
    Verifier.from_corpus(
        {"library": DOCS["library"]}, embedder=FakeEmbedder(), judge=judge, config=config
    ).verify("The library lends many books", top_k=3)
    assert "It lends many books." in [premise for premise, _ in judge.pairs_seen]


def test_verify_many_batches_the_work_and_matches_verify():
    embedder, judge = FakeEmbedder(), FakeJudge()
    verifier = Verifier.from_corpus(DOCS, embedder=embedder, judge=judge, config=CONFIG)
    claims = [
        "The library opened in 1998",
        "Penguins fly",
        "The council approved the budget in March",
    ]
    calls_before = embedder.calls
    many = verifier.verify_many(claims)
    assert embedder.calls == calls_before + 1
    assert [v.label for v in many] == [verifier.verify(c).label for c in claims]
    assert [v.claim for v in many] == claims


def test_verify_many_reports_progress_to_a_callback():
    seen = []
    make().verify_many(
        ["a claim about the budget"] * 3,
        progress=lambda done, total, stage: seen.append((done, total)),
    )
    assert seen[-1] == (3, 3)


@pytest.mark.parametrize(
    ("claim", "message"),
    [
        ("", "empty"),
        ("   \n\t", "empty"),
        (None, "must be text"),
        (42, "must be text"),
        ("x" * 1001, "1001 characters long; the limit is 1000"),
    ],
)
def test_bad_claims_get_a_clear_error(claim, message):
    with pytest.raises(InvalidClaimError, match=message):
        make().verify(claim)


def test_a_bad_claim_in_a_batch_names_its_position():
    with pytest.raises(InvalidClaimError, match="claim 2: "):
        make().verify_many(["fine claim", " "])
    with pytest.raises(InvalidClaimError, match="list of claims"):
        make().verify_many("one string")


def test_long_claims_are_accepted_with_a_warning():
    text, warnings = validate_claim("word " * 80, 1000)
    assert text == ("word " * 80).strip()
    assert "long claim" in warnings[0]
    assert make().verify("budget " * 50).warnings


def test_paragraph_is_split_and_each_sentence_checked():
    paragraph = "The library opened in 1998. Penguins migrate across the desert."
    spans = make().verify_paragraph(paragraph)
    assert [s.text for s in spans] == [
        "The library opened in 1998.",
        "Penguins migrate across the desert.",
    ]
    assert [paragraph[s.start : s.end] for s in spans] == [s.text for s in spans]
    assert [s.verdict.label for s in spans] == [SUPPORTED, NOT_ENOUGH_INFO]
    with pytest.raises(InvalidClaimError, match="empty"):
        make().verify_paragraph("  ")


def test_save_load_and_add(tmp_path):
    verifier = make({"a": DOCS["library"]})
    verifier.save(tmp_path / "ix")
    loaded = Verifier.open(
        tmp_path / "ix", embedder=FakeEmbedder(), judge=FakeJudge(), config=CONFIG
    )
    assert loaded.stats.passages == verifier.stats.passages
    report = loaded.add({"b": DOCS["minutes"]})
    assert (report.documents, report.passages) == (1, 2)
    assert loaded.stats.documents == 2
    assert loaded.verify("The council approved the budget in March").label == SUPPORTED


def test_adding_the_same_file_twice_does_not_duplicate_it(tmp_path):
    (tmp_path / "a.txt").write_text("The bridge opened in 2019.")
    verifier = make(tmp_path)
    assert verifier.add(tmp_path).passages == 0
    assert verifier.stats.passages == 1
    (tmp_path / "a.txt").write_text("The bridge opened in 2020.")
    report = verifier.add(tmp_path)
    assert "loaded already with other content" in report.skipped[0].reason


def test_an_identical_file_under_another_name_is_reported_not_indexed(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "transit_update.txt").write_text("The bridge opened in 2019.")
    (tmp_path / "upload").mkdir()
    (tmp_path / "upload" / "transit_update.txt").write_text("The bridge opened in 2019.")
    (tmp_path / "upload" / "copy.txt").write_text("The bridge opened in 2019.")
    verifier = make(tmp_path / "docs")
    report = verifier.add(tmp_path / "upload")
    assert (report.documents, report.passages, report.skipped) == (0, 0, ())
    assert [(item.path, item.reason) for item in report.duplicates] == [
        ("upload/copy.txt", "the same content is loaded already as docs/transit_update.txt"),
        (
            "upload/transit_update.txt",
            "the same content is loaded already as docs/transit_update.txt",
        ),
    ]
    assert verifier.stats.documents == 1 and verifier.stats.skipped == ()


def test_two_identical_files_in_one_add_are_indexed_once(tmp_path):
    verifier = make({"a": DOCS["library"]})
    (tmp_path / "one.txt").write_text("The ferry starts in June.")
    (tmp_path / "two.txt").write_text("The ferry starts in June.")
    report = verifier.add([tmp_path / "one.txt", tmp_path / "two.txt"])
    assert report.documents == 1
    assert [item.path for item in report.duplicates] == ["two.txt"]


def test_a_file_reached_through_another_folder_is_recognised_by_its_content(tmp_path):
    root = tmp_path / "docs"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "a.txt").write_text("The bridge opened in 2019.")
    (root / "top.txt").write_text("The ferry runs every forty minutes.")
    verifier = make(root)
    # The subfolder gains a file; indexing it (sub/...) or the root again adds only that one.
    (root / "sub" / "b.txt").write_text("The museum closed in 2001.")
    assert verifier.add(root / "sub").documents == 1
    (root / "sub" / "c.txt").write_text("The station reopened in May.")
    (root / "copy.txt").write_text("The bridge opened in 2019.")
    assert verifier.add(root).documents == 1
    assert verifier.stats.documents == 4 and verifier.stats.passages == 4
    hits = verifier.retrieve("The bridge opened in 2019.", 4)
    assert [hit.passage.text for hit in hits].count("The bridge opened in 2019.") == 1


def test_loading_with_another_embedder_is_refused(tmp_path):
    make({"a": DOCS["library"]}).save(tmp_path / "ix")

    class OtherEmbedder(FakeEmbedder):
        model_id = "another-model"

    with pytest.raises(IndexFormatError, match="another-model"):
        Verifier.open(tmp_path / "ix", embedder=OtherEmbedder(), judge=FakeJudge())


def test_a_misspelt_option_is_refused_by_every_builder():
    for build in (Verifier.from_corpus, Verifier.from_passages):
        with pytest.raises(TypeError, match="embeder"):
            build(DOCS if build is Verifier.from_corpus else [], embeder=FakeEmbedder())
    with pytest.raises(TypeError, match="'index_type'"):
        Verifier.open(None, embedder=FakeEmbedder(), judge=FakeJudge(), index="flat")


def test_skipped_files_are_reported_not_fatal(tmp_path):
    (tmp_path / "good.txt").write_text("The bridge opened in 2019.")
    (tmp_path / "bad.xyz").write_text("?")
    verifier = make(tmp_path)
    assert [s.reason for s in verifier.load_report.skipped] == [
        "unsupported format '.xyz'; supported: .txt, .md, .html, .htm, .pdf, .docx, .odt, .epub, "
        ".jsonl, .csv"
    ]
    assert verifier.stats.skipped == verifier.load_report.skipped


def test_empty_corpus_is_an_error(tmp_path):
    with pytest.raises(CorpusError, match="empty"):
        make(tmp_path)


def test_approximate_index_types_work_end_to_end():
    for index_type in ("hnsw", "ivf"):
        verifier = make(index_type=index_type)
        assert verifier.stats.index_type == index_type
        assert verifier.verify("The library opened in 1998").label == SUPPORTED


def test_config_is_validated():
    with pytest.raises(ValueError, match="top_k"):
        VerifierConfig(top_k=0)


def test_an_ivf_index_is_trained_on_the_whole_corpus_not_its_first_chunk():
    from verifier.types import Passage

    passages = [
        Passage(f"d{i // 10}", "s", "", f"sentence {i} topic {i % 97} thing {i % 13}", 0, 1)
        for i in range(5000)
    ]
    verifier = Verifier.from_passages(
        passages, embedder=FakeEmbedder(), judge=FakeJudge(), index_type="ivf"
    )
    assert verifier.index._faiss.nlist == 128
    assert verifier.stats.passages == 5000


def test_a_single_bad_claim_error_has_no_batch_position():
    with pytest.raises(InvalidClaimError) as raised:
        make().verify("  ")
    assert str(raised.value).startswith("the claim is empty")


def test_the_verdict_comes_from_the_fitted_model():
    from verifier.decision import FittedDecider

    assert isinstance(make().decider, FittedDecider)
    with pytest.raises(TypeError):
        VerifierConfig(decision="fitted")  # one rule: there is nothing to choose
