"""Removing a source's passages from every store: what is left searches as if never added."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.fakes import FakeEmbedder, FakeJudge
from verifier import Verifier, VerifierConfig
from verifier.retrieval import FaissStore, LayeredStore
from verifier.types import Passage

DIMENSION = 16


def unit_vectors(count: int, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(count, DIMENSION)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def passages_of(source: str, count: int) -> list[Passage]:
    return [
        Passage(f"{source}#d", source, "T", f"{source} sentence {n}", 30 * n, 30 * n + 20)
        for n in range(count)
    ]


def milvus_store(tmp_path: Path):
    pytest.importorskip("pymilvus")
    pytest.importorskip("milvus_lite")
    from verifier.retrieval import MilvusStore

    return MilvusStore(tmp_path / "store.db", DIMENSION, "fake", batch_size=7)


STORES = {
    "flat": lambda tmp_path: FaissStore(DIMENSION, "flat", "fake"),
    "hnsw": lambda tmp_path: FaissStore(DIMENSION, "hnsw", "fake"),
    "milvus": milvus_store,
}


@pytest.mark.parametrize("kind", STORES)
def test_after_a_removal_the_store_searches_as_one_never_given_it(tmp_path, kind):
    parts = {"a.txt": passages_of("a.txt", 20), "b.txt": passages_of("b.txt", 15)}
    parts["c.txt"] = passages_of("c.txt", 25)
    vectors = {source: unit_vectors(len(p), seed=n) for n, (source, p) in enumerate(parts.items())}
    store = STORES[kind](tmp_path)
    for source in parts:
        store.add(vectors[source], parts[source])
        store.files[source] = f"hash-{source}"
    store.uploaded.update({"b.txt"})

    assert store.remove(["b.txt"]) == 15

    expected = FaissStore(DIMENSION, "flat", "fake")
    for source in ("a.txt", "c.txt"):
        expected.add(vectors[source], parts[source])
    assert list(store.passages) == expected.passages
    assert len(store) == 45 and store.documents == 2
    assert store.files == {"a.txt": "hash-a.txt", "c.txt": "hash-c.txt"}
    assert store.uploaded == set()
    queries = unit_vectors(6, seed=9)
    found = store.search(queries, 5)
    assert [[p for p, _ in row] for row in found] == [
        [p for p, _ in row] for row in expected.search(queries, 5)
    ]
    assert np.allclose(store.vectors([0, 44]), expected.vectors([0, 44]), atol=1e-5)
    (hits,) = store.lexical_search(["b.txt sentence"], 50)
    assert all(store.passages[position].source != "b.txt" for position, _ in hits)


def test_removing_every_passage_leaves_an_empty_searchable_store():
    store = FaissStore(DIMENSION, "flat", "fake")
    store.add(unit_vectors(3), passages_of("a.txt", 3))
    store.files["a.txt"] = "h"
    assert store.remove(["a.txt", "never-there.txt"]) == 3
    assert len(store) == 0 and store.files == {}
    assert store.search(unit_vectors(1), 3) == [[]]


def test_uploads_are_saved_with_the_index_and_an_older_folder_loads_without(tmp_path):
    store = FaissStore(DIMENSION, "flat", "fake")
    store.add(unit_vectors(4), passages_of("a.txt", 2) + passages_of("up.txt", 2))
    store.files.update({"a.txt": "h1", "up.txt": "h2"})
    store.uploaded.add("up.txt")
    version = Path(store.save(tmp_path / "ix"))
    assert FaissStore.load(tmp_path / "ix").uploaded == {"up.txt"}

    manifest = json.loads((version / "manifest.json").read_text())
    del manifest["uploaded"]
    manifest["format_version"] = 2
    (version / "manifest.json").write_text(json.dumps(manifest))
    older = FaissStore.load(tmp_path / "ix")
    assert older.uploaded == set() and len(older) == 4
    # Saved again, the older folder is recognised as the library's own and replaced.
    older.save(tmp_path / "ix")
    assert not version.exists()


def make(corpus) -> Verifier:
    return Verifier.from_corpus(
        corpus,
        embedder=FakeEmbedder(),
        judge=FakeJudge(),
        config=VerifierConfig(),
    )


def test_a_verifier_removes_uploads_only_and_lists_who_added_what(tmp_path):
    verifier = make({"server.txt": "The harbour bridge opened in 2019."})
    (tmp_path / "ferry.txt").write_text("The night ferry starts on 1 June.", encoding="utf-8")
    verifier.add([tmp_path / "ferry.txt"], uploaded=True)
    assert [(s.name, s.uploaded) for s in verifier.library()] == [
        ("ferry.txt", True),
        ("server.txt", False),
    ]
    with pytest.raises(ValueError, match="came with the server"):
        verifier.remove(["server.txt"])
    with pytest.raises(ValueError, match="not in the index"):
        verifier.remove(["nothing.txt"])
    assert verifier.remove(["ferry.txt"]) == 1
    assert [s.name for s in verifier.library()] == ["server.txt"]
    assert all("ferry" not in hit.passage.text for hit in verifier.retrieve("night ferry June"))
    # Removed, the same file can be uploaded again.
    assert verifier.add([tmp_path / "ferry.txt"], uploaded=True).documents == 1


def test_a_workspace_removes_its_own_uploads_never_the_shared_ones(tmp_path):
    shared = make({"server.txt": "The harbour bridge opened in 2019."})
    private = shared.workspace()
    (tmp_path / "mine.txt").write_text("The night ferry starts on 1 June.", encoding="utf-8")
    private.add([tmp_path / "mine.txt"], uploaded=True)
    assert isinstance(private.index, LayeredStore)
    with pytest.raises(ValueError):
        private.index.remove(["server.txt"])
    assert private.remove(["mine.txt"]) == 1
    assert len(private.index) == len(shared.index) == 1
