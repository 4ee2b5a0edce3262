"""How a claim's details meet a passage: hand-made cases for each measure."""

from __future__ import annotations

import pytest

from verifier.decision.details import DETAIL_NAMES, NO_PASSAGE, compare_details


def test_an_actor_the_passage_never_names_is_absent():
    details = compare_details(
        "Japan sent troops to help Russia in Kursk.",
        "North Korea sent about 11,000 troops to Russia to help retake Kursk.",
    )
    assert details.names_absent == pytest.approx(1 / 3)
    assert details.figures_absent == 0.0 and details.negation_differs == 0.0


def test_figures_are_matched_whole_and_another_figure_is_flagged():
    same = compare_details("Russia fired 145 drones.", "Moscow launched a total of 145 drones.")
    assert (same.figures_absent, same.figures_other) == (0.0, 0.0)
    other = compare_details("Russia fired 300 drones.", "Moscow launched a total of 145 drones.")
    assert (other.figures_absent, other.figures_other) == (1.0, 1.0)
    commas = compare_details("It cost 12,500 dollars.", "The bill was 12500 dollars.")
    assert commas.figures_absent == 0.0
    words = compare_details("Two ministers resigned.", "2 ministers resigned on Monday.")
    assert words.figures_absent == 0.0


def test_no_figures_in_the_passage_is_absent_but_not_other():
    details = compare_details("Russia fired 300 drones.", "Russia fired drones.")
    assert (details.figures_absent, details.figures_other) == (1.0, 0.0)


def test_months_and_negation():
    details = compare_details(
        "The Kremlin confirmed the call in March.", "The Kremlin denied the call in August."
    )
    assert details.months_absent == 1.0 and details.negation_differs == 1.0
    assert compare_details("It may rain.", "It rained.").months_absent == 0.0


def test_coverage_is_the_share_of_content_words_by_stem():
    details = compare_details(
        "The council approved the budget.", "The council's approval of the budget."
    )
    assert details.coverage == 1.0
    assert compare_details("The council approved the budget.", "Rain fell.").coverage == 0.0


def test_values_follow_the_names_and_no_passage_states_nothing():
    assert len(NO_PASSAGE.values()) == len(DETAIL_NAMES)
    assert dict(zip(DETAIL_NAMES, NO_PASSAGE.values(), strict=True))["coverage"] == 0.0
