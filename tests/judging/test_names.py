"""Names in a claim, their mentions in a passage, and the entailment they withhold."""

from __future__ import annotations

import pytest

from verifier.judging.names import (
    NameCheck,
    claim_names,
    missing_names,
    names_the_passage_lacks,
    subject_names,
)
from verifier.types import NLIScores

CORPUS_WORDS = {"global", "the", "then", "mark", "north", "when", "cold"}.__contains__


@pytest.mark.parametrize(
    ("claim", "names"),
    [
        ("China has sent soldiers to help Russia retake Kursk.", ("China", "Russia", "Kursk")),
        ("Global warming is driving polar bears toward extinction", ()),
        ("Mark Rutte travelled to Kyiv to meet Zelensky.", ("Rutte", "Kyiv", "Zelensky")),
        ("North Korea's military has about 1.2 million soldiers.", ("Korea",)),
        (
            "The Kremlin rejected reports that Donald Trump spoke to Putin.",
            ("Kremlin", "Donald Trump", "Putin"),
        ),
        (
            "When Ukraine crossed into Kursk in August, Russia had 11,000 troops.",
            ("Ukraine", "Kursk", "Russia"),
        ),
        ("The U.S. said so. Then NATO agreed.", ("U.S", "NATO")),
        (
            "President Zelensky said that Gen. Syrskyy had visited the front on Monday.",
            ("President Zelensky", "Syrskyy"),
        ),
        ("The council approved the budget in March.", ()),
        ("Volcanoes Melting West Antarctic Glaciers, Not Global Warming", ()),
    ],
)
def test_claim_names(claim, names):
    assert claim_names(claim, CORPUS_WORDS) == names


def test_without_corpus_words_a_lone_first_word_is_not_a_name():
    assert claim_names("China has sent soldiers.") == ()
    assert claim_names("Mark Rutte travelled.") == ("Mark Rutte",)


@pytest.mark.parametrize(
    ("names", "passage", "missing"),
    [
        (("China", "Russia"), "North Korea has sent 10,000 soldiers to Russia.", ("China",)),
        (("China", "Russia", "Ukraine"), "Chinese and Russian troops fought Ukrainian units.", ()),
        (("Mark Rutte",), "NATO chief Rutte arrived on Monday.", ()),
        (("Mark Rutte",), "The market in Kyiv reopened.", ("Mark Rutte",)),
        (("Kursk",), "Fighting continued in Kurdistan.", ("Kursk",)),
        (("North Korea",), "North Korean soldiers were seen.", ()),
        (("North Korea",), "South Korean soldiers were seen.", ()),
        (("U.S",), "The U.S. Treasury agreed.", ()),
        (("Russia",), "he spoke in russian", ("Russia",)),
        (("United States",), "Both Ukraine and the U.S. estimate it.", ()),
        (("U.S",), "The United States agreed.", ()),
        (("European Union",), "EU ministers met.", ()),
        (("United Nations",), "The U.S. agreed.", ("United Nations",)),
    ],
)
def test_missing_names(names, passage, missing):
    assert missing_names(names, passage) == missing


def test_missing_names_move_entailment_to_neutral_only():
    scores = NLIScores(entailment=0.9, neutral=0.05, contradiction=0.05)
    one = NameCheck().shift(scores, ("China",))
    two = NameCheck().shift(scores, ("China", "Mark Rutte"))
    assert one.entailment == pytest.approx(0.18)
    assert one.neutral == pytest.approx(0.77)
    assert one.contradiction == 0.05
    assert two.entailment == pytest.approx(0.9 * 0.04)
    assert NameCheck().shift(scores, ()) is scores
    assert sum(vars(one).values()) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="weight"):
        NameCheck(weight=2)


@pytest.mark.parametrize(
    ("passage", "context", "lacking"),
    [
        ("North Korea has sent soldiers to Russia.", "", ("China",)),
        ("Chinese troops have been sent to Russia.", "", ()),
        ("He has sent soldiers to Russia.", "", ()),
        ("The country has sent soldiers to Russia.", "", ()),
        ("Soldiers have been sent to the front.", "", ()),
        ("North Korea has sent soldiers to Russia.", "China said so.", ()),
        ("Pyongyang Sends Soldiers To Russia", "", ("China",)),
    ],
)
def test_names_count_as_lacking_only_in_a_passage_about_someone_else(passage, context, lacking):
    names = ("China", "Russia")
    assert names_the_passage_lacks(names, passage, context=context) == lacking
    assert names_the_passage_lacks((), passage) == ()


@pytest.mark.parametrize(
    ("claim", "subject"),
    [
        ("China has sent soldiers to help Russia retake Kursk.", ("China",)),
        ("When Ukraine crossed into Kursk in August, Russia had 11,000 troops.", ("Ukraine",)),
        (
            "Ukraine and the United States say 10,000 soldiers were sent.",
            ("Ukraine", "United States"),
        ),
        ("Cold weather to grip the world as the solar minimum deepens, NASA says.", ()),
        ("We’ll still be facing extreme heat.", ()),
        ("On Feb. 7, NASA said so.", ("NASA",)),
    ],
)
def test_subject_names_are_those_before_the_first_lower_case_word(claim, subject):
    assert subject_names(claim, CORPUS_WORDS) == subject
