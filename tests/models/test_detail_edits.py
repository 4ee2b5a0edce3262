"""One-detail edits: each kind changes one detail, keeps the format, and labels by the premise."""

from __future__ import annotations

import difflib
import random
import re

import pytest

from models.detail_edits import (
    REPORTERS,
    SPEAKERS,
    Lexicon,
    _permuted,
    antonym_edit,
    bound_edit,
    comparison_edit,
    detail_edits,
    figure_neutrals,
    month_edit,
    negation_edit,
    noun_edit,
    number_edit,
    organisation_edit,
    person_edit,
    place_edit,
    report_edit,
    report_frames,
    role_edit,
    scale_edit,
)
from models.nli_data import NLIExample, split_heldout

LEXICON = Lexicon.build(
    {"Mary": "female", "Linda": "female", "Susan": "female", "James": "male", "Robert": "male"},
    ["Smith", "Jones", "Brown", "Miller"],
    {"Japan": "country", "Chile": "country", "Kenya": "country", "Paris": "city", "Lyon": "city"},
)


def pair(premise: str, hypothesis: str, group: str = "id:1") -> NLIExample:
    return NLIExample(premise, hypothesis, "entailment", "fever-train", group)


def words_changed(before: str, after: str) -> int:
    """Words replaced, inserted or deleted between the two, by an alignment."""
    matcher = difflib.SequenceMatcher(a=before.split(), b=after.split())
    return sum(
        max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"
    )


@pytest.mark.parametrize("seed", range(20))
def test_a_figure_the_premise_states_changes_in_its_own_format(seed):
    example = pair("The plant employed 12,500 workers.", "The plant had 12,500 workers.")
    edit = number_edit(example, random.Random(seed))
    assert edit.label == "contradiction" and edit.source == "edit-number"
    (figure,) = re.findall(r"[\d,]+", edit.hypothesis)
    assert figure != "12,500" and re.fullmatch(r"\d{1,3}(,\d{3})+", figure)
    assert figure not in example.premise
    assert edit.premise == example.premise and edit.group == example.group


def test_a_round_figure_is_changed_to_another_as_round():
    example = pair("The plant employed 50,000 workers.", "The plant had 50,000 workers.")
    figures = set()
    for seed in range(60):
        edit = number_edit(example, random.Random(seed))
        (figure,) = re.findall(r"[\d,]+", edit.hypothesis)
        figures.add(figure)
        # Only the leading digit moves, or a zero is added or dropped by a magnitude edit.
        assert re.fullmatch(r"[1-9]0{0,2}(,000)+|[1-9]0{3}", figure), figure
    assert len(figures - {"5,000", "500,000"}) >= 3


@pytest.mark.parametrize("seed", range(20))
def test_a_year_moves_by_under_a_decade(seed):
    example = pair("She was born in 1970 in Ohio.", "She was born in 1970.")
    edit = number_edit(example, random.Random(seed))
    year = int(re.search(r"\d{4}", edit.hypothesis).group(0))
    assert edit.source == "edit-year" and 0 < abs(year - 1970) <= 9


def test_a_figure_the_premise_does_not_state_and_model_numbers_are_left_alone():
    assert number_edit(pair("Many workers.", "It had 300 workers."), random.Random(0)) is None
    assert (
        number_edit(pair("The Boeing 767 flew.", "The Boeing 767 flew."), random.Random(0)) is None
    )


def test_a_month_changes_to_one_the_premise_does_not_name():
    example = pair("The album came out in March and April 2001.", "The album came out in March.")
    for seed in range(10):
        edit = month_edit(example, random.Random(seed))
        assert edit.label == "contradiction"
        new = edit.hypothesis.split()[-1].rstrip(".")
        assert new not in {"March", "April"} and new[0].isupper()


def test_a_person_becomes_another_of_the_same_gender_never_named_in_the_premise():
    assert (
        person_edit(pair("She won the race.", "Mary Smith won a race."), random.Random(0), LEXICON)
        is None
    )
    example = pair("Mary Smith won the race.", "Mary Smith won a race, and Smith was glad.")
    edit = person_edit(example, random.Random(0), LEXICON)
    assert edit.label == "neutral" and edit.source == "edit-person"
    first, last = edit.hypothesis.split()[:2]
    assert LEXICON.first_names[first] == "female" and first != "Mary"
    assert last != "Smith" and "Smith" not in edit.hypothesis


