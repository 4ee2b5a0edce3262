"""Warnings for claims the models cannot read well: a bare topic, or a language other than English."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from verifier.claims import reading_warnings, validate_claim

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("claim", ["Kursk", "the budget", "Mark Rutte"])
def test_a_bare_topic_is_not_a_statement(claim):
    warnings = validate_claim(claim, 1000)[1]
    assert any(w.startswith("not a statement") for w in warnings)


@pytest.mark.parametrize(
    "claim",
    [
        "Россия захватила Курск в августе.",
        "La Russie a envoyé des soldats nord-coréens.",
        "Die Regierung hat den Haushalt im März beschlossen.",
        "Rusia envió tropas a la región de Kursk en agosto.",
        "Il governo ha approvato il bilancio a marzo.",
    ],
)
def test_a_claim_in_another_language_is_flagged(claim):
    assert any("English" in w for w in reading_warnings(claim))


@pytest.mark.parametrize(
    "claim",
    [
        "Prices rose sharply.",
        "North Korea sent troops.",
        "Russia fired 145 drones at Ukraine in one Saturday night.",
        "Trevor Noah hosts a news satire show.",
    ],
)
def test_plain_english_statements_get_no_warning(claim):
    assert reading_warnings(claim) == []


def test_none_of_the_projects_english_claims_is_flagged():
    lines = (REPO / "eval" / "claims" / "news_claims.jsonl").read_text().splitlines()
    lines += (REPO / "demo_claims.jsonl").read_text().splitlines()
    claims = [json.loads(line)["claim"] for line in lines]
    assert [c for c in claims if reading_warnings(c)] == []
