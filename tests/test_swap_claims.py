"""One-detail edits of the true demo and news claims, labelled by hand: none may be SUPPORTED.

The set (``eval/claims/swap_demo.jsonl``, ``swap_news.jsonl``) changes one detail of a
claim the corpus supports: a figure, a year or month, a name the corpus never uses,
"rejected" made "confirmed". A fact checker's worst answer to such a claim is
SUPPORTED. The test prints how many got it, and fails above the count the shipped
judge and verdict model reach (``models/MODEL_CARD.md``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from verifier import Verifier
from verifier.types import SUPPORTED

REPO = Path(__file__).resolve().parents[1]
CLAIMS = REPO / "eval" / "claims"
# Measured 5 with judge v15 and its verdict model (AMD EPYC, AVX-512; 6 with v11, 13 with v9,
# 11 with v8, 15 with v6, same machine); one more allowed, as verdicts near the decision
# boundary (SUPPORTED 0.42 for one swap) may tip on another CPU's float kernels.
FALSE_SUPPORTED_AT_MOST = 6


def read(name: str) -> list[dict[str, str]]:
    lines = (CLAIMS / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def verifiers(news_corpus, real_embedder, real_judge) -> dict[str, Verifier]:
    return {
        "demo": Verifier.from_corpus(
            REPO / "demo_corpus", embedder=real_embedder, judge=real_judge
        ),
        "news": Verifier.from_corpus(news_corpus, embedder=real_embedder, judge=real_judge),
    }


def test_the_swap_set_is_one_detail_edits_of_true_claims_with_a_label_each():
    rows = read("swap_demo.jsonl") + read("swap_news.jsonl")
    assert len(rows) >= 40
    assert {row["label"] for row in rows} <= {"REFUTED", "NOT_ENOUGH_INFO"}
    assert all(row["claim"] != row["original"] for row in rows)


def test_no_one_detail_edit_is_supported(verifiers, capsys):
    confirmed = []
    for corpus in ("demo", "news"):
        rows = read(f"swap_{corpus}.jsonl")
        verdicts = verifiers[corpus].verify_many([row["claim"] for row in rows])
        confirmed += [f"{v.claim} ({v.confidence:.2f})" for v in verdicts if v.label == SUPPORTED]
    with capsys.disabled():
        print(f"\nswap set: {len(confirmed)} false SUPPORTED", *confirmed, sep="\n  ")
    assert len(confirmed) <= FALSE_SUPPORTED_AT_MOST, confirmed


def test_a_country_the_corpus_never_names_as_the_actor_is_not_supported(verifiers):
    verdict = verifiers["news"].verify("Japan sent troops to help Russia in Kursk.")
    assert verdict.label != SUPPORTED