def test_a_person_named_by_surname_alone_becomes_another_surname():
    premise = "President Vladimir Putin said the talks failed, and Mary Stiller agreed."
    for hypothesis, surname in [
        ("Putin said the talks failed.", "Putin"),
        ("Stiller agreed.", "Stiller"),
    ]:
        edit = person_edit(pair(premise, hypothesis), random.Random(0), LEXICON)
        new = edit.hypothesis.split()[0]
        assert edit.label == "neutral" and edit.source == "edit-person"
        assert new != surname and new in LEXICON.last_names and new not in premise
        assert edit.hypothesis.split()[1:] == hypothesis.split()[1:]
    # A firm that speaks, a work titled like a person, a surname without its person in the
    # premise, and a name inside a longer one are left alone.
    for premise, hypothesis in [
        ("Microsoft said profits rose.", "Microsoft said profits rose."),
        ("Milk is a 2008 film about the politician Harvey Milk.", "Milk is a film."),
        ("The talks failed, Putin said.", "Putin said the talks failed."),
        ("Singer Mary Stiller won.", "The Stiller Prize was won."),
    ]:
        assert person_edit(pair(premise, hypothesis), random.Random(0), LEXICON) is None, premise


def test_a_place_becomes_another_of_its_kind():
    example = pair("Japan sent troops to Paris.", "Japan sent troops.")
    assert (
        place_edit(pair("They sent troops.", "Japan sent troops."), random.Random(0), LEXICON)
        is None
    )
    edit = place_edit(example, random.Random(0), LEXICON)
    assert edit.label == "neutral" and edit.hypothesis.split()[0] in {"Chile", "Kenya"}


def test_a_place_the_premise_names_by_its_adjective_is_swapped():
    # The Kursk claim: the passage says "North Korean troops", the claim "North Korea".
    lexicon = Lexicon.build({}, [], {"North Korea": "country", "South Sudan": "country"})
    example = pair(
        "Russia was helped by North Korean troops in Kursk.", "North Korea sent troops to Kursk."
    )
    edit = place_edit(example, random.Random(0), lexicon)
    assert edit.label == "neutral" and edit.hypothesis == "South Sudan sent troops to Kursk."
    # A new place named by its adjective in the premise is no swap at all.
    lexicon = Lexicon.build({}, [], {"Japan": "country", "Kenya": "country"})
    example = pair("Japan and Kenyan troops met.", "Japan sent troops.")
    assert place_edit(example, random.Random(0), lexicon) is None


def test_a_denial_becomes_a_confirmation_only_where_the_premise_says_it():
    example = pair("The Kremlin denied the call took place.", "The Kremlin denied the call.")
    edit = report_edit(example, random.Random(0))
    assert edit.hypothesis in {"The Kremlin confirmed the call.", "The Kremlin admitted the call."}
    assert edit.label == "contradiction"
    assert report_edit(pair("It was said.", "The Kremlin denied it."), random.Random(0)) is None


def test_antonyms_keep_grammar_and_titles():
    example = pair("Prices rose sharply in May.", "Prices rose in May.")
    assert antonym_edit(example, random.Random(0)).hypothesis == "Prices fell in May."
    # "has" as an auxiliary is not possession, and a title is not an adverb.
    assert antonym_edit(pair("He has won twice.", "He has won."), random.Random(0)) is None
    assert (
        antonym_edit(pair("Before We Go is a film.", "Film Before We Go."), random.Random(0))
        is None
    )


def test_negation_inserts_or_removes_one_not():
    assert negation_edit(pair("p", "The film was released."), random.Random(0)).hypothesis == (
        "The film was not released."
    )
    assert negation_edit(pair("p", "The film was not released."), random.Random(0)).hypothesis == (
        "The film was released."
    )


def test_each_edit_changes_one_detail():
    example = pair(
        "Mary Smith of Japan was the first to rise in 1990.", "Mary Smith was the first in 1990."
    )
    for maker in (number_edit, negation_edit, antonym_edit):
        edit = maker(example, random.Random(1))
        assert edit is not None and words_changed(example.hypothesis, edit.hypothesis) <= 2


