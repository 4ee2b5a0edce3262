"""The Ray benchmark's arithmetic, its count of differing verdicts, and its options.

The arithmetic: line fits, the break-even point and the cluster estimate.
"""

from __future__ import annotations

import pytest

from eval.bench.ray_data import (
    ESTIMATE_CLAIMS,
    Fit,
    break_even_claims,
    claims_from_passages,
    estimate,
    fit_line,
    markdown,
    parse_args,
    summarise,
    verdicts_differing,
)


def test_fit_line_recovers_fixed_cost_and_rate():
    assert fit_line([10, 100, 1000], [2.1, 3.0, 12.0]) == Fit(fixed_s=2.0, claims_per_s=100.0)


def test_fit_line_refuses_times_that_do_not_grow():
    with pytest.raises(ValueError, match="do not grow"):
        fit_line([10, 50], [55.0, 48.0])


@pytest.mark.parametrize(
    ("local", "ray", "expected"),
    [
        (Fit(1.0, 10.0), Fit(21.0, 20.0), 400.0),  # 1 + n/10 = 21 + n/20
        (Fit(1.0, 10.0), Fit(21.0, 10.0), None),  # same rate: never
        (Fit(1.0, 10.0), Fit(21.0, 5.0), None),  # slower: never
        (Fit(5.0, 10.0), Fit(1.0, 20.0), 0.0),  # cheaper and faster: from the start
    ],
)
def test_break_even(local, ray, expected):
    assert break_even_claims(local, ray) == (
        expected if expected is None else pytest.approx(expected)
    )


def test_claims_are_corpus_sentences_of_reasonable_length_cycled():
    passages = ["Too short.", "The council approved the budget in March this year.", "x " * 50]
    claims = claims_from_passages(passages, 3)
    assert [record["claim"] for record in claims] == [passages[1]] * 3
    assert [record["id"] for record in claims] == [0, 1, 2]
    with pytest.raises(ValueError, match="no sentence"):
        claims_from_passages(["Too short."], 1)


def test_estimate_divides_the_work_among_workers():
    # 10 claims/s an actor = 100 ms a claim, of which judging 5 pairs at 100 pairs/s = 50 ms.
    result = estimate(10.0, 100.0, 5, 0.0, search_ms=0.0, gpu_pairs_per_s=1000.0)
    assert result["per_claim_s"] == {"cpu": 0.1, "gpu": 0.055}
    assert result["cpu_share_judging"] == 0.5
    assert result["gpu_judge_speedup"] == 10.0
    assert result["hours"]["cpu"]["8"] == round(ESTIMATE_CLAIMS * 0.1 / 8 / 3600, 2)
    assert result["hours"]["gpu"]["8"] == round(ESTIMATE_CLAIMS * 0.055 / 8 / 3600, 2)


def test_summary_and_markdown_from_hand_made_runs():
    runs = [{"repeat": 0, "engine": "ray_start", "claims": 0, "s": 4.0}]
    for claims in (10, 100, 1000):
        runs.append({"repeat": 0, "engine": "local", "claims": claims, "s": 2 + claims / 10})
        runs.append({"repeat": 0, "engine": "ray", "claims": claims, "s": 10 + claims / 20})
    settings = {"sizes": [10, 100, 1000], "workers": 2, "top_k": 5, "repeats": 1}
    settings["passages"] = 300
    measured = {"settings": settings, "runs": runs, "judge_one_thread": {"pairs": 100, "s": 1.0}}
    summary = summarise(measured)
    assert summary["fit"]["ray"] == {"fixed_s": 10.0, "claims_per_s": 20.0}
    assert summary["per_actor_claims_per_s"] == 10.0
    assert summary["break_even_claims"] == pytest.approx(160.0)
    assert summary["table"][2]["ray_over_local_speed"] == pytest.approx(102 / 60, abs=1e-3)
    text = markdown(summary, settings)
    assert "| 1000 | 102.0 | 60.0 | 9.8 | 16.7 | 1.70 |" in text
    assert "past about 160 claims" in text
    # Measured before the verdicts were compared: no count is made up.
    assert summary["verdicts"] is None
    assert "Verdicts:" not in text


def test_verdicts_differing_counts_other_labels_and_failed_claims():
    assert verdicts_differing([], []) == 0
    assert verdicts_differing(["SUPPORTED", "REFUTED"], ["SUPPORTED", "REFUTED"]) == 0
    assert (
        verdicts_differing(["SUPPORTED", "REFUTED", "REFUTED"], ["REFUTED", None, "REFUTED"]) == 2
    )
    with pytest.raises(ValueError):
        verdicts_differing(["SUPPORTED"], ["SUPPORTED", "REFUTED"])


def test_summary_adds_up_the_differing_verdicts_and_names_the_store():
    runs = [{"repeat": 0, "engine": "ray_start", "claims": 0, "s": 4.0}]
    for repeat, differing in ((0, 0), (1, 3)):
        for claims in (10, 100):
            runs.append({"repeat": repeat, "engine": "local", "claims": claims, "s": claims / 10})
            runs.append(
                {
                    "repeat": repeat,
                    "engine": "ray",
                    "claims": claims,
                    "s": 10 + claims / 20,
                    "verdicts_differing": differing if claims == 100 else 0,
                }
            )
    settings = {"sizes": [10, 100], "workers": 2, "top_k": 5, "repeats": 2, "passages": 98}
    settings |= {"store": "a Milvus 2.3.5 server collection", "retrieval": "dense"}
    measured = {"settings": settings, "runs": runs, "judge_one_thread": {"pairs": 100, "s": 1.0}}
    summary = summarise(measured)
    assert summary["verdicts"] == {"claims_compared": 220, "differing": 3}
    text = markdown(summary, settings)
    assert "differ on 3 of the 220 claims" in text
    assert "98 passages in a Milvus 2.3.5 server collection, dense retrieval" in text


def test_options_pick_the_store_and_refuse_what_cannot_be_fitted():
    assert parse_args([]).store == "faiss"
    assert parse_args(["--store", "milvus-server"]).store == "milvus-server"
    for bad in (
        ["--store", "milvus-lite"],
        ["--sizes", "10"],  # one size: no line to fit
        ["--sizes", "10", "10"],
        ["--sizes", "0", "10"],
        ["--repeats", "0"],
        ["--workers", "0"],
    ):
        with pytest.raises(SystemExit):
            parse_args(bad)
    # Re-deriving a saved report measures nothing, so its sizes are the report's.
    assert parse_args(["--report", "bench_ray.json", "--sizes", "10"]).report == "bench_ray.json"
