"""The fitted verdict: features, the model's JSON, and decisions on hand-made judgement sets."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from verifier.decision import (
    FEATURES,
    DecisionModelError,
    FittedDecider,
    VerdictModel,
    claim_features,
    make_decider,
)
from verifier.decision.fitted import CLASSES
from verifier.registry import VERDICT_MODELS
from verifier.types import (
    CONFLICTING,
    NOT_ENOUGH_INFO,
    REFUTED,
    REFUTES,
    SUPPORTED,
    SUPPORTS,
    JudgedPassage,
    NLIScores,
    Passage,
)


def judged(
    entail: float, contra: float, doc: str = "a", score: float = 0.7, notes: tuple = ()
) -> JudgedPassage:
    neutral = round(1.0 - entail - contra, 6)
    passage = Passage(doc, f"{doc}.txt", doc.upper(), f"sentence {doc} {entail} {contra}", 0, 5)
    return JudgedPassage(passage, score, NLIScores(entail, neutral, contra), notes)


def toy_model(**changes) -> VerdictModel:
    """Support grows with relevant entailment, refutation with relevant contradiction."""
    width = len(FEATURES)
    rows = [[0.0] * width for _ in CLASSES]
    rows[0][FEATURES.index("relevant_entailment")] = 12.0
    rows[1][FEATURES.index("relevant_contradiction")] = 12.0
    model = VerdictModel(
        mean=(0.0,) * width,
        scale=(1.0,) * width,
        coefficients=tuple(tuple(row) for row in rows),
        intercepts=(0.0, 0.0, 4.0),
        conflict_threshold=0.8,
    )
    return replace(model, **changes)


def features_of(items) -> dict[str, float]:
    return dict(zip(FEATURES, claim_features("a claim", items), strict=True))


def test_features_count_distinct_documents_and_ranks():
    items = [judged(0.1, 0.1, "a", 0.9), judged(0.9, 0.0, "b", 0.8), judged(0.8, 0.1, "b", 0.6)]
    values = features_of(items)
    assert values["supporting_documents"] == 1.0
    assert values["refuting_documents"] == 0.0
    assert values["entailment_rank"] == 1.0
    assert values["best_retrieval"] == 0.9
    assert values["entailment_retrieval"] == 0.8
    assert values["relevant_entailment"] == pytest.approx(0.72)
    assert values["top_entailment"] == 0.1


def test_features_of_nothing_say_nothing_is_relevant():
    values = features_of([])
    assert values["best_retrieval"] == 0.0
    assert values["max_entailment"] == 0.0
    assert values["mean_neutral"] == 1.0


def test_detail_features_read_the_passage_that_most_entails_and_weigh_by_its_entailment():
    items = [judged(0.2, 0.1, "a", 0.9), judged(0.8, 0.1, "b", 0.5)]
    values = features_of(items)
    # "a claim" against the fake passages: its one content word is absent from both.
    assert values["detail_coverage"] == 0.0
    assert values["entailed_names_absent"] == values["detail_names_absent"] * 0.8
    assert features_of([])["detail_coverage"] == 0.0


def test_near_duplicate_support_is_supported_and_decided_by_that_passage():
    items = [judged(0.98, 0.01, "a", 0.9), judged(0.05, 0.05, "b", 0.5)]
    verdict = FittedDecider(toy_model()).decide("claim", items)
    assert verdict.label == SUPPORTED
    assert [e.passage.doc_id for e in verdict.deciding] == ["a"]
    assert verdict.evidence[0].stance == SUPPORTS
    assert verdict.probabilities[SUPPORTED] == pytest.approx(verdict.confidence)


def test_off_topic_contradiction_is_not_a_refutation():
    verdict = FittedDecider(toy_model()).decide("claim", [judged(0.01, 0.97, "a", 0.2)])
    assert verdict.label == NOT_ENOUGH_INFO
    assert verdict.deciding == ()


def test_two_documents_strongly_opposed_conflict_and_both_are_named():
    items = [judged(0.97, 0.01, "a", 0.9), judged(0.01, 0.97, "b", 0.9)]
    verdict = FittedDecider(toy_model()).decide("claim", items)
    assert verdict.label == CONFLICTING
    assert {e.passage.doc_id for e in verdict.deciding} == {"a", "b"}
    assert {(s.doc_id, s.stance) for s in verdict.sources} == {("a", SUPPORTS), ("b", REFUTES)}


def test_one_document_never_conflicts_with_itself():
    items = [judged(0.97, 0.01, "a", 0.9), judged(0.01, 0.97, "a", 0.9)]
    verdict = FittedDecider(toy_model()).decide("claim", items)
    assert verdict.label != CONFLICTING


def test_a_weak_opponent_does_not_make_a_conflict():
    items = [judged(0.97, 0.01, "a", 0.9), judged(0.2, 0.5, "b", 0.6)]
    verdict = FittedDecider(toy_model()).decide("claim", items)
    assert verdict.label == SUPPORTED


def test_conflict_threshold_one_turns_conflicts_off():
    items = [judged(0.97, 0.01, "a", 0.9), judged(0.01, 0.97, "b", 0.9)]
    verdict = FittedDecider(toy_model(conflict_threshold=1.0)).decide("claim", items)
    assert verdict.label in {SUPPORTED, REFUTED}


class PairJudge:
    """Says how strongly each pair contradicts; records what it was asked."""

    def __init__(self, contradiction: float) -> None:
        self.contradiction = contradiction
        self.asked: list[tuple[str, str]] = []

    def __call__(self, pairs):
        self.asked += list(pairs)
        c = self.contradiction
        return [NLIScores(round(1 - c, 6) / 2, round(1 - c, 6) / 2, c) for _ in pairs]


def test_the_cross_check_keeps_conflicts_whose_sides_contradict_each_other():
    items = [
        judged(0.97, 0.01, "a", 0.9),
        judged(0.5, 0.1, "a", 0.4),
        judged(0.01, 0.97, "b", 0.9),
    ]
    model = toy_model(conflict_cross_check=0.7)
    agreeing_sides = PairJudge(0.2)
    assert FittedDecider(model, agreeing_sides).decide("claim", items).label == SUPPORTED
    # each side's strongest passage, asked both ways round
    strongest = (items[0].passage.text, items[2].passage.text)
    assert agreeing_sides.asked == [strongest, strongest[::-1]]
    opposed_sides = PairJudge(0.9)
    verdict = FittedDecider(model, opposed_sides).decide("claim", items)
    assert verdict.label == CONFLICTING
    assert {e.passage.doc_id for e in verdict.deciding} == {"a", "b"}
    # without a judge to ask, a model with a cross-check never says CONFLICTING
    assert FittedDecider(model).decide("claim", items).label == SUPPORTED
    # and without the cross-check no judge is asked
    silent = PairJudge(0.0)
    assert FittedDecider(toy_model(), silent).decide("claim", items).label == CONFLICTING
    assert silent.asked == []


def test_the_cross_check_is_not_asked_below_the_threshold():
    items = [judged(0.97, 0.01, "a", 0.9), judged(0.2, 0.5, "b", 0.6)]
    judge = PairJudge(0.99)
    decider = FittedDecider(toy_model(conflict_cross_check=0.5), judge)
    assert decider.decide("claim", items).label == SUPPORTED
    assert judge.asked == []


def test_no_passage_is_not_enough_info():
    verdict = FittedDecider(toy_model()).decide("claim", [])
    assert (verdict.label, verdict.deciding) == (NOT_ENOUGH_INFO, ())


def test_a_verdict_below_the_floor_says_it_is_weak():
    items = [judged(0.45, 0.05, "a", 0.7)]
    verdict = FittedDecider(toy_model(confidence_floor=0.9)).decide("claim", items, ["given"])
    assert verdict.warnings[0] == "given"
    assert any("weak evidence" in w for w in verdict.warnings)


def test_temperature_softens_without_changing_the_label():
    items = [judged(0.9, 0.05, "a", 0.9)]
    sharp = FittedDecider(toy_model()).decide("claim", items)
    soft = FittedDecider(toy_model(temperature=3.0)).decide("claim", items)
    assert sharp.label == soft.label
    assert soft.confidence < sharp.confidence


def test_model_json_round_trips(tmp_path):
    path = tmp_path / "model.json"
    path.write_text(json.dumps(toy_model().to_dict()))
    loaded = VerdictModel.load(path)
    assert loaded.coefficients == toy_model().coefficients
    assert loaded.conflict_threshold == 0.8
    assert loaded.conflict_cross_check == 0.0
    path.write_text(json.dumps(toy_model(conflict_cross_check=0.7).to_dict()))
    assert VerdictModel.load(path).conflict_cross_check == 0.7
    older = {k: v for k, v in toy_model().to_dict().items() if k != "conflict_cross_check"}
    path.write_text(json.dumps(older))
    assert VerdictModel.load(path).conflict_cross_check == 0.0  # models from before it


def test_a_model_for_other_features_is_refused(tmp_path):
    data = toy_model().to_dict()
    data["features"] = data["features"][:-1]
    path = tmp_path / "model.json"
    path.write_text(json.dumps(data))
    with pytest.raises(DecisionModelError, match="other features"):
        VerdictModel.load(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"temperature": 0}, "temperature"),
        ({"mean": [0.0]}, "mean"),
        ({"format": "pickle"}, "format"),
        ({"conflict_threshold": 2}, "conflict_threshold"),
        ({"conflict_cross_check": -0.1}, "conflict_cross_check"),
    ],
)
def test_bad_model_fields_are_named(tmp_path, change, message):
    path = tmp_path / "model.json"
    path.write_text(json.dumps({**toy_model().to_dict(), **change}))
    with pytest.raises(DecisionModelError, match=message):
        VerdictModel.load(path)


def test_missing_or_broken_model_files_are_named(tmp_path):
    with pytest.raises(DecisionModelError, match="not found"):
        VerdictModel.load(tmp_path / "absent.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(DecisionModelError, match="broken.json"):
        VerdictModel.load(broken)


def test_make_decider_reads_the_verdict_model_it_is_given(tmp_path):
    path = tmp_path / "model.json"
    path.write_text(json.dumps(toy_model().to_dict()))
    assert make_decider(path).model == toy_model()
    assert isinstance(make_decider(), FittedDecider)


@pytest.mark.parametrize("embedder_id", sorted(VERDICT_MODELS))
def test_each_shipped_verdict_model_was_fitted_on_the_shipped_judges_judgements(embedder_id):
    """A judge shipped without refitting every embedder's verdict model (`make ship-judge`
    does both) would leave a model reading probabilities of another judge."""
    import hashlib

    from verifier.registry import SHIPPED_NLI_MODEL

    fitted_on = json.loads(VERDICT_MODELS[embedder_id].read_text(encoding="utf-8"))["info"][
        "fitted_on"
    ]
    weights = (SHIPPED_NLI_MODEL / "model.safetensors").read_bytes()
    assert {run["nli_weights_sha256"] for run in fitted_on} == {
        hashlib.sha256(weights).hexdigest()[:16]
    }