def test_figure_neutrals_pair_a_claim_with_another_groups_passage_that_lacks_its_figure():
    claim = pair("Agassi won 8 titles.", "Agassi won 8 titles.", "id:1")
    other = NLIExample("Agassi was born in 1970.", "x", "entailment", "fever-train", "id:2")
    same_figure = NLIExample("Agassi had 8 coaches.", "y", "entailment", "fever-train", "id:3")
    made = figure_neutrals([claim, other, same_figure], 5, random.Random(0))
    assert [(m.premise, m.hypothesis, m.label) for m in made] == [
        ("Agassi was born in 1970.", "Agassi won 8 titles.", "neutral")
    ]
    assert made[0].group == "id:1"


def test_detail_edits_balance_kinds_and_keep_edits_on_their_originals_side():
    rows = [
        pair(
            f"Mary Smith was born in {1900 + i} in Paris.",
            f"Mary Smith was born in {1900 + i}.",
            f"id:{i}",
        )
        for i in range(200)
    ]
    made = detail_edits(rows, 120, random.Random(0), lexicon=LEXICON, figure_neutral_share=0.0)
    kinds = {m.source for m in made}
    assert {"edit-year", "edit-person", "edit-negation"} <= kinds
    counts = [sum(m.source == kind for m in made) for kind in kinds]
    assert max(counts) - min(counts) <= 1
    train, held = split_heldout(rows, 0.2)
    held_groups = {e.group for e in held}
    _, held_after = split_heldout(rows + made, 0.2)
    assert {e.group for e in held_after} == held_groups


def test_bounds_and_lookalikes_are_not_edited():
    rng = random.Random(0)
    # Another figure or month may still meet a bound.
    assert number_edit(pair("It had 72,000 cases.", "It had more than 70,000 cases."), rng) is None
    assert month_edit(pair("It came out in July.", "It came out after May."), rng) is None
    # "may" the verb is not May the month.
    assert month_edit(pair("It may rain in May.", "Hearing loss may come."), rng) is None
    # "confirmed" as a count's adjective or in the passive is not a report.
    assert report_edit(pair("8 confirmed cases.", "There were 8 confirmed cases."), rng) is None
    assert report_edit(pair("Cases were confirmed.", "Cases were confirmed."), rng) is None


def test_a_place_inside_a_longer_name_is_not_swapped():
    rng = random.Random(0)
    for hypothesis in (
        "Denzel Washington acts.",
        "The Nice Guys is a film.",
        "Robert F. Paris ran.",
    ):
        assert place_edit(pair("p", hypothesis), rng, LEXICON) is None


def _verb_after(text: str, subjects: tuple[str, ...]) -> str:
    """The word after the subject that opens ``text``."""
    subject = next(s for s in subjects if text.startswith(s))
    return text[len(subject) :].split()[0]


def _speaker_of(premise: str) -> str:
    """The speaker who denied or stayed silent in a trailing report."""
    who = premise.rsplit(", ", 1)[1].split(" ", 1)[1]
    return next(s for s in SPEAKERS if who.lower().startswith(s.lower()))


