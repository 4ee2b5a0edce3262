"""Tests of the functions that turn results into what the web page shows."""

from __future__ import annotations

import json
import re

import pytest

from app import ui, view
from verifier.types import (
    CONFLICTING,
    NEUTRAL_STANCE,
    NOT_ENOUGH_INFO,
    REFUTED,
    REFUTES,
    SUPPORTED,
    SUPPORTS,
    VERDICT_LABELS,
    ClaimSpan,
    CorpusStats,
    Evidence,
    LoadReport,
    NLIScores,
    Passage,
    SkippedFile,
    SourceStance,
    Verdict,
)


def make_evidence(
    text: str,
    *,
    source: str = "docs/a.txt",
    stance: str = SUPPORTS,
    nli: tuple[float, float, float] = (0.9, 0.07, 0.03),
    score: float = 0.8123,
    before: str = "",
    after: str = "",
    notes: tuple[str, ...] = (),
) -> Evidence:
    passage = Passage(
        doc_id=source,
        source=source,
        title="",
        text=text,
        start=len(before),
        end=len(before) + len(text),
        context_before=before,
        context_after=after,
    )
    return Evidence(passage, score, NLIScores(*nli), stance, notes)


def make_verdict(
    label: str = SUPPORTED,
    evidence: tuple[Evidence, ...] = (),
    sources: tuple[SourceStance, ...] = (),
    claim: str = "The council approved the budget.",
    warnings: tuple[str, ...] = (),
) -> Verdict:
    deciding = tuple(item for item in evidence if item.stance != NEUTRAL_STANCE)
    return Verdict(claim, label, 0.8731, evidence, deciding, sources, warnings)


def stance(source: str, side: str, strength: float) -> SourceStance:
    return SourceStance(source, source, "", side, strength, "text")


@pytest.mark.parametrize("label", VERDICT_LABELS)
def test_each_verdict_has_its_own_badge_colour(label):
    html = view.verdict_badge_html(make_verdict(label))
    assert view.VERDICT_COLOURS[label] in html
    assert view.verdict_name(label) in html
    assert "87.3%" in html
    assert len(set(view.VERDICT_COLOURS.values())) == len(VERDICT_LABELS)


def test_badge_names_not_enough_info_with_spaces_and_escapes_the_claim():
    html = view.verdict_badge_html(
        make_verdict(NOT_ENOUGH_INFO, claim="<b>x</b> & y", warnings=("claim <cut>",))
    )
    assert "NOT ENOUGH INFO" in html
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in html
    assert "<b>x</b>" not in html
    assert "claim &lt;cut&gt;" in html


@pytest.mark.parametrize(
    ("value", "text"), [(0.8731, "87.3%"), (1.0, "100.0%"), (0.0, "0.0%"), (0.00049, "0.0%")]
)
def test_format_probability(value, text):
    assert view.format_probability(value) == text


def test_format_score_has_two_decimals():
    assert view.format_score(0.826) == "0.83"


def test_highlight_marks_the_sentence_between_its_neighbours_and_escapes_html():
    item = make_evidence(
        "Costs rose to <5%> & more.", before="It began <script>x</script>.", after="Then fell."
    )
    html = view.highlight_html(item.passage)
    assert html.startswith("It began &lt;script&gt;x&lt;/script&gt;.")
    assert "<script>" not in html
    marked = html.split("<mark", 1)[1].split(">", 1)[1].split("</mark>", 1)[0]
    assert marked == "Costs rose to &lt;5%&gt; &amp; more."
    assert html.endswith("</mark> Then fell.")


def test_highlight_without_context_is_just_the_marked_sentence():
    html = view.highlight_html(make_evidence("Alone.").passage)
    assert html.startswith("<mark") and html.endswith("Alone.</mark>")


