"""The benchmark's pure helpers with hand-made cases, and a smoke run with fake models."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from eval.bench import scale as bench_scale
from eval.bench.pipeline import (
    CorpusSettings,
    Measure,
    ModelSetup,
    compare_setups,
    format_markdown,
    forward_batches,
    naive_search,
    parse_args,
    run_bench,
    setups_from_args,
    write_report,
)
from eval.bench.scale import ScaleSettings, exact_top_k, measure_index, run_scales
from eval.bench.timing import (
    PeakMemory,
    median,
    paired_speedup,
    percentile,
    recall_at_k,
    speedup,
    time_calls,
)
from tests.fakes import FakeEmbedder, FakeJudge

# ---------------------------------------------------------------- statistics


@pytest.mark.parametrize(
    ("values", "expected"),
    [([5.0], 5.0), ([3.0, 1.0, 2.0], 2.0), ([4.0, 1.0, 3.0, 2.0], 2.5), ([2.0, 2.0], 2.0)],
)
def test_median(values, expected):
    assert median(values) == expected


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([10.0, 20.0, 30.0, 40.0], 95, 38.5),
        ([10.0, 20.0, 30.0, 40.0], 0, 10.0),
        ([10.0, 20.0, 30.0, 40.0], 100, 40.0),
        ([1.0, 2.0, 3.0, 4.0, 5.0], 50, 3.0),
        ([7.0], 95, 7.0),
    ],
)
def test_percentile_by_hand(values, q, expected):
    assert percentile(values, q) == pytest.approx(expected)


def test_percentile_matches_numpy_linear():
    values = [0.3, 9.1, 2.2, 4.4, 4.4, 7.0, 1.5]
    for q in (5, 25, 50, 90, 95, 99):
        assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)))


@pytest.mark.parametrize(
    ("values", "q"), [([], 50), ([1.0], -1), ([1.0], 101), ([float("nan")], 50)]
)
def test_percentile_refuses_bad_input(values, q):
    with pytest.raises(ValueError):
        percentile(values, q)


def test_speedup_for_times_and_rates():
    assert speedup(0.5, 2.0, lower_is_better=True) == 4.0
    assert speedup(300.0, 100.0, lower_is_better=False) == 3.0
    assert speedup(2.0, 1.0, lower_is_better=True) == 0.5


@pytest.mark.parametrize(
    ("ours", "baseline", "lower"), [(0.0, 1.0, True), (1.0, 0.0, False), (-1.0, 2.0, False)]
)
def test_speedup_undefined_is_none(ours, baseline, lower):
    assert speedup(ours, baseline, lower_is_better=lower) is None


def test_paired_speedup_is_the_median_of_per_repeat_ratios():
    # ratio of medians would be 20 / 10 = 2.0; the paired ratios are 1, 4, 3
    assert paired_speedup([10.0, 5.0, 20.0], [10.0, 20.0, 60.0], lower_is_better=True) == 3.0
    assert paired_speedup([30.0, 10.0], [10.0, 10.0], lower_is_better=False) == 2.0
    assert paired_speedup([0.0, 2.0], [1.0, 1.0], lower_is_better=True) == 0.5
    assert paired_speedup([0.0], [1.0], lower_is_better=True) is None
    with pytest.raises(ValueError):
        paired_speedup([1.0], [1.0, 2.0], lower_is_better=True)


def test_measure_from_repeats():
    measure = Measure.from_repeats(
        "single claim latency p50",
        "ms",
        [20.0, 10.0, 40.0],
        [80.0, 30.0, 200.0],
        lower_is_better=True,
        ours_cpu=[10.0, 10.0, 10.0],
        baseline_cpu=[20.0, 20.0, 20.0],
    )
    assert (measure.ours, measure.baseline) == (20.0, 80.0)
    assert measure.speedup == 4.0
    assert measure.cpu_speedup == 2.0
    assert measure.to_dict()["cpu_speedup"] == 2.0
    alone = Measure.from_repeats("build", "passages/s", [10.0, 12.0], lower_is_better=False)
    assert (alone.ours, alone.baseline, alone.speedup, alone.cpu_speedup) == (
        11.0,
        None,
        None,
        None,
    )


def test_recall_at_k_by_hand():
    exact = [[1, 2, 3], [4, 5, 6]]
    assert recall_at_k([[1, 2, 3], [4, 5, 6]], exact, 3) == 1.0
    assert recall_at_k([[3, 2, 1], [6, 9, 8]], exact, 3) == pytest.approx((1.0 + 1 / 3) / 2)
    assert recall_at_k([[1, -1, -1], [-1, -1, -1]], exact, 3) == pytest.approx(1 / 6)
    # only the first k of each row count
    assert recall_at_k([[9, 1, 2]], [[1, 2, 3]], 2) == 0.5


def test_recall_at_k_accepts_numpy_rows():
    assert recall_at_k(np.array([[0, 1]]), np.array([[1, 0]]), 2) == 1.0


@pytest.mark.parametrize(
    ("approximate", "exact", "k"),
    [([[1]], [[1]], 0), ([[1], [2]], [[1]], 1), ([], [], 1), ([[1, 2]], [[1, -1]], 2)],
)
def test_recall_at_k_refuses_bad_input(approximate, exact, k):
    with pytest.raises(ValueError):
        recall_at_k(approximate, exact, k)


def test_time_calls_warms_up_untimed():
    calls = []
    seconds = time_calls(lambda: calls.append(1), repeats=3, warmup=2)
    assert len(calls) == 5
    assert len(seconds) == 3
    assert all(value >= 0 for value in seconds)
    with pytest.raises(ValueError):
        time_calls(lambda: None, repeats=0)


def test_peak_memory_sees_an_allocation():
    with PeakMemory() as probe:
        buffer = b"x" * (64 * 2**20)
    assert len(buffer) == 64 * 2**20
    assert probe.result.increase_mb > 48
    assert probe.result.to_dict()["peak_rss_mb"] >= probe.result.start_mb


# ------------------------------------------------------------ search helpers


def test_naive_search_orders_by_inner_product():
    matrix = np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]], dtype=np.float32)
    hits = naive_search(matrix, np.array([0.0, 1.0], dtype=np.float32), 2)
    assert [position for position, _ in hits] == [1, 2]
    assert hits[0][1] == pytest.approx(1.0)


def test_exact_top_k_merges_chunks(monkeypatch):
    monkeypatch.setattr(bench_scale, "_CHUNK", 3)
    rng = np.random.default_rng(1)
    vectors = rng.standard_normal((10, 4)).astype(np.float32)
    queries = rng.standard_normal((2, 4)).astype(np.float32)
    expected = np.argsort(-(queries @ vectors.T), axis=1)[:, :4]
    assert exact_top_k(vectors, queries, 4).tolist() == expected.tolist()


def test_synthetic_vectors_are_unit_length_and_reproducible():
    first = bench_scale.synthetic_vectors(50, seed=3, clusters=5)
    assert first.shape == (50, bench_scale.DIMENSION)
    assert first.dtype == np.float32
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(first, bench_scale.synthetic_vectors(50, seed=3, clusters=5))


@pytest.mark.parametrize("index_type", ["flat", "hnsw", "ivf"])
def test_measure_index_on_a_small_corpus(index_type):
    settings = ScaleSettings(queries=20, single_queries=5, repeats=2, budget_s=5)
    record = measure_index(2000, index_type, settings)
    assert record["status"] == "ok"
    assert record["build_vectors_per_s"] > 0
    assert record["search_queries_per_s"] > 0
    assert 0.0 <= record["recall_at_10"] <= 1.0
    if index_type == "flat":
        assert record["recall_at_10"] == 1.0
    assert record["build_memory"]["peak_rss_mb"] > 0


def test_run_scales_isolates_and_time_boxes():
    quick = ScaleSettings(queries=10, single_queries=2, repeats=1, budget_s=1)
    [record] = run_scales([500], ["flat"], quick)
    assert record["status"] == "ok"
    assert record["recall_at_10"] == 1.0
    [stopped] = run_scales([500], ["flat"], ScaleSettings(timeout_s=0.01))
    assert stopped["status"].startswith("timed out")
    assert "build_s" not in stopped


# ------------------------------------------------------------------- report


def _report(scales):
    return {
        "date": "2026-11-22 10:00 UTC",
        "machine": {
            "cpu": "CPU: Test CPU, 2 cores, flags: avx2",
            "cpu_model": "Test CPU",
            "cpu_count": 2,
            "cpus_available": 2,
            "torch_threads": 2,
            "faiss_threads": 2,
            "faiss_compile_options": "OPTIMIZE ",
            "python": "3.11",
            "torch": "2",
            "faiss": "1",
            "transformers": "5",
        },
        "settings": {"repeats": 3, "top_k": 5, "nli_batch_size": 32},
        "memory_method": "VmHWM",
        "comparison": [],
        "setups": [
            {
                "judge": "fast",
                "backend": "torch",
                "models": {"embedder": "emb", "nli": "nli"},
                "corpora": [_corpus_record()],
            }
        ],
        "scale_settings": {"queries": 100, "k": 10},
        "scales": scales,
    }


def _corpus_record():
    return {
        "corpus": "/data/news",
        "name": "news",
        "documents": 5,
        "passages": 100,
        "claims": 10,
        "nli_pairs": 50,
        "label_agreement_with_baseline": 0.9,
        "measures": [
            Measure("index build", "passages/s", 1500.0, 300.0, False, 5.0, 4.5).to_dict(),
            Measure("from files", "passages/s", 1000.0, None, False).to_dict(),
            Measure("single claim latency p50", "ms", 12.5, 50.0, True, 4.0).to_dict(),
        ],
        "memory": {
            step: {"peak_increase_mb": 10.25}
            for step in (
                "ours_build_passages",
                "baseline_build",
                "ours_build_corpus",
                "ours_batch",
                "ours_nli",
                "baseline_nli",
            )
        },
    }


def _setup(backend, labels, batch, p50, build, ceiling=None):
    measures = [
        Measure("index build (embed + index)", "passages/s", build, 100.0, False, 2.0),
        Measure("single claim latency p50", "ms", p50, 100.0, True, 3.0),
        Measure("single claim latency p95", "ms", p50 * 2, 200.0, True, 3.0),
        Measure("batch throughput (verify_many)", "claims/s", batch, 5.0, False, batch / 5),
        Measure("NLI throughput (batch 32)", "pairs/s", 60.0, 30.0, False, 2.0),
    ]
    if ceiling is not None:
        measures.append(Measure("NLI ceiling: raw forward", "pairs/s", ceiling, None, False))
    record = {
        "corpus": "/data/news",
        "name": "news",
        "measures": [m.to_dict() for m in measures],
        "labels": labels,
        "nli_share_of_ceiling": None if ceiling is None else 60.0 / ceiling,
    }
    return {"judge": "fast", "backend": backend, "corpora": [record]}


def test_compare_setups_puts_backends_side_by_side():
    torch_setup = _setup("torch", ["SUPPORTED", "REFUTED"], batch=10.0, p50=80.0, build=100.0)
    onnx_setup = _setup(
        "onnx", ["SUPPORTED", "NOT_ENOUGH_INFO"], batch=40.0, p50=20.0, build=400.0, ceiling=80.0
    )
    torch_row, onnx_row = compare_setups([torch_setup, onnx_setup])
    assert torch_row["verify_many_vs_torch"] == 1.0
    assert torch_row["nli_ceiling_pairs_per_s"] is None
    assert onnx_row["verify_many_claims_per_s"] == 40.0
    assert onnx_row["verify_many_vs_naive"] == 8.0
    assert onnx_row["verify_many_vs_torch"] == 4.0
    assert onnx_row["verify_many_vs_torch_naive"] == 8.0
    assert onnx_row["verify_p50_vs_torch"] == 4.0
    assert onnx_row["index_vs_torch"] == 4.0
    assert onnx_row["verdicts_equal_to_torch"] == 0.5
    assert onnx_row["nli_share_of_ceiling"] == 0.75
    [alone] = compare_setups([onnx_setup])
    assert alone["verify_many_vs_torch"] is None
    table = format_markdown({**_report([]), "comparison": [torch_row, onnx_row]})
    assert "| news | fast | onnx | 40.0 | 8.0× | 4.0× | 8.0× | 20.0 | 40.0 | 4.0× |" in table
    assert "| 75% |" in table


class _StubJudge:
    input_names = ("input_ids", "attention_mask", "token_type_ids")

    def token_counts(self, pairs):
        return [len(premise.split()) + len(claim.split()) for premise, claim in pairs]


def test_forward_batches_copy_the_lengths_of_distinct_pairs():
    pairs = [("a b c", "d"), ("a", "b"), ("a b c", "d"), ("a b c d e", "f")]
    batches = forward_batches(_StubJudge(), pairs, batch_size=2)
    assert [batch["input_ids"].shape for batch in batches] == [(2, 4), (1, 6)]
    assert batches[0]["attention_mask"].tolist() == [[1, 1, 0, 0], [1, 1, 1, 1]]
    assert batches[0]["token_type_ids"].sum() == 0
    ids = batches[1]["input_ids"]
    assert ((ids >= 1000) & (ids < 2000)).all()


def test_format_markdown_tables():
    scales = [
        {
            "passages": 100000,
            "index_type": "hnsw",
            "status": "ok",
            "build_s": 12.0,
            "build_vectors_per_s": 8333.3,
            "search_queries_per_s": 2500.0,
            "single_query_ms_p50": 0.42,
            "recall_at_10": 0.9731,
            "build_memory": {"peak_increase_mb": 180.0},
        },
        {"passages": 1000000, "index_type": "ivf", "status": "timed out after 60 s"},
    ]
    text = format_markdown(_report(scales))
    assert "| index build | passages/s | 1,500 | 300 | 5.0× | 4.5× |" in text
    assert "| from files | passages/s | 1,000 | – | – | – |" in text
    assert "| single claim latency p50 | ms | 12.5 | 50.0 | 4.0× | – |" in text
    assert "| 100,000 | hnsw | 12.0 | 8,333 | 2,500 | 0.42 | 0.973 | 180.0 | ok |" in text
    assert "| 1,000,000 | ivf | – | – | – | – | – | – | timed out after 60 s |" in text
    assert "Test CPU" in text
    assert "CPU: Test CPU, 2 cores, flags: avx2." in text
    assert "90%" in text


def test_format_markdown_without_scales():
    text = format_markdown(_report([]))
    assert "Index scale" not in text


# ---------------------------------------------------------------- smoke run


@pytest.fixture()
def tiny_corpus(tmp_path: Path) -> tuple[Path, Path]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "council.txt").write_text(
        "The council approved the budget in March by seven votes to two.\n"
        "The library budget was held flat at two million dollars.\n"
        "The footbridge project was delayed until 2027.\n",
        encoding="utf-8",
    )
    (corpus / "transit.txt").write_text(
        "The new bus depot opens in September.\nBus fares will not rise this year.\n",
        encoding="utf-8",
    )
    claims = tmp_path / "claims.jsonl"
    claims.write_text(
        "".join(
            json.dumps({"claim": claim, "label": label}) + "\n"
            for claim, label in [
                ("The council approved the budget in March.", "SUPPORTED"),
                ("Bus fares will rise this year.", "REFUTED"),
                ("The mayor resigned.", "NOT_ENOUGH_INFO"),
            ]
        ),
        encoding="utf-8",
    )
    return corpus, claims


def test_bench_smoke_with_fake_models(tiny_corpus, tmp_path):
    report = run_bench(
        [tiny_corpus],
        setups=[ModelSetup("fake", "torch", FakeEmbedder, FakeJudge)],
        settings=CorpusSettings(repeats=2, top_k=2),
    )
    markdown = write_report(report, tmp_path / "out")
    data = json.loads((tmp_path / "out" / "bench.json").read_text(encoding="utf-8"))
    assert (tmp_path / "out" / "bench.md").read_text(encoding="utf-8") == markdown
    assert data["scales"] == []
    assert data["machine"]["cpu_count"] >= 1
    assert data["machine"]["torch_threads"] >= 1
    assert {"python", "torch", "faiss", "cpu_model", "cpu"} <= set(data["machine"])
    assert markdown.splitlines()[2] == data["machine"]["cpu"] + "."
    assert data["setups"][0]["int8_checks"] == []  # fakes have no int8 session
    [setup] = data["setups"]
    assert (setup["judge"], setup["backend"]) == ("fake", "torch")
    [corpus] = setup["corpora"]
    assert corpus["documents"] == 2
    assert corpus["passages"] == 5
    assert corpus["claims"] == 3
    assert corpus["nli_pairs"] == 6
    names = [measure["name"] for measure in corpus["measures"]]
    assert "single claim latency p95" in names
    assert "batch throughput (verify_many)" in names
    for measure in corpus["measures"]:
        assert measure["ours"] > 0
        if measure["baseline"] is not None:
            assert measure["baseline"] > 0
            assert measure["speedup"] > 0
            assert "cpu_speedup" in measure
    assert all(len(values) == 2 for values in corpus["seconds_all"].values())
    assert corpus["cpu_seconds_all"].keys() == corpus["seconds_all"].keys()
    assert corpus["memory"]["ours_build_passages"]["peak_rss_mb"] > 0
    assert 0.0 <= corpus["label_agreement_with_baseline"] <= 1.0
    assert "| single claim latency p50 | ms |" in markdown
    assert corpus["nli_share_of_ceiling"] is None  # the fake judge has no raw forward pass
    profile = corpus["profile"]
    assert profile["verify_many_judge"] + profile["verify_many_embed"] <= 1.0
    assert "| fake | torch |" in markdown


def test_parse_args_defaults_and_checks(tmp_path):
    args = parse_args(["--claims", "c.jsonl", "--scales", "1000,20_000", "--skip-scale"])
    assert args.scales == [1000, 20000]
    assert args.skip_scale
    assert args.repeats == 5
    assert len(args.corpus) == 1
    with pytest.raises(SystemExit):
        parse_args([])
    with pytest.raises(SystemExit):
        parse_args(["--claims", "a", "--claims", "b", "--corpus", "x"])
    with pytest.raises(SystemExit):
        parse_args(["--claims", "a", "--scales", "ten"])
    with pytest.raises(SystemExit):
        parse_args(["--claims", "a", "--index-types", "annoy"])
    assert args.backends == ["torch", "onnx-fp32", "onnx-int8"]
    assert args.judges == ["fast"]
    chosen = parse_args(
        ["--claims", "a", "--backends", "onnx-int8", "--judges", "fast,ckpt/v5/best"]
    )
    assert [(s.judge, s.backend) for s in setups_from_args(chosen)] == [
        ("fast", "onnx-int8"),
        ("ckpt/v5/best", "onnx-int8"),
    ]
    with pytest.raises(SystemExit):
        parse_args(["--claims", "a", "--backends", "tensorrt"])


@pytest.mark.slow
def test_bench_command_with_the_real_models(news_corpus, tmp_path, capsys):
    from eval.bench.pipeline import main
    from verifier.registry import SHIPPED_NLI_MODEL

    if not SHIPPED_NLI_MODEL.is_dir():
        pytest.skip(f"the shipped NLI model is not at {SHIPPED_NLI_MODEL}")
    claims = Path(__file__).resolve().parents[2] / "eval" / "claims" / "news_claims.jsonl"
    out = tmp_path / "bench"
    argv = ["--corpus", str(news_corpus), "--claims", str(claims), "--repeats", "1"]
    assert main([*argv, "--skip-scale", "--out", str(out)]) == 0
    data = json.loads((out / "bench.json").read_text(encoding="utf-8"))
    assert [setup["backend"] for setup in data["setups"]] == ["torch", "onnx"]
    [corpus] = data["setups"][0]["corpora"]
    assert corpus["claims"] == 19
    assert corpus["nli_share_of_ceiling"] > 0
    assert all(measure["ours"] > 0 for measure in corpus["measures"])
    assert "| NLI throughput (batch 32) | pairs/s |" in capsys.readouterr().out
