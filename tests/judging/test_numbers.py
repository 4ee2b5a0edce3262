"""Figures and dates in claims vs passages about the news corpus (../shared/corpus/news)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from verifier.judging.numbers import (
    DATE,
    MONTH,
    NUMBER,
    PERCENT,
    WEEKDAY,
    YEAR,
    NumberCheck,
    QuantityComparison,
    compare_quantities,
    extract_quantities,
)
from verifier.types import NLIScores

REPO = Path(__file__).resolve().parents[2]
NEWS = REPO / ".." / "shared" / "corpus" / "news"

ISW = (
    "The Institute for the Study of War, a U.S.-based non-profit, reported that Russia "
    "initially had 11,000 troops stationed in Kursk when Ukraine launched its unexpected "
    "incursion in early August."
)
DRONES = "Moscow launched a total of 145 drones on Saturday night."
NORTH_KOREA = (
    "Ukraine and the U.S. report that over 10,000 North Korean soldiers have been deployed."
)


def values(text: str, kind: str) -> list[float]:
    return [q.value for q in extract_quantities(text) if q.kind == kind]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("eleven thousand troops", [11000.0]),
        ("11,000 troops", [11000.0]),
        ("11k troops", [11000.0]),
        ("50 000 troops", [50000.0]),
        ("1.2 million soldiers", [1200000.0]),
        ("fifty thousand soldiers", [50000.0]),
        ("$800 billion in damages", [800e9]),
    ],
)
def test_numbers_in_words_and_digits(text: str, expected: list[float]) -> None:
    assert values(text, NUMBER) == expected


def test_percent_and_dates_are_read() -> None:
    assert values("Turnout rose to 25% of voters", PERCENT) == [25.0]
    assert values("It began in August", MONTH) == [8]
    assert values("the call took place Thursday", WEEKDAY) == [3]
    assert values("since the invasion in February 2022, ties grew", YEAR) == [2022]
    assert values("near the border on August 10, 2024.", DATE) == [20240810]


def test_year_is_not_a_count() -> None:
    assert values("In 2022, 10 people were hurt", NUMBER) == [10.0]
    assert values("In 2022, 10 people were hurt", YEAR) == [2022]


def test_may_the_verb_is_not_a_month() -> None:
    assert values("The talks may resume soon", MONTH) == []
    assert values("The treaty was signed in May", MONTH) == [5]


def test_different_figure_for_the_same_thing_is_a_mismatch() -> None:
    comparison = compare_quantities(
        "Russia had 50,000 troops in Kursk when the incursion began", ISW
    )
    assert comparison.has_mismatch
    pair = comparison.mismatched[0]
    assert (pair.claim.value, pair.passage.value) == (50000.0, 11000.0)
    assert comparison.notes == ("claim says '50,000 troop'; passage says '11,000 troop'",)


def test_words_match_digits_and_related_nouns() -> None:
    comparison = compare_quantities("Russia had eleven thousand soldiers in Kursk", ISW)
    assert not comparison.has_mismatch
    assert [pair.passage.value for pair in comparison.matched] == [11000.0]


def test_hedged_figures_widen_the_range() -> None:
    assert not compare_quantities("About 11,500 troops were in Kursk", ISW).has_mismatch
    assert compare_quantities("About 15,000 troops were in Kursk", ISW).has_mismatch
    assert compare_quantities("11,000 North Korean soldiers are in Russia", NORTH_KOREA).matched
    assert compare_quantities("9,000 North Korean soldiers are in Russia", NORTH_KOREA).mismatched


def test_unrelated_numbers_have_no_effect() -> None:
    comparison = compare_quantities("Ukraine captured 500 square miles of land", ISW)
    assert comparison == QuantityComparison()
    assert compare_quantities("Moscow launched 145 drones", ISW) == QuantityComparison()


def test_drones_and_weekdays() -> None:
    assert not compare_quantities("Russia launched 145 drones on Saturday", DRONES).has_mismatch
    assert compare_quantities("Russia launched 45 drones on Saturday", DRONES).has_mismatch
    weekday = compare_quantities("Russia launched 145 drones on Tuesday", DRONES)
    assert [pair.claim.kind for pair in weekday.mismatched] == [WEEKDAY]


def test_months_and_years() -> None:
    assert compare_quantities("The incursion began in August", ISW).matched
    assert compare_quantities("The incursion began in October", ISW).has_mismatch
    invasion = "Ties grew after Russia's invasion of Ukraine in February 2022."
    assert not compare_quantities("Russia invaded Ukraine in 2022", invasion).has_mismatch
    assert compare_quantities("Russia invaded Ukraine in 2019", invasion).has_mismatch
    assert compare_quantities("Russia invaded Ukraine in March", invasion).has_mismatch


def test_full_dates() -> None:
    passage = "Servicemen ride near the Russian border on August 10, 2024."
    assert compare_quantities("Troops were at the border on 10 August 2024", passage).matched
    assert compare_quantities("Troops were at the border on August 12, 2024", passage).mismatched


def test_claim_without_figures_is_empty() -> None:
    assert compare_quantities("The Kremlin denied the call", ISW) == QuantityComparison()


def test_comparison_to_dict_is_json() -> None:
    comparison = compare_quantities("Russia had 50,000 troops in Kursk", ISW)
    data = json.loads(json.dumps(comparison.to_dict()))
    assert data["mismatched"][0]["claim"]["value"] == 50000.0
    assert data["mismatched"][0]["passage"]["head"] == "troop"


def test_mismatch_moves_mass_to_contradiction_without_mutating() -> None:
    scores = NLIScores(entailment=0.7, neutral=0.2, contradiction=0.1)
    comparison = compare_quantities("Russia had 50,000 troops in Kursk", ISW)
    adjusted = NumberCheck().shift(scores, comparison)
    assert adjusted is not scores
    assert scores == NLIScores(entailment=0.7, neutral=0.2, contradiction=0.1)
    assert adjusted.contradiction > 0.6
    assert adjusted.entailment < scores.entailment
    total = adjusted.entailment + adjusted.neutral + adjusted.contradiction
    assert total == pytest.approx(1.0)


def test_a_mismatch_moves_little_neutral_mass() -> None:
    scores = NLIScores(entailment=0.05, neutral=0.9, contradiction=0.05)
    adjusted = NumberCheck().shift(
        scores, compare_quantities("Russia had 50,000 troops in Kursk.", ISW)
    )
    assert adjusted.neutral == pytest.approx(0.9 * 0.8)
    assert adjusted.entailment == pytest.approx(0.05 * 0.2)
    assert adjusted.label == "neutral"


def test_more_mismatches_push_harder() -> None:
    scores = NLIScores(entailment=0.5, neutral=0.4, contradiction=0.1)
    one = compare_quantities("Russia launched 45 drones", DRONES)
    two = compare_quantities("Russia launched 45 drones on Tuesday", DRONES)
    assert (
        NumberCheck().shift(scores, two).contradiction
        > NumberCheck().shift(scores, one).contradiction
    )


def test_match_leans_mildly_to_entailment() -> None:
    scores = NLIScores(entailment=0.3, neutral=0.6, contradiction=0.1)
    adjusted = NumberCheck().shift(scores, compare_quantities("Russia launched 145 drones", DRONES))
    assert scores.entailment < adjusted.entailment < scores.entailment + 0.15
    assert adjusted.contradiction == pytest.approx(scores.contradiction)


def test_nothing_comparable_leaves_scores_unchanged() -> None:
    scores = NLIScores(entailment=0.2, neutral=0.5, contradiction=0.3)
    adjusted = NumberCheck().shift(scores, QuantityComparison())
    assert dataclasses.astuple(adjusted) == pytest.approx(dataclasses.astuple(scores))


@pytest.mark.parametrize("weight", [-0.1, 1.5])
def test_bad_weight_is_refused(weight: float) -> None:
    with pytest.raises(ValueError, match="weight"):
        NumberCheck(weight=weight)


def test_real_news_sentence() -> None:
    if not NEWS.is_dir():
        pytest.skip(f"news corpus not found at {NEWS}")
    sentences = [
        line
        for path in sorted(NEWS.glob("*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if "11,000 troops" in line
    ]
    assert sentences
    comparison = compare_quantities("Russia had 50,000 troops in Kursk at first", sentences[0])
    assert comparison.has_mismatch


@pytest.mark.parametrize(
    "passage",
    [
        "The council approved the 2025 municipal budget on 14 March by a vote of seven to two.",
        "On March 14th the council voted seven to two.",
        "The vote on the 3rd of May was seven to two.",
    ],
)
def test_a_day_of_the_month_is_not_a_count(passage):
    comparison = compare_quantities("The budget passed by seven votes to two.", passage)
    assert not comparison.has_mismatch, comparison


def test_a_day_month_still_compares_its_month():
    comparison = compare_quantities("The council met in April.", "The council met on 14 March.")
    assert comparison.has_mismatch