def test_evidence_card_shows_its_stance_the_judges_scores_relevance_and_source():
    item = make_evidence(
        "The budget passed.",
        source="/data/minutes.txt",
        stance=REFUTES,
        nli=(0.1, 0.2, 0.7),
        notes=("number differs: 5 vs 7",),
    )
    html = view.evidence_card_html(item, 1)
    # The chip is the verdict model's stance; the judge's label is only its scores.
    assert ">contradicts</span>" in html and ">contradiction</span>" not in html
    assert view.STANCE_COLOURS[REFUTES] in html
    for text in ("10.0%", "20.0%", "70.0%", "relevance 0.81", "minutes.txt", "number differs"):
        assert text in html
    assert 'data-stance="refutes"' in html
    assert "retrieval" not in html and "stance:" not in html
    assert "decided the verdict" not in html
    assert "decided the verdict" in view.evidence_card_html(item, 1, deciding=True)


def test_neutral_evidence_is_hidden_unless_asked_for():
    verdict = make_verdict(
        evidence=(
            make_evidence("Supports it."),
            make_evidence("Says nothing.", stance=NEUTRAL_STANCE, nli=(0.1, 0.8, 0.1)),
        )
    )
    hidden = view.evidence_cards_html(verdict, show_neutral=False)
    assert "Supports it." in hidden and "Says nothing." not in hidden
    assert "1 passage that says nothing hidden" in hidden
    shown = view.evidence_cards_html(verdict, show_neutral=True)
    assert "Says nothing." in shown and "hidden" not in shown
    assert len(view.visible_evidence(verdict, show_neutral=True)) == 2


def test_deciding_cards_come_first_and_marked_and_the_others_are_folded():
    neutral = make_evidence("Best match, says nothing.", stance=NEUTRAL_STANCE, score=0.95)
    deciding = make_evidence("Decides it.", source="minutes.txt", score=0.6)
    verdict = Verdict("The budget passed.", SUPPORTED, 0.9, (neutral, deciding), (deciding,), ())
    html = view.evidence_cards_html(verdict, show_neutral=True)
    assert html.index("Decides it.") < html.index("<details") < html.index("Best match")
    assert html.count("decided the verdict") == 1
    assert html.index("decided the verdict") < html.index("<details")
    assert '<details class="other-passages">' in html
    assert "1 other passage</summary>" in html
    assert html.index("<b>#1</b>") < html.index("Decides it.") < html.index("<b>#2</b>")


def test_without_deciding_passages_the_other_passages_start_open():
    verdict = make_verdict(
        NOT_ENOUGH_INFO, evidence=(make_evidence("Vague.", stance=NEUTRAL_STANCE),)
    )
    html = view.evidence_cards_html(verdict, show_neutral=True)
    assert '<details class="other-passages" open>' in html
    assert "decided the verdict" not in html


def test_explanation_of_a_supported_verdict():
    verdict = make_verdict(
        evidence=(
            make_evidence("Yes.", source="a/minutes.txt"),
            make_evidence("Also yes.", source="gazette.md"),
            make_evidence("Yes again.", source="b/minutes.txt"),
        )
    )
    assert view.explanation(verdict) == "2 sources support it (minutes.txt, gazette.md)."


def test_explanation_of_a_refuted_verdict():
    verdict = make_verdict(REFUTED, evidence=(make_evidence("No.", stance=REFUTES),))
    assert view.explanation(verdict) == "1 source contradicts it (a.txt)."


def test_explanation_of_a_conflict_between_two_sources():
    verdict = make_verdict(
        CONFLICTING,
        evidence=(
            make_evidence("Yes.", source="minutes.txt"),
            make_evidence("No.", source="riverside.html", stance=REFUTES),
        ),
    )
    assert view.explanation(verdict) == (
        "1 source supports it (minutes.txt); 1 contradicts it (riverside.html)."
    )


def test_explanation_when_no_passage_takes_a_side():
    verdict = make_verdict(
        NOT_ENOUGH_INFO, evidence=(make_evidence("Vague.", stance=NEUTRAL_STANCE),)
    )
    assert view.explanation(verdict) == (
        "None of the passages found supports or contradicts the claim."
    )


def test_not_enough_info_names_the_passages_that_lean_without_settling_it():
    # The fares claim: a card that takes a side beside a NOT ENOUGH INFO badge.
    verdict = make_verdict(
        NOT_ENOUGH_INFO,
        evidence=(make_evidence("Fares will stay at 2 dollars.", stance=REFUTES),),
    )
    assert view.explanation(verdict) == (
        "Not enough to decide: 1 source leans towards contradicting it (a.txt), "
        "too weakly to settle it."
    )


