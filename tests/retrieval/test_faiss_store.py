from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from unittest import mock

import numpy as np
import pytest

from verifier.errors import IndexFormatError, IndexWriteError
from verifier.retrieval import FaissStore, faiss_store
from verifier.retrieval.faiss_store import FLAT_UP_TO, choose_index_type
from verifier.types import Passage


def unit_vectors(count: int, dimension: int = 16, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(count, dimension)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def passages(count: int, prefix: str = "p") -> list[Passage]:
    return [
        Passage(f"doc{i // 3}", f"doc{i // 3}.txt", "T", f"{prefix} sentence {i}", 0, 12)
        for i in range(count)
    ]


def built(index_type: str = "flat", count: int = 120) -> tuple[FaissStore, np.ndarray]:
    index = FaissStore(16, index_type, "fake-embedder")
    vectors = unit_vectors(count)
    index.add(vectors, passages(count))
    return index, vectors


@pytest.mark.parametrize("index_type", ["flat", "hnsw", "ivf"])
def test_each_index_type_finds_a_vector_itself(index_type):
    index, vectors = built(index_type)
    hits = index.search(vectors[:5], 3)
    assert [row[0][0] for row in hits] == [0, 1, 2, 3, 4]
    assert all(abs(row[0][1] - 1.0) < 1e-4 for row in hits)


def test_flat_search_matches_brute_force():
    index, vectors = built()
    query = unit_vectors(1, seed=9)
    expected = np.argsort(-(vectors @ query[0]))[:5].tolist()
    assert [position for position, _ in index.search(query, 5)[0]] == expected


@pytest.mark.parametrize("index_type", ["flat", "hnsw", "ivf"])
def test_save_and_load_round_trip(tmp_path, index_type):
    index, vectors = built(index_type)
    index.files = {"doc0.txt": "abc"}
    index.save(tmp_path / "ix")
    loaded = FaissStore.load(tmp_path / "ix", embedder_id="fake-embedder", dimension=16)
    assert loaded.passages == index.passages
    assert loaded.files == {"doc0.txt": "abc"}
    assert loaded.index_type == index_type
    assert loaded.search(vectors[:3], 4) == index.search(vectors[:3], 4)


def test_adding_to_a_loaded_index(tmp_path):
    index, _ = built(count=30)
    index.save(tmp_path / "ix")
    loaded = FaissStore.load(tmp_path / "ix")
    extra = unit_vectors(3, seed=5)
    loaded.add(extra, passages(3, prefix="new"))
    assert len(loaded) == 33
    assert loaded.passages[loaded.search(extra[:1], 1)[0][0][0]].text == "new sentence 0"


def test_search_on_empty_index_and_k_larger_than_index():
    empty = FaissStore(16)
    assert empty.search(unit_vectors(2), 5) == [[], []]
    index, vectors = built(count=4)
    assert len(index.search(vectors[:1], 10)[0]) == 4
    with pytest.raises(ValueError, match="k must be"):
        index.search(vectors[:1], 0)


def test_bad_settings_and_shapes_are_refused():
    with pytest.raises(ValueError, match="index_type"):
        FaissStore(16, "annoy")
    with pytest.raises(ValueError, match="shape"):
        FaissStore(16).add(unit_vectors(2, dimension=8), passages(2))


def test_missing_directory_and_non_index_directory(tmp_path):
    with pytest.raises(IndexFormatError, match="not found"):
        FaissStore.load(tmp_path / "missing")
    with pytest.raises(IndexFormatError, match="not an index directory"):
        FaissStore.load(tmp_path)


def live_version(root: Path) -> Path:
    return root / (root / "CURRENT").read_text().strip()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda v: (v / "index.faiss").write_bytes(b"garbage"),
            "index.faiss does not match its checksum",
        ),
        (lambda v: (v / "passages.jsonl").write_text("{}\n"), "passages.jsonl does not match"),
        (lambda v: (v / "manifest.json").write_text("{not json"), "manifest .* is corrupt"),
        (lambda v: (v / "index.faiss").unlink(), "missing index.faiss"),
        (lambda v: (v / "manifest.json").unlink(), "no manifest"),
    ],
)
def test_corruption_is_detected_with_a_clear_message(tmp_path, damage, message):
    index, _ = built()
    index.save(tmp_path / "ix")
    damage(live_version(tmp_path / "ix"))
    with pytest.raises(IndexFormatError, match=message):
        FaissStore.load(tmp_path / "ix")


