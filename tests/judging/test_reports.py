"""Reporting stance (confirmed / denied / unconfirmed) and the entailment a clash withdraws."""

from __future__ import annotations

import pytest

from verifier.judging.reports import (
    CONFIRMED,
    DENIED,
    UNCONFIRMED,
    ReportCheck,
    compare_reports,
    report_stance,
)
from verifier.types import NLIScores


@pytest.mark.parametrize(
    ("text", "stance"),
    [
        ("Moscow has officially confirmed that North Korean troops are fighting.", CONFIRMED),
        ("NATO acknowledged the deployment.", CONFIRMED),
        ("Moscow has neither confirmed nor denied the reports.", UNCONFIRMED),
        ("The Kremlin didn't confirm the call.", UNCONFIRMED),
        ("Officials have not yet confirmed it.", UNCONFIRMED),
        ("Kyiv has yet to confirm the figure.", UNCONFIRMED),
        ("The claim remains unconfirmed.", UNCONFIRMED),
        ("The Kremlin has denied reports of a phone call.", DENIED),
        ("Peskov dismissed the claim as fiction.", DENIED),
        ("The Kremlin rejected reports that Trump had called.", DENIED),
        ("He did not deny the report.", None),
        ("Russia launched 145 drones at Ukraine.", None),
    ],
)
def test_report_stance(text, stance):
    assert report_stance(text) == stance


def test_different_stances_clash_and_the_note_names_both():
    clash = compare_reports(
        "Moscow confirmed the troops.", "Moscow neither confirmed nor denied it."
    )
    assert clash.clash
    assert clash.note == "claim says confirmed; passage says unconfirmed"
    same = compare_reports("The Kremlin rejected the reports.", "Peskov denied the reports.")
    assert not same.clash and same.note == ""
    assert not compare_reports("Moscow confirmed it.", "Troops were seen in Kursk.").clash


def test_a_clash_moves_entailment_to_contradiction():
    scores = NLIScores(entailment=0.9, neutral=0.05, contradiction=0.05)
    clash = compare_reports("Moscow confirmed it.", "Moscow has not confirmed it.")
    moved = ReportCheck().shift(scores, clash)
    assert moved.entailment == pytest.approx(0.18)
    assert moved.contradiction == pytest.approx(0.77)
    assert moved.neutral == 0.05
    no_clash = compare_reports("Moscow confirmed it.", "Moscow confirmed it again.")
    assert ReportCheck().shift(scores, no_clash) is scores
    with pytest.raises(ValueError, match="weight"):
        ReportCheck(weight=-1)