def test_a_deciding_passage_on_the_other_side_is_not_tagged_as_deciding():
    # The fitted verdict names the closest passage when none takes its side alone.
    other_side = make_evidence("It opened in 2005.", nli=(0.36, 0.32, 0.32))
    verdict = Verdict("It opened in 1998.", REFUTED, 0.6, (other_side,), (other_side,), ())
    html = view.evidence_cards_html(verdict, show_neutral=True)
    assert "decided the verdict" not in html
    assert view.explanation(verdict).startswith("No single passage contradicts the claim")


def test_a_supported_verdict_names_the_passages_it_outweighed():
    verdict = make_verdict(
        evidence=(
            make_evidence("Yes.", source="report.txt"),
            make_evidence("No.", source="minutes.txt", stance=REFUTES),
        )
    )
    verdict = Verdict(
        verdict.claim, SUPPORTED, 0.8, verdict.evidence, verdict.evidence[:1], verdict.sources
    )
    assert view.explanation(verdict) == (
        "1 source supports it (report.txt). Outweighed, on the other side: minutes.txt."
    )


def test_the_weak_evidence_warning_is_worded_with_the_badges_rounding():
    warning = "weak evidence: confidence 0.50 is below 0.50; treat this verdict as a guess"
    verdict = Verdict("It rained.", REFUTED, 0.495, (), (), (), (warning,))
    html = view.verdict_badge_html(verdict)
    assert "confidence 49.5% is below 50.0%" in html and "0.50 is below" not in html
    assert view.format_probability(0.49996) == "49.9%"


def test_messages_never_show_a_server_path():
    html = view.message_html(
        "no readable documents found (/tmp/gradio/b3cc6b/scan_only.pdf: no text layer)"
    )
    assert "scan_only.pdf: no text layer" in html and "/tmp" not in html


def test_badge_explains_the_verdict_its_notes_warnings_and_calibrated_confidence():
    refuting = make_evidence(
        "About 50,000 marched.",
        source="<x>.html",
        stance=REFUTES,
        notes=("figure differs: claim says 11,000; passage says 50,000",),
    )
    verdict = Verdict(
        "11,000 marched.",
        REFUTED,
        0.8,
        (refuting,),
        (refuting,),
        (),
        ("weak evidence: <low> relevance",),
        {REFUTED: 0.8, SUPPORTED: 0.1, NOT_ENOUGH_INFO: 0.1},
    )
    html = view.verdict_badge_html(verdict)
    assert "1 source contradicts it (&lt;x&gt;.html)." in html
    assert "figure differs: claim says 11,000; passage says 50,000" in html
    assert "weak evidence: &lt;low&gt; relevance" in html
    assert "of verdicts given 80.0% confidence, about 8 in 10 are right" in html


def test_a_conflict_says_its_confidence_is_the_weaker_side():
    verdict = Verdict(
        "The vote was seven to two.",
        CONFLICTING,
        0.68,
        (),
        (),
        (),
        (),
        {SUPPORTED: 0.7, REFUTED: 0.2, NOT_ENOUGH_INFO: 0.1},
    )
    meaning = view.confidence_meaning(verdict)
    assert "weaker side" in meaning and "68.0% or more" in meaning
    assert "in 10 are right" not in meaning


def test_badge_omits_the_confidence_meaning_without_calibrated_probabilities():
    html = view.verdict_badge_html(make_verdict(NOT_ENOUGH_INFO))
    assert "No passage in the corpus is close to this claim." in html
    assert "calibrated" not in html