def test_mismatched_embedder_dimension_and_version_are_refused(tmp_path):
    index, _ = built()
    index.save(tmp_path / "ix")
    with pytest.raises(IndexFormatError, match="built with embedder 'fake-embedder'"):
        FaissStore.load(tmp_path / "ix", embedder_id="other-model")
    with pytest.raises(IndexFormatError, match="dimension 16"):
        FaissStore.load(tmp_path / "ix", dimension=384)
    manifest_path = live_version(tmp_path / "ix") / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["format_version"] = 99
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(IndexFormatError, match="format version 99"):
        FaissStore.load(tmp_path / "ix")


def test_a_crash_mid_save_leaves_the_old_index_usable(tmp_path):
    index, vectors = built(count=30)
    index.save(tmp_path / "ix")
    bigger, _ = built(count=60)
    with (
        mock.patch("verifier.records.os.replace", side_effect=OSError("disk full")),
        pytest.raises(IndexWriteError, match="disk full"),
    ):
        bigger.save(tmp_path / "ix")
    loaded = FaissStore.load(tmp_path / "ix")
    assert len(loaded) == 30
    assert [d.name for d in (tmp_path / "ix").iterdir() if d.name.startswith("v-")] == [
        live_version(tmp_path / "ix").name
    ]


def test_saving_again_keeps_only_the_live_version(tmp_path):
    index, _ = built(count=10)
    index.save(tmp_path / "ix")
    index.save(tmp_path / "ix")
    versions = [d for d in os.listdir(tmp_path / "ix") if d.startswith("v-")]
    assert len(versions) == 1


def test_unstored_is_what_an_add_still_has_to_do():
    index, _ = built(count=6)
    stored, more = passages(6), passages(9)[6:]
    assert index.unstored(stored) == []
    assert index.unstored([more[0], stored[2], more[1], more[0]]) == more[:2]
    moved = Passage("doc0", "doc0.txt", "T", "p sentence 0", 5, 17)
    assert index.unstored([moved]) == [moved]


def test_a_layered_store_has_stored_what_either_layer_holds():
    from verifier.retrieval import LayeredStore

    base, _ = built(count=6)
    layered = LayeredStore(base, FaissStore(16, "flat", "fake-embedder"))
    extra = passages(9)[6:]
    layered.add(unit_vectors(1, seed=3), extra[:1])
    assert layered.unstored(passages(9)) == extra[1:]


def _unit_rows(count: int, dimension: int, seed: int) -> np.ndarray:
    rows = np.random.default_rng(seed).normal(size=(count, dimension)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _passages(count: int, prefix: str) -> list[Passage]:
    return [
        Passage(f"{prefix}{i}", f"{prefix}.txt", "", f"{prefix} {i}", 0, 1) for i in range(count)
    ]


def test_chunks_fill_an_empty_flat_index_and_append_to_a_full_one():
    index = FaissStore(8, "flat", "e")
    first, second = _unit_rows(5, 8, 0), _unit_rows(3, 8, 1)
    a = _passages(5, "a")
    index.add_chunks([(first[:2], a[:2]), (first[2:], a[2:])], 5, threading.Lock())
    index.add_chunks([(second, _passages(3, "b"))], 3, threading.Lock())
    assert len(index) == index.documents == 8
    for position, row in enumerate(np.vstack([first, second])):
        assert index.search(row, 1)[0][0][0] == position


@pytest.mark.parametrize("index_type", ["flat", "hnsw"])
def test_chunks_short_of_their_count_add_nothing(index_type):
    index = FaissStore(8, index_type, "e")
    with pytest.raises(ValueError, match="expected 3 passages"):
        index.add_chunks([(_unit_rows(2, 8, 0), _passages(2, "a"))], 3, threading.Lock())
    assert len(index) == 0


def test_the_index_type_is_chosen_by_size():
    assert choose_index_type(0) == choose_index_type(FLAT_UP_TO) == "flat"
    assert choose_index_type(FLAT_UP_TO + 1) == "hnsw"


def test_a_store_of_no_asked_type_picks_one_by_its_first_add(monkeypatch):
    monkeypatch.setattr(faiss_store, "FLAT_UP_TO", 4)
    small = FaissStore(8, None, "e")
    assert small.index_type == "auto"
    small.add_chunks([(_unit_rows(4, 8, 0), _passages(4, "a"))], 4, threading.Lock())
    large = FaissStore(8, None, "e")
    large.add(_unit_rows(5, 8, 0), _passages(5, "a"))
    large.add(_unit_rows(50, 8, 1), _passages(50, "b"))  # an index, once picked, stays
    assert (small.index_type, large.index_type) == ("flat", "hnsw")
    assert small.search(_unit_rows(4, 8, 0)[:1], 1)[0][0][0] == 0
