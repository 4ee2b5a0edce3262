"""Fitting the verdict model on stored runs, and re-deciding a run with it."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

pytest.importorskip("sklearn")

from eval.fit import fit_decision  # noqa: E402
from eval.fit.split import split_of  # noqa: E402
from eval.runs import redecide  # noqa: E402
from verifier.decision import FittedDecider, VerdictModel  # noqa: E402


def evidence(text: str, doc: str, score: float, e: float, c: float) -> dict:
    return {
        "text": text,
        "source": doc,
        "doc_id": doc,
        "score": score,
        "nli": {"entailment": e, "neutral": round(1 - e - c, 6), "contradiction": c},
        "notes": [],
    }


def record(number: int, label: str, rng: random.Random) -> dict:
    """A stored prediction whose passages point at ``label``, with some noise."""
    strong, weak = rng.uniform(0.7, 0.99), rng.uniform(0.0, 0.2)
    relevance = rng.uniform(0.55, 0.9)
    if label == "SUPPORTED":
        items = [evidence("s", "a", relevance, strong, weak)]
    elif label == "REFUTED":
        items = [evidence("r", "a", relevance, weak, strong)]
    elif label == "CONFLICTING":
        items = [evidence("s", "a", 0.9, 0.99, 0.0), evidence("r", "b", 0.9, 0.0, 0.99)]
    else:
        items = [evidence("n", "a", rng.uniform(0.1, 0.45), weak, rng.uniform(0.0, 0.6))]
    items.append(evidence("other", "z", 0.3, 0.05, 0.05))
    claim_id = f"c{number}"
    return {
        "id": claim_id,
        "split": split_of(claim_id),
        "claim": f"claim {number}",
        "gold_label": label,
        "gold_evidence": [],
        "verdict": "NOT_ENOUGH_INFO",
        "confidence": 0.5,
        "evidence": items,
        "latency_s": 0.01,
    }


def write_run(folder: Path, seed: int, conflicting: int = 0) -> Path:
    rng = random.Random(seed)
    labels = ["SUPPORTED", "REFUTED", "NOT_ENOUGH_INFO"] * 40 + ["CONFLICTING"] * conflicting
    folder.mkdir(parents=True)
    rows = [record(n, label, rng) for n, label in enumerate(labels)]
    (folder / "predictions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (folder / "run_info.json").write_text(json.dumps({"dataset": {"name": f"set{seed}"}}))
    return folder


def test_fit_writes_a_model_that_decides_held_out_claims(tmp_path: Path) -> None:
    runs = [write_run(tmp_path / "a", 1, conflicting=6), write_run(tmp_path / "b", 2)]
    out = tmp_path / "model.json"
    assert fit_decision.main(["--runs", *map(str, runs), "--out", str(out)]) == 0
    model = VerdictModel.load(out)
    assert model.info["fitted_on"][0]["dataset"] == "set1"
    assert model.temperature in fit_decision.TEMPERATURE_GRID
    assert model.conflict_threshold in fit_decision.CONFLICT_GRID
    # Only dev claims are fitted on.
    assert model.info["fitted_on"][0]["dev_claims"] < 126

    scored = tmp_path / "scored"
    assert redecide.main([str(runs[1]), "--out", str(scored), "--verdict-model", str(out)]) == 0
    rows = [json.loads(line) for line in (scored / "predictions.jsonl").read_text().splitlines()]
    test = [r for r in rows if r["split"] == "test"]
    right = sum(r["verdict"] == r["gold_label"] for r in test)
    assert right / len(test) > 0.9
    assert all(abs(sum(r["probabilities"].values()) - 1) < 1e-6 for r in rows)
    metrics = json.loads((scored / "metrics.json").read_text())
    assert metrics["headline"]["shipped_accuracy"] > 0.9
    assert (scored / "reliability.png").is_file()


def test_fitted_conflicts_only_between_two_documents(tmp_path: Path) -> None:
    runs = [write_run(tmp_path / "a", 1, conflicting=10)]
    out = tmp_path / "model.json"
    assert fit_decision.main(["--runs", str(runs[0]), "--out", str(out)]) == 0
    decider = FittedDecider(VerdictModel.load(out))
    rng = random.Random(0)
    conflicting = record(0, "CONFLICTING", rng)
    from eval.fit.aggregation import StoredClaim

    stored = StoredClaim.from_record(conflicting)
    assert decider.decide(stored.claim, stored.judged).label == "CONFLICTING"
    same_document = dict(conflicting)
    same_document["evidence"] = [dict(item, doc_id="a") for item in conflicting["evidence"]]
    stored = StoredClaim.from_record(same_document)
    assert decider.decide(stored.claim, stored.judged).label != "CONFLICTING"


def test_a_run_without_dev_claims_is_refused(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "predictions.jsonl").write_text("")
    assert fit_decision.main(["--runs", str(folder), "--out", str(tmp_path / "m.json")]) == 1
    assert "error" in capsys.readouterr().err


def test_keep_regression_chooses_only_the_threshold(tmp_path: Path) -> None:
    runs = [write_run(tmp_path / "a", 1), write_run(tmp_path / "b", 2)]
    conflicts = write_run(tmp_path / "c", 3, conflicting=120)
    fitted = tmp_path / "fitted.json"
    assert fit_decision.main(["--runs", *map(str, runs), "--out", str(fitted)]) == 0
    out = tmp_path / "rechosen.json"
    args = ["--runs", *map(str, runs), "--conflict-runs", str(conflicts)]
    assert fit_decision.main([*args, "--keep-regression", str(fitted), "--out", str(out)]) == 0
    before, after = VerdictModel.load(fitted), VerdictModel.load(out)
    assert after.coefficients == before.coefficients
    assert after.intercepts == before.intercepts
    assert after.temperature == before.temperature
    assert after.info["fitted_on"] == before.info["fitted_on"]
    choice = after.info["conflict_threshold_choice"]
    assert choice["previous_conflict_threshold"] == before.conflict_threshold
    assert after.conflict_threshold == choice["conflict_threshold"]
    assert choice["conflict_only_runs"] == [str(conflicts)]
    assert set(choice["dev_accuracy_by_conflict_threshold_per_set"]) == {
        *map(str, runs),
        str(conflicts),
    }
    assert "--keep-regression" in choice["command"]


def test_conflict_runs_choose_the_threshold_but_not_the_regression(tmp_path: Path) -> None:
    runs = [write_run(tmp_path / "a", 1)]
    conflicts = write_run(tmp_path / "c", 3, conflicting=120)
    alone, joined = tmp_path / "alone.json", tmp_path / "joined.json"
    assert fit_decision.main(["--runs", str(runs[0]), "--out", str(alone)]) == 0
    args = ["--runs", str(runs[0]), "--conflict-runs", str(conflicts), "--out", str(joined)]
    assert fit_decision.main(args) == 0
    first, second = VerdictModel.load(alone), VerdictModel.load(joined)
    assert second.coefficients == first.coefficients
    assert [s["run"] for s in second.info["conflict_threshold_also_chosen_on"]] == [str(conflicts)]
    per_set = second.info["choices"]["dev_accuracy_by_conflict_threshold_per_set"]
    mean = second.info["choices"]["dev_accuracy_by_conflict_threshold"]
    for threshold, accuracy in mean.items():
        assert accuracy == pytest.approx(
            (per_set[str(runs[0])][threshold] + per_set[str(conflicts)][threshold]) / 2
        )


def test_the_cross_check_is_chosen_when_it_tells_real_conflicts_from_look_alikes():
    """Real conflicts' sides contradict each other; look-alikes' sides do not."""
    from eval.fit.aggregation import StoredClaim
    from verifier.types import NLIScores

    model = VerdictModel.load(fit_decision.SHIPPED_VERDICT_MODEL)
    # The refuting passages read alike to the verdict model (the same words, so the same
    # detail features); only the judge, asked about the two sides, tells them apart: the
    # stub below finds the real ones ("!") contradicting the supporting passage.
    claims, gold = [], []
    for n in range(6):
        refuting = "The vote was seven to two!" if n < 3 else "The vote was seven to two?"
        items = [
            evidence("The vote was seven to two.", "a", 0.9, 0.99, 0.0),
            evidence(refuting, "b", 0.9, 0.0, 0.99),
        ]
        claims.append(
            StoredClaim.from_record({"claim": "The vote was seven to two.", "evidence": items})
        )
        gold.append("CONFLICTING" if n < 3 else "SUPPORTED")
    dev = fit_decision.DevSet("toy", tuple(claims), tuple(gold), {})

    def judge(pairs):
        return [
            NLIScores(0.1, 0.1, 0.8) if "!" in a + b else NLIScores(0.1, 0.8, 0.1) for a, b in pairs
        ]

    with_judge = fit_decision.choose_conflict_threshold(model, [dev], judge)
    assert with_judge.cross_check > 0
    assert with_judge.mean_accuracy[f"{with_judge.threshold}/{with_judge.cross_check}"] == 1.0
    without = fit_decision.choose_conflict_threshold(model, [dev])
    assert without.cross_check == 0.0
    assert max(without.mean_accuracy.values()) < 1.0