def _hex_luminance(colour: str) -> float:
    red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def _light_only_colours(html: str) -> list[str]:
    """Style rules whose text or background colour is hard-coded for a light page only.

    A hard-coded text colour is allowed only with a hard-coded background (a
    chip or badge that carries its own contrast); a hard-coded background
    must not be a pale one meant to sit behind the theme's text.
    """
    problems = []
    for style in re.findall(r'style="([^"]*)"', html):
        rules = dict(
            rule.split(":", 1) for rule in style.split(";") if ":" in rule and rule.strip()
        )
        rules = {name.strip(): value.strip() for name, value in rules.items()}
        text, background = rules.get("color", ""), rules.get("background", "")
        if text.startswith("#") and not background.startswith("#"):
            problems.append(style)
        if background.startswith("#") and _hex_luminance(background) > 0.6:
            problems.append(style)
    return problems


def test_page_html_sets_no_light_only_colours():
    evidence = (
        make_evidence("Yes.", notes=("figure differs",)),
        make_evidence("No.", source="b.txt", stance=REFUTES),
        make_evidence("Vague.", source="c.txt", stance=NEUTRAL_STANCE, nli=(0.1, 0.8, 0.1)),
    )
    verdict = make_verdict(
        CONFLICTING,
        evidence=evidence,
        sources=(stance("a.txt", SUPPORTS, 0.9), stance("b.txt", REFUTES, 0.8)),
        warnings=("weak evidence",),
    )
    text = "The budget passed.  Taxes fell <a lot>."
    pages = [
        view.verdict_badge_html(verdict),
        view.evidence_cards_html(verdict, show_neutral=True),
        view.evidence_cards_html(make_verdict(), show_neutral=True),
        view.source_chart_html(verdict),
        view.source_chart_html(make_verdict()),
        view.paragraph_html(text, paragraph_spans(text)),
        *(view.message_html("x", kind=kind) for kind in ("error", "warning", "info")),
    ]
    for html in pages:
        assert _light_only_colours(html) == []
    assert "var(--body-text-color)" in pages[1]
    assert "var(--block-background-fill)" in pages[1]
    assert not re.search(r"(?<![-\w])(color|background)\s*:\s*#", ui.CSS)


def test_the_light_only_colour_check_catches_the_old_card_style():
    old_card = '<div style="background:#ffffff;color:#1f2328">x</div>'
    assert _light_only_colours(old_card) == ["background:#ffffff;color:#1f2328"]


def test_no_evidence_says_so():
    assert "No passage" in view.evidence_cards_html(make_verdict(), show_neutral=False)


def test_source_chart_data_orders_supporting_then_contradicting_then_neutral():
    verdict = make_verdict(
        CONFLICTING,
        sources=(
            stance("c/neutral.txt", NEUTRAL_STANCE, 0.9),
            stance("b/refuting.txt", REFUTES, 0.8),
            stance("a/weak.txt", SUPPORTS, 0.6),
            stance("a/strong.txt", SUPPORTS, 0.95),
        ),
    )
    bars = view.source_chart_data(verdict)
    assert [(bar.source, bar.stance) for bar in bars] == [
        ("strong.txt", SUPPORTS),
        ("weak.txt", SUPPORTS),
        ("refuting.txt", REFUTES),
        ("neutral.txt", NEUTRAL_STANCE),
    ]
    assert bars[0].to_dict() == {
        "source": "strong.txt",
        "stance": SUPPORTS,
        "strength": 0.95,
        "also": {},
    }


def test_source_chart_html_names_supporting_and_contradicting_documents():
    verdict = make_verdict(
        CONFLICTING,
        sources=(stance("a.txt", SUPPORTS, 0.9), stance("<b>.txt", REFUTES, 0.75)),
    )
    html = view.source_chart_html(verdict)
    assert "<b>Supports:</b> a.txt" in html
    assert "<b>Contradicts:</b> &lt;b&gt;.txt" in html
    assert "width:90.0%" in html and "width:75.0%" in html
    assert view.STANCE_COLOURS[REFUTES] in html


def test_source_chart_without_sources():
    assert "No sources" in view.source_chart_html(make_verdict())


def test_verdict_json_round_trips_to_dict():
    verdict = make_verdict(evidence=(make_evidence("Yes."),))
    assert json.loads(view.verdict_json(verdict)) == json.loads(json.dumps(verdict.to_dict()))