def test_report_frames_set_a_denial_against_a_confirmation_and_keep_the_fact_unsettled():
    rows = [
        pair(
            f"The movie came out in {1990 + i}.", f"The film was released in {1990 + i}.", f"id:{i}"
        )
        for i in range(200)
    ]
    made = report_frames(rows, random.Random(0))
    assert len(made) == 200 and {m.group for m in made} == {r.group for r in rows}
    speakers = tuple(SPEAKERS)
    for frame in made:
        denies = any(
            word in frame.premise for word in ("denied", "rejected", "dismissed", "refuted")
        )
        # The report frames either the claim or the passage, in the passage's words.
        assert "The film was released" in frame.premise.replace("the film", "The film") or (
            "the movie came out" in frame.premise
        )
        # The speaker opens the report, or answers after others reported the fact.
        said_by = next(s for s in speakers if s.lower() in frame.premise.lower())
        trailing = frame.premise.endswith("denied it.")
        assert frame.premise.startswith(said_by) != trailing
        if trailing:
            assert frame.premise.startswith(REPORTERS)
        if trailing and frame.hypothesis.startswith(REPORTERS):
            # The others' report retold is entailed, however the claim words it.
            assert frame.label == "entailment"
            assert frame.hypothesis.startswith(
                next(r for r in REPORTERS if frame.premise.startswith(r))
            )
        elif frame.label == "contradiction":
            confirms = any(w in frame.hypothesis for w in ("confirmed", "acknowledged", "admitted"))
            assert denies == confirms or "neither" in frame.premise
            assert frame.hypothesis.startswith(said_by)
        elif frame.label == "neutral":
            # The fact alone under a denial, or the report put in another speaker's mouth.
            assert (
                frame.hypothesis.startswith("The film was released")
                and "confirmed that" not in frame.premise
            ) or not frame.hypothesis.startswith(said_by)
        elif trailing and frame.hypothesis.startswith("The film"):
            assert frame.label == "entailment"  # others confirmed the fact
        else:
            assert frame.label == "entailment" and "neither" not in frame.premise
            assert frame.hypothesis.startswith(said_by) and denies == any(
                w in frame.hypothesis for w in ("denied", "rejected", "dismissed", "refuted")
            )
    assert {m.label for m in made} == {"contradiction", "neutral", "entailment"}
    assert any("the movie came out" in m.premise for m in made)
    assert any(" has neither confirmed nor denied that " in m.premise for m in made)
    # Under a trailing report the speaker's confirmation contradicts it, while the fact
    # itself, which others confirmed, is entailed.
    after_others = [m for m in made if m.premise.endswith("denied it.")]
    silent = [
        m
        for m in after_others
        if m.hypothesis.startswith(_speaker_of(m.premise))
        and any(w in m.hypothesis for w in ("confirmed", "acknowledged", "admitted"))
    ]
    assert silent and {m.label for m in silent} == {"contradiction"}
    assert {m.label for m in after_others if m.hypothesis.startswith("The film")} == {"entailment"}
    # The others' report retold is entailed, in several wordings, and a third speaker's
    # confirmation is neutral.
    retold = [m for m in after_others if m.hypothesis.startswith(REPORTERS)]
    assert {m.label for m in retold} == {"entailment"}
    assert len({_verb_after(m.hypothesis, REPORTERS) for m in retold}) >= 3
    third = [
        m
        for m in after_others
        if not m.hypothesis.startswith((_speaker_of(m.premise), "The film", *REPORTERS))
    ]
    assert third and {m.label for m in third} == {"neutral"}
    # The report put in another speaker's mouth is neutral.
    assert any(
        m.label == "neutral"
        and m.hypothesis.startswith(speakers)
        and not m.hypothesis.startswith(next(s for s in speakers if m.premise.startswith(s)))
        for m in made
        if m.premise.startswith(speakers)
    )
    for m in made:  # the perfect tense agrees with its speaker
        speaker = next(s for s in speakers if s.lower() in m.premise.lower())
        said = m.premise.lower().split(speaker.lower(), 1)[1]
        if said.startswith((" has ", " have ")):
            plural = speaker in ("Officials", "The police")
            assert said.startswith(" have " if plural else " has "), m.premise


def test_a_figure_edit_may_reorder_the_digits_and_keeps_the_scale():
    example = pair(
        "The army has 1.2 million soldiers and 212,000 reservists.",
        "The army has 1.2 million soldiers and 212,000 reservists.",
    )
    edits = {number_edit(example, random.Random(seed)).hypothesis for seed in range(60)}
    assert "The army has 2.1 million soldiers and 212,000 reservists." in edits
    assert "The army has 1.2 million soldiers and 221,000 reservists." in edits
    assert all(
        number_edit(example, random.Random(seed)).label == "contradiction" for seed in range(5)
    )
    # One repeated digit has no other order; trailing zeros stay where they are.
    assert _permuted("1,100", random.Random(0)) is None
    assert _permuted("3,000", random.Random(0)) is None


def test_a_scale_word_changes_only_after_a_stated_figure_and_not_after_a_bound():
    example = pair(
        "The depot will cost 6.8 million dollars.", "The depot costs 6.8 million dollars."
    )
    edit = scale_edit(example, random.Random(0))
    assert edit.label == "contradiction"
    assert edit.hypothesis in {
        "The depot costs 6.8 thousand dollars.",
        "The depot costs 6.8 billion dollars.",
    }
    # "millions of" has no figure; "more than 5 million" still holds of "5 thousand".
    assert (
        scale_edit(pair("Millions of people voted.", "Millions of people voted."), random.Random(0))
        is None
    )
    bound = pair("It sold more than 5 million copies.", "It sold more than 5 million copies.")
    assert scale_edit(bound, random.Random(0)) is None
    # A currency sign before the figure, and a figure after "of", are still quantities.
    priced = pair("The fund holds $ 34.5 million.", "The fund has a value of $34.5 million.")
    assert scale_edit(priced, random.Random(0)).hypothesis in {
        "The fund has a value of $34.5 thousand.",
        "The fund has a value of $34.5 billion.",
    }


