"""The Milvus benchmark's table and ratios on hand-made records, and a small run of each store."""

from __future__ import annotations

import pytest

from eval.bench.milvus import MILVUS, add_ratios, format_markdown, measure_store
from eval.bench.scale import ScaleSettings


def record(size: int, store: str, p50: float, build: float, status: str = "ok") -> dict:
    return {
        "passages": size,
        "index_type": store,
        "status": status,
        "build_s": build,
        "single_query_ms_p50": p50,
        "single_query_ms_p95": 2 * p50,
        "recall_at_10": 1.0,
        "search_queries_per_s": 100.0,
    }


def test_ratios_are_against_faiss_flat_of_the_same_size():
    records = add_ratios(
        [
            record(10, "flat", 0.5, 2.0),
            record(10, MILVUS, 5.0, 30.0),
            record(20, MILVUS, 8.0, 60.0),
            {"passages": 20, "index_type": "flat", "status": "timed out after 9 s"},
        ]
    )
    assert records[0]["p50_over_faiss_flat"] == 1.0
    assert records[1]["p50_over_faiss_flat"] == 10.0
    assert records[1]["build_over_faiss_flat"] == 15.0
    assert "p50_over_faiss_flat" not in records[2]  # no FAISS figure at that size
    assert "p50_over_faiss_flat" not in records[3]


def test_the_table_has_a_row_per_record_and_names_a_failure():
    records = add_ratios(
        [record(1000, "flat", 0.5, 2.0), {"passages": 1000, "index_type": MILVUS, "status": "x"}]
    )
    table = format_markdown(records, 10).splitlines()
    assert len(table) == 4
    assert "| 1,000 | FAISS flat (exact) | 2.0 | 0.50 | 1.00 | 1.00x | 1.000 | 100 |" in table
    assert table[3].startswith("| 1,000 | Milvus Lite (FLAT) | x |")


@pytest.mark.parametrize("store", ["flat", MILVUS])
def test_each_store_finds_the_exact_neighbours_of_a_small_set(store):
    if store == MILVUS:
        pytest.importorskip("milvus_lite")
    settings = ScaleSettings(queries=20, single_queries=5, repeats=1, budget_s=1)
    result = measure_store(300, store, settings)
    assert result["status"] == "ok"
    assert result["recall_at_10"] == 1.0
    assert result["single_query_ms_p50"] > 0