def paragraph_spans(text: str) -> list[ClaimSpan]:
    first = "The budget passed."
    second = "Taxes fell <a lot>."
    return [
        ClaimSpan(
            first, text.index(first), text.index(first) + len(first), make_verdict(SUPPORTED)
        ),
        ClaimSpan(
            second, text.index(second), text.index(second) + len(second), make_verdict(REFUTED)
        ),
    ]


def test_paragraph_colours_each_sentence_by_its_verdict_and_keeps_the_text_between():
    text = "The budget passed.  Taxes fell <a lot>. The end"
    html = view.paragraph_html(text, paragraph_spans(text))
    supported = html.index('data-verdict="SUPPORTED"')
    refuted = html.index('data-verdict="REFUTED"')
    assert supported < refuted
    assert view.VERDICT_BACKGROUNDS[SUPPORTED] in html[supported:refuted]
    assert "Taxes fell &lt;a lot&gt;.<sup" in html
    assert "<a lot>" not in html
    assert "</span>  <span" in html
    assert html.count("<sup") == 2
    assert "</span> The end</div>" in html
    assert 'data-index="0" data-verdict="SUPPORTED"' in html
    assert 'data-index="1" data-verdict="REFUTED"' in html


def test_sentence_choices_number_and_truncate():
    text = "The budget passed.  Taxes fell <a lot>."
    choices = view.sentence_choices(paragraph_spans(text), width=12)
    assert choices == [("1. ✓ SUPPORTED — The budget…", 0), ("2. ✗ REFUTED — Taxes fell…", 1)]


def test_paragraph_json_has_offsets_and_verdicts():
    text = "The budget passed. Taxes fell <a lot>."
    data = json.loads(view.paragraph_json(text, paragraph_spans(text)))
    assert data["text"] == text
    assert [claim["verdict"]["verdict"] for claim in data["claims"]] == [SUPPORTED, REFUTED]
    assert data["claims"][1]["start"] == text.index("Taxes")


def test_message_html_escapes():
    html = view.message_html("bad <file>", kind="warning")
    assert "Bad &lt;file&gt;" in html and "message-warning" in html


def test_corpus_stats_count_documents_and_name_skipped_files_only():
    skipped = (SkippedFile("/tmp/up/broken.pdf", "no text layer"),)
    stats = CorpusStats(3, 42, "flat", ("/x/a.txt", "/x/b.md", "/x/c.pdf"), skipped)
    text = view.corpus_stats_markdown(stats)
    assert "**3** documents, **42** passages, index type **flat**" in text
    assert "**broken\\.pdf**: no text layer" in text
    # The documents are named in the Corpus tab's table; a list here would repeat it.
    assert "Documents:" not in text and "b\\.md" not in text


def test_corpus_stats_name_the_embedder_by_its_model_name():
    stats = CorpusStats(
        1, 2, "flat", ("a.txt",), embedder="sentence-transformers/all-mpnet-base-v2"
    )
    assert "embedder **all\\-mpnet\\-base\\-v2**" in view.corpus_stats_markdown(stats)


def test_load_report_message_and_files_not_indexed():
    skipped = (SkippedFile("/tmp/up/broken.pdf", "no text layer"),)
    rejected = (SkippedFile("x.exe", "file type .exe"),)
    report = LoadReport(1, 5, skipped)
    assert view.load_report_message(report, rejected) == (
        "Indexed 1 new document (5 passages). 2 files could not be indexed (listed below)."
    )
    assert view.load_report_message(LoadReport(2, 1)) == "Indexed 2 new documents (1 passage)."
    assert view.load_report_message(LoadReport(0, 0)) == "Nothing new was indexed."
    text = view.not_indexed_markdown(report, rejected)
    assert text.startswith("Not indexed (2):")
    assert "**x\\.exe**: file type \\.exe" in text and "**broken\\.pdf**: no text layer" in text
    assert view.not_indexed_markdown(LoadReport(1, 5)) == ""