def test_a_figure_after_of_or_by_is_a_quantity_but_one_after_up_to_is_a_bound():
    town = pair("The town had a population of 5,000.", "The town had a population of 5,000.")
    assert number_edit(town, random.Random(0)).label == "contradiction"
    capped = pair("The hall seats up to 400 people.", "The hall seats up to 400 people.")
    assert number_edit(capped, random.Random(0)) is None
    dated = pair("It closed by the end of 2010.", "It closed by the end of 2010.")
    assert number_edit(dated, random.Random(0)) is None


def test_won_becomes_lost_only_before_the():
    edit = antonym_edit(
        pair("She won the election in May.", "She won the election."), random.Random(0)
    )
    assert edit.hypothesis == "She lost the election." and edit.label == "contradiction"
    assert antonym_edit(pair("She won an award.", "She won an award."), random.Random(0)) is None


def test_most_becomes_few_only_before_of():
    example = pair("He said most of its troops lack it.", "He said most of its troops lack it.")
    edits = {antonym_edit(example, random.Random(seed)).hypothesis for seed in range(10)}
    assert "He said few of its troops lack it." in edits
    ranked = pair("It is among the 100 most influential people.", "It is the most influential.")
    assert antonym_edit(ranked, random.Random(0)) is None


def test_an_institution_is_renamed_for_one_the_premise_never_names():
    example = pair("The Leeds Public Library opened in 1998.", "The Leeds Public Library opened.")
    edit = organisation_edit(example, random.Random(0), LEXICON)
    assert edit.label == "neutral"
    assert edit.hypothesis.endswith(" Public Library opened.")
    new_name = edit.hypothesis.split()[1]
    assert new_name != "Leeds" and new_name in {
        "Paris",
        "Lyon",
        "Smith",
        "Jones",
        "Brown",
        "Miller",
    }
    # A run that is not an institution's name is left alone.
    assert (
        organisation_edit(pair("Millbrook grew.", "Millbrook grew."), random.Random(0), LEXICON)
        is None
    )


def test_a_noun_is_swapped_within_its_class_and_the_article_follows():
    example = pair("He is a singer from Ohio.", "He is a singer.")
    for seed in range(20):
        edit = noun_edit(example, random.Random(seed))
        assert edit.label == "neutral"
        article, noun = edit.hypothesis.split()[2:4]
        assert noun.rstrip(".") != "singer"
        assert article == ("an" if noun[0] in "aeiou" else "a")
    # The premise using the new noun too would make the edit no contrast.
    assert noun_edit(pair("It was a film.", "It is a novel."), random.Random(0)) is None


def test_a_figure_edit_may_add_or_drop_a_zero():
    example = pair("Officials say 10,000 soldiers were sent.", "10,000 soldiers were sent.")
    edits = {number_edit(example, random.Random(seed)).hypothesis for seed in range(80)}
    assert {"100,000 soldiers were sent.", "1,000 soldiers were sent."} <= edits
    odd = pair("The club has 35 members.", "The club has 35 members.")
    edits = {number_edit(odd, random.Random(seed)).hypothesis for seed in range(80)}
    assert "The club has 350 members." in edits and "The club has 3 members." not in edits
    # Days, scores and percentages are no counts: ten times one is no date, score or share.
    for text, bad in [
        ("Flights stopped until 26 April 2020.", "260"),
        ("It died on the 30th of April.", "300th"),
        ("They lost 30–1 at home.", "300"),
        ("It holds a rating of 30 % there.", "300"),
    ]:
        edits = [number_edit(pair(text, text), random.Random(seed)) for seed in range(80)]
        assert not any(bad in edit.hypothesis for edit in edits if edit), text
    # Under a negation another figure is no contradiction: "never won 170" is true of 17;
    # and "the top 10" is a bound, which "the top 100" still meets.
    negated = pair("She won 17 awards.", "She never won 17 awards.")
    assert number_edit(negated, random.Random(0)) is None
    ranked = pair("It was in the top 10 twice.", "It was in the top 10.")
    assert number_edit(ranked, random.Random(0)) is None
    # A figure the premise gives only as a bound, a number word after a bound, a day and a
    # model name are left alone.
    for premise, hypothesis in [
        ("It earned over $ 4 billion.", "It earned $ 4 billion."),
        ("It went platinum less than three months later.", "It went platinum in three months."),
        ("It went platinum in three months.", "It went platinum less than three months later."),
        ("Cases rose on 30th April.", "Cases rose on 30th April."),
        ("Samsung made the iPhone 4.", "Samsung made the iPhone 4."),
        ("21 Jump Street is a 2012 film.", "21 Jump Street is a film."),
        ("24 is a 2016 film.", "24 is a film."),
        ("He has over 80 top-10 finishes.", "He has 80 top-10 finishes."),
    ]:
        assert number_edit(pair(premise, hypothesis), random.Random(0)) is None, hypothesis


