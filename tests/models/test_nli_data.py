"""The extra neutral pairs the training script can add: mismatched and retrieved premises."""

from __future__ import annotations

import random

import numpy as np
import pytest

from models.nli_data import NLIExample, mismatched_neutrals, retrieved_neutrals
from tests.fakes import content_words

FEVER = [
    NLIExample(
        "Soul Food is a 1997 film released by Fox.",
        "Fox released Soul Food.",
        "entailment",
        "fever",
    ),
    NLIExample(
        "Soul Food is a 1997 film released by Fox.",
        "Fox released the film Soul Food in 1997.",
        "entailment",
        "fever",
    ),
    NLIExample(
        "Fox 2000 Pictures is a film studio in Los Angeles.",
        "Fox Searchlight released Soul Food.",
        "not_entailment",
        "fever",
    ),
    NLIExample(
        "The Nile flows north through Egypt.",
        "The Nile flows through Egypt.",
        "entailment",
        "fever",
    ),
    NLIExample(
        "Egypt's capital is Cairo, on the Nile.",
        "Cairo is the capital of Egypt.",
        "entailment",
        "fever",
    ),
    NLIExample(
        "Mount Everest is in the Himalayas.", "Everest is in Nepal.", "not_entailment", "fever"
    ),
]


def bag_of_words(texts: list[str]) -> np.ndarray:
    """Exact bag-of-words vectors over FEVER's words (no hashing collisions), L2-normalised."""
    vocabulary = sorted(
        {w for e in FEVER for t in (e.premise, e.hypothesis) for w in content_words(t)}
    )
    vectors = np.zeros((len(texts), len(vocabulary)), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in content_words(text):
            vectors[row, vocabulary.index(word)] = 1.0
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


SNLI = [NLIExample("A man plays guitar.", "A man makes music.", "entailment", "snli")]


def test_mismatched_neutrals_keep_the_hypothesis_and_take_another_premise_of_its_source():
    made = mismatched_neutrals(FEVER + SNLI, 1.0, random.Random(3))
    assert made, "expected some mismatched pairs"
    originals = {(e.premise, e.hypothesis) for e in FEVER + SNLI}
    for example in made:
        assert example.label == "neutral"
        assert example.source in {"fever-mismatched", "snli-mismatched"}
        assert (example.premise, example.hypothesis) not in originals
    with pytest.raises(ValueError, match="fraction"):
        mismatched_neutrals(FEVER, 1.5, random.Random(0))


def test_retrieved_neutrals_take_a_near_premise_but_never_one_of_the_same_claim():
    made = retrieved_neutrals(FEVER + SNLI, 1.0, random.Random(0), bag_of_words, candidates=1)
    assert len(made) == len(FEVER)
    by_hypothesis = {e.hypothesis: e for e in made}
    assert {e.source for e in made} == {"fever-retrieved"}
    assert all(e.label == "neutral" for e in made)
    # The premise of its own rows (and of near-identical claims) is skipped...
    assert by_hypothesis["Fox released Soul Food."].premise != FEVER[0].premise
    # ...so the nearest other premise, sharing the most words, is the one chosen.
    assert by_hypothesis["Cairo is the capital of Egypt."].premise == FEVER[3].premise
    assert by_hypothesis["The Nile flows through Egypt."].premise == FEVER[4].premise
    # SNLI-style rows are left alone: an unrelated caption is a contradiction there.
    assert not any(e.hypothesis == SNLI[0].hypothesis for e in made)


def test_retrieved_neutrals_fraction_and_validation():
    assert retrieved_neutrals(FEVER, 0.0, random.Random(0), bag_of_words) == []
    half = retrieved_neutrals(FEVER, 0.5, random.Random(0), bag_of_words)
    assert len(half) == 3
    with pytest.raises(ValueError, match="fraction"):
        retrieved_neutrals(FEVER, -0.1, random.Random(0), bag_of_words)


def test_grouped_rows_are_held_out_together_and_ungrouped_rows_by_pair():
    from models.nli_data import split_heldout

    rows = [
        NLIExample(f"premise {n}", f"claim {n % 7}", "entailment", "fever-train", f"id:{n % 7}")
        for n in range(70)
    ] + [NLIExample(f"p {n}", f"h {n}", "neutral", "snli") for n in range(50)]
    train, heldout = split_heldout(rows, 0.3)
    held_groups = {e.group for e in heldout if e.group}
    assert held_groups and held_groups != {e.group for e in rows if e.group}
    assert not held_groups & {e.group for e in train}
    assert sum(e.source == "snli" for e in heldout) == 15


def test_fever_and_vitaminc_readers_group_by_claim_id_and_title(tmp_path):
    from models.nli_data import DataError, read_fever_train, read_vitaminc

    fever = tmp_path / "fever.jsonl"
    fever.write_text('{"premise": "P.", "hypothesis": "H.", "label": "entailment", "id": 7}\n')
    assert read_fever_train(fever)[0].group == "id:7"
    vitaminc = tmp_path / "vitaminc.jsonl"
    vitaminc.write_text(
        '{"premise": "P.", "hypothesis": "H.", "label": "neutral", "title": "Oslo"}\n'
    )
    assert read_vitaminc(vitaminc)[0].group == "title:Oslo"
    fever.write_text('{"premise": "P.", "hypothesis": "H.", "label": "entailment"}\n')
    with pytest.raises(DataError, match="fever.jsonl:1.*'id'"):
        read_fever_train(fever)


def test_nearest_rows_rank_by_dot_product_in_chunks():
    from models.nli_data import nearest_rows

    pool = np.eye(4, dtype=np.float32)
    queries = np.array([[0.1, 0.9, 0.5, 0.0], [1.0, 0.0, 0.0, 0.2]], dtype=np.float32)
    assert nearest_rows(queries, pool, 3, chunk=1) == [[1, 2, 0], [0, 3, 1]]


def test_retrieved_premises_skip_premises_whose_claims_say_the_same():
    from models.nli_data import UnpairedClaim, retrieved_premises

    pool = FEVER[:3]
    claims = [UnpairedClaim("Fox released the film Soul Food in 1997.", "fever-nei", "id:1")]
    made = retrieved_premises(claims, pool, bag_of_words, random.Random(0), candidates=1)
    assert len(made) == 1
    assert made[0].premise == "Fox 2000 Pictures is a film studio in Los Angeles."
    assert (made[0].label, made[0].source, made[0].group) == (
        "neutral",
        "fever-nei-retrieved",
        "id:1",
    )