def test_validate_uploads_refuses_wrong_types_and_large_files():
    limits = view.UploadLimits(max_files=3, max_file_bytes=1000)
    validation = view.validate_uploads([("a.txt", 10), ("b.exe", 10), ("c.PDF", 5000)], limits)
    assert validation.accepted == ("a.txt",)
    reasons = {item.path: item.reason for item in validation.rejected}
    assert "file type .exe is not accepted" in reasons["b.exe"]
    assert "over the 0.0 MB limit" in reasons["c.PDF"]


def test_validate_uploads_refuses_all_when_too_many():
    validation = view.validate_uploads(
        [(f"{i}.txt", 1) for i in range(3)], view.UploadLimits(max_files=2, max_file_bytes=1000)
    )
    assert validation.accepted == ()
    assert len(validation.rejected) == 3
    assert "too many files (3); upload at most 2" in validation.rejected[0].reason


@pytest.mark.parametrize(
    ("raw", "label"),
    [
        ("SUPPORTS", SUPPORTED),
        ("refuted", REFUTED),
        ("NOT ENOUGH INFO", NOT_ENOUGH_INFO),
        ("not-enough-info", NOT_ENOUGH_INFO),
        ("DISPUTED", CONFLICTING),
        ("", None),
        (None, None),
    ],
)
def test_gold_label_spellings(raw, label):
    assert view.gold_label(raw) == label


def test_gold_label_unknown_is_an_error_naming_it():
    with pytest.raises(ValueError, match="'maybe'"):
        view.gold_label("maybe")


def batch_records() -> list[dict]:
    evidence = [
        {
            "text": 'Costs, rose "5%".',
            "source": "a.txt",
            "score": 0.71234,
            "nli": {
                "label": "entailment",
                "entailment": 0.9,
                "neutral": 0.05,
                "contradiction": 0.05,
            },
        }
    ]
    return [
        {
            "claim": "Costs rose.",
            "label": "SUPPORTS",
            "id": 1,
            "verdict": SUPPORTED,
            "confidence": 0.91234,
            "evidence": evidence,
        },
        {
            "claim": "Costs fell.",
            "label": "REFUTES",
            "id": 2,
            "verdict": SUPPORTED,
            "confidence": 0.6,
            "evidence": evidence,
            "warnings": ["long claim", "odd"],
        },
        {
            "claim": "Sky, green",
            "label": "NEI",
            "id": 3,
            "verdict": NOT_ENOUGH_INFO,
            "confidence": 0.5,
            "evidence": [],
        },
    ]


def test_batch_table_shows_claim_gold_verdict_and_best_evidence():
    headers, rows = view.batch_table(batch_records())
    assert headers == ["claim", "label", "verdict", "confidence", "top_source", "top_evidence"]
    assert rows[0] == ["Costs rose.", "SUPPORTS", SUPPORTED, 0.9123, "a.txt", 'Costs, rose "5%".']
    assert rows[2] == ["Sky, green", "NEI", NOT_ENOUGH_INFO, 0.5, "", ""]


def test_batch_table_without_gold_labels_has_no_label_column():
    records = [{k: v for k, v in r.items() if k != "label"} for r in batch_records()]
    headers, rows = view.batch_table(records)
    assert "label" not in headers
    assert len(rows[0]) == len(headers)


def test_batch_report_scores_gold_labels():
    report = view.batch_report(batch_records())
    assert report is not None
    assert report.count == 3
    assert report.accuracy == pytest.approx(2 / 3)
    text = view.batch_report_markdown(report, 3)
    assert "accuracy **66.7%**" in text and "macro-F1" in text
    assert "| REFUTED | 0.000 | 0.000 | 0.000 | 1 |" in text
    assert "CONFLICTING" not in text


def test_batch_report_without_labels():
    records = [{k: v for k, v in r.items() if k != "label"} for r in batch_records()]
    assert view.batch_report(records) is None
    assert "no `label` column" in view.batch_report_markdown(None, 3)


def test_the_confusion_matrix_puts_counts_in_cells_in_the_pages_colours():
    report = view.batch_report(batch_records())
    html = view.confusion_html(report)
    assert re.findall(r">(\d+)</td>", html).count("1") == 3
    assert "66.7%" in html
    assert _light_only_colours(html) == [] and "var(--body-text-color)" in html