@pytest.mark.parametrize("seed", range(12))
def test_a_lower_bound_moved_out_is_neutral_and_moved_in_is_entailed(seed):
    example = pair(
        "Both estimate that more than 10,000 soldiers have been sent.",
        "More than 10,000 soldiers have been sent.",
    )
    edit = bound_edit(example, random.Random(seed))
    assert (edit.hypothesis, edit.label) in {
        ("More than 100,000 soldiers have been sent.", "neutral"),
        ("More than 1,000 soldiers have been sent.", "entailment"),
    }
    assert edit.source == "edit-bound" and edit.premise == example.premise
    # A bound not ending in zero is only moved out.
    odd = pair("It sold at least 15 copies.", "It sold at least 15 copies.")
    assert bound_edit(odd, random.Random(seed)).hypothesis == "It sold at least 150 copies."


@pytest.mark.parametrize("seed", range(12))
def test_a_bound_moved_past_the_figure_the_premise_states_is_a_contradiction(seed):
    example = pair("It sold 72,000 copies in 2010.", "It sold more than 70,000 copies.")
    edit = bound_edit(example, random.Random(seed))
    assert (edit.hypothesis, edit.label) in {
        ("It sold more than 700,000 copies.", "contradiction"),
        ("It sold more than 7,000 copies.", "entailment"),
    }


def test_a_bound_after_with_or_a_negation_or_without_its_figure_is_not_moved():
    rng = random.Random(0)
    # After "with" the bound picks out a class: "more than 2" children there is not weaker.
    families = pair(
        "Families with more than 20 children get aid.",
        "Families with more than 20 children get aid.",
    )
    assert bound_edit(families, rng) is None
    # Under a negation the entailment runs the other way.
    capped = pair(
        "No industry employs more than 14 percent of workers.",
        "No industry employs more than 14 percent of workers.",
    )
    assert bound_edit(capped, rng) is None
    # Two counts of the same thing could each be the one meant; a bound under 10 is left alone.
    two = pair(
        "It sold 72,000 copies in May and 81,000 copies in June.",
        "It sold more than 70,000 copies.",
    )
    assert bound_edit(two, rng) is None
    # The count of the claim's own thing decides among counts of several things, and an
    # ordinal or a year is no count.
    several = pair(
        "The 2nd album sold 72,000 copies in 2010 to 81,000 buyers.",
        "It sold more than 70,000 copies.",
    )
    assert {bound_edit(several, random.Random(seed)).label for seed in range(12)} == {
        "contradiction",
        "entailment",
    }
    # A premise's figure that is itself a bound states no figure to move past.
    over = pair("Over 100 colleges closed.", "More than 99 colleges closed.")
    assert all(bound_edit(over, random.Random(seed)) is None for seed in range(6))
    assert bound_edit(pair("It has at least 5 rooms.", "It has at least 5 rooms."), rng) is None


_COMPARISON = re.compile(
    r"(more than|over|at least|less than|under|at most) (\$?)([\d,]+(?:\.\d+)?)"
)


@pytest.mark.parametrize("seed", range(20))
def test_a_stated_figure_made_a_bound_is_labelled_by_the_arithmetic(seed):
    example = pair(
        "The film grossed $113 million in 2015 and drew 61 % from critics.",
        "The film grossed $113 million.",
    )
    edit = comparison_edit(example, random.Random(seed))
    found = _COMPARISON.search(edit.hypothesis)
    assert found is not None and edit.hypothesis.startswith("The film grossed ")
    assert edit.hypothesis.endswith(" million.") and found.group(2) == "$"
    bound = float(found.group(3).replace(",", ""))
    assert bound != 113 and 113 * 0.75 <= bound <= 113 * 1.25
    stated = 113
    holds = (
        bound < stated if found.group(1) in ("more than", "over", "at least") else bound > stated
    )
    assert edit.label == ("entailment" if holds else "contradiction")
    assert edit.source == "edit-comparison" and edit.premise == example.premise