def test_example_sentences_take_one_checkable_sentence_per_document():
    def passage(doc: str, text: str) -> Passage:
        return Passage(doc, doc, "", text, 0, len(text))

    passages = [
        passage("a", "Short."),
        passage("a", "The council approved the budget in March."),
        passage("a", "The council also delayed the footbridge to 2027."),
        passage("b", "x" * 300),
        passage("c", "The library  opened a new branch in 1998."),
    ]
    assert view.example_sentences(passages, 5) == [
        "The council approved the budget in March.",
        "The library opened a new branch in 1998.",
    ]
    assert view.example_sentences(passages, 1) == ["The council approved the budget in March."]


def test_example_sentences_pass_over_headings_bylines_questions_and_cut_lines():
    def passage(doc: str, text: str) -> Passage:
        return Passage(doc, doc, "", text, 0, len(text))

    passages = [
        passage("a", "Budget Vote Splits Council After Long Debate"),
        passage("a", "by Ana Ruiz, Riverside Weekly, 20 March 2025"),
        passage("a", "Will the council really approve the budget in March?"),
        passage("a", "Russia has stated that his men are fighting in the m..."),
        passage("a", "the council approved the budget in March by seven to two."),
        passage("a", "The council approved the budget in March by seven to two."),
    ]
    assert view.example_sentences(passages, 5) == [
        "The council approved the budget in March by seven to two."
    ]


def test_example_labels_are_short_and_cut_between_words():
    claim = "Russia has stated that his men are fighting in the Kursk region of Russia today."
    label = view.example_label(claim)
    assert len(label) <= view.EXAMPLE_LABEL_CHARS + 1
    assert label.endswith("…")
    assert claim.startswith(label[:-1])
    assert claim[len(label) - 1] == " "
    assert view.example_label("The library opened in 2005.") == "The library opened in 2005."


@pytest.mark.parametrize("label", VERDICT_LABELS)
def test_each_verdict_has_a_symbol_and_a_line_style_besides_its_colour(label):
    badge = view.verdict_badge_html(make_verdict(label))
    symbol = re.search(r'<span class="verdict-symbol" aria-hidden="true"[^>]*>([^<]*)<', badge)
    assert symbol.group(1) == view.VERDICT_SYMBOLS[label]
    span = ClaimSpan("It is so.", 0, 9, make_verdict(label, claim="It is so."))
    html = view.paragraph_html("It is so.", [span])
    sentence = re.search(r'<span class="claim-span"[^>]*>.*?</span>', html).group(0)
    assert f"border-bottom:4px {view.VERDICT_LINES[label]} " in sentence
    assert view.VERDICT_SYMBOLS[label] in sentence
    legend = re.search(rf'<span class="legend-item" data-verdict="{label}"[^>]*>[^<]*<', html)
    assert view.VERDICT_LINES[label] in legend.group(0)
    assert view.VERDICT_SYMBOLS[label] in legend.group(0)
    assert len(set(view.VERDICT_SYMBOLS.values())) == len(VERDICT_LABELS)
    assert len(set(view.VERDICT_LINES.values())) == len(VERDICT_LABELS)


def test_batch_column_widths_fill_the_table_with_the_claim_widest():
    headers, _ = view.batch_table([{"claim": "c", "label": "SUPPORTED", "verdict": "REFUTED"}])
    widths = view.batch_column_widths(headers)
    assert len(widths) == len(headers)
    assert sum(int(width.rstrip("%")) for width in widths) == 100
    assert max(widths, key=lambda width: int(width.rstrip("%"))) == widths[headers.index("claim")]


def test_evidence_card_names_the_file_and_its_title():
    item = make_evidence("Yes.", source="demo_corpus/minutes.txt")
    titled = Evidence(
        Passage("d", "demo_corpus/minutes.txt", "Council <minutes>", "Yes.", 0, 4),
        0.5,
        item.nli,
        SUPPORTS,
    )
    assert "source: <b>minutes.txt</b>" in view.evidence_card_html(item, 1)
    assert "— Council &lt;minutes&gt;" in view.evidence_card_html(titled, 1)