def test_comparisons_keep_the_format_and_take_both_labels_and_sides():
    example = pair(
        "The region had 50,000 troops and a rating of 7.5 in all.", "The region had 50,000 troops."
    )
    edits = [comparison_edit(example, random.Random(seed)) for seed in range(40)]
    edits = [edit for edit in edits if edit is not None]
    assert {edit.label for edit in edits} == {"entailment", "contradiction"}
    words = {_COMPARISON.search(edit.hypothesis).group(1) for edit in edits}
    assert words & {"more than", "over", "at least"} and words & {"less than", "under", "at most"}
    for edit in edits:
        figure = _COMPARISON.search(edit.hypothesis).group(3)
        assert re.fullmatch(r"\d{2},\d{3}", figure) and figure.endswith("000")  # round stays round
    rated = pair("It has a rating of 7.5 out of 10.", "It scored 7.5 out of 10 with critics.")
    edit = comparison_edit(rated, random.Random(1))
    assert re.search(
        r"scored (more than|over|at least|less than|under|at most) \d\.\d out", edit.hypothesis
    )


@pytest.mark.parametrize(
    ("premise", "hypothesis"),
    [
        ("About 50,000 troops were sent.", "Russia sent 50,000 troops."),  # approximate
        ("More than 50,000 troops were sent.", "Russia sent 50,000 troops."),  # a bound
        ("19 is Adele's debut album.", "19 is an album by Adele."),  # a title opens the claim
        ("The lead came with 4:23 remaining.", "The lead came with 4:23 remaining."),  # a time
        ("It peaked at # 23 in March.", "It peaked at # 23 on the chart."),  # a rank
        ("It might be 20 to 30 times higher.", "It could be 20 to 30 times higher."),  # a range
        ("It ran for 102 episodes.", "It never ran for 102 episodes."),  # a negation
        ("It ran for 102 episodes.", "It ran for 110 episodes."),  # the premise lacks it
        ("The first season had 13 episodes.", "Season 13 was the last."),  # a label
        ("He was born in 1949 in Glasgow.", "He was born in 1949."),  # a year
        ("Her debut album was called 19 .", "Her debut was called 19 ."),  # a name
    ],
)
def test_figures_that_are_not_plain_quantities_are_not_made_bounds(premise, hypothesis):
    assert comparison_edit(pair(premise, hypothesis), random.Random(0)) is None


def test_an_actor_becomes_another_the_premise_names_in_another_role():
    rng = random.Random(0)
    army = pair(
        "Japan's spy agency says Kenya's army has 20,000 soldiers.",
        "Kenya's army has 20,000 soldiers.",
    )
    edit = role_edit(army, rng, LEXICON)
    assert (edit.hypothesis, edit.label, edit.source) == (
        "Japan's army has 20,000 soldiers.",
        "neutral",
        "edit-role",
    )
    quote = pair(
        "Robert Jones said on Monday that James Brown had resigned.", "James Brown had resigned."
    )
    assert role_edit(quote, rng, LEXICON).hypothesis == "Robert Jones had resigned."


@pytest.mark.parametrize(
    ("premise", "hypothesis"),
    [
        # Names in one list: what the premise says of one it may say of all.
        ("Japan, Chile and Kenya sent troops.", "Kenya sent troops."),
        ("It is bordered by Chile to the west, Kenya to the east.", "It borders Kenya."),
        ("It starred James Brown and Robert Jones.", "It starred James Brown."),
        # Another name of the same person.
        ("Robert Smith, known as James Brown, is an actor.", "James Brown is an actor."),
        ('Robert Lee " Bob " Brown is an actor.', "James Brown is an actor."),
        # A place inside a longer name, and no other actor of the kind in the premise.
        ("The Gulf of Kenya lies by Japan.", "The Gulf of Kenya is warm."),
        ("Kenya's army has 20,000 soldiers.", "Kenya's army has 20,000 soldiers."),
        # A woman's name for a man's would change more than the actor.
        ("Mary Jones said that James Brown had resigned.", "James Brown had resigned."),
    ],
)
def test_no_role_swap_where_the_premise_may_say_it_of_both_or_names_no_other(premise, hypothesis):
    assert role_edit(pair(premise, hypothesis), random.Random(0), LEXICON) is None
