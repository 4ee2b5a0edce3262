from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import numpy as np
import pytest

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

from tests.fakes import FakeEmbedder, FakeJudge  # noqa: E402
from verifier.config import VerifierConfig  # noqa: E402
from verifier.errors import IndexFormatError  # noqa: E402
from verifier.pipeline import Verifier  # noqa: E402
from verifier.retrieval import FaissStore  # noqa: E402
from verifier.retrieval.fusion import DENSE  # noqa: E402
from verifier.retrieval.milvus_store import MilvusStore, has_bm25  # noqa: E402
from verifier.types import Passage  # noqa: E402

CORPUS = {
    "library.txt": (
        "The city library opened in 1998 on Main Street. "
        "It holds forty thousand books and a small archive of maps. "
        "The reading room closes at eight in the evening."
    ),
    "river.txt": (
        "The river floods most springs after the snow melts. "
        "A stone bridge over the river was built in 1850. "
        "Fishing is allowed only north of the bridge."
    ),
    "school.txt": (
        "The primary school has three hundred pupils. "
        "Its football team won the county cup in 2019. "
        "Lessons start at nine in the morning."
    ),
}


def unit_vectors(count: int, dimension: int = 16, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(count, dimension)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def passages(count: int) -> list[Passage]:
    return [
        Passage(f"doc{i // 3}", f"doc{i // 3}.txt", "T", f"sentence {i}", 12 * i, 12 * i + 11)
        for i in range(count)
    ]


# The whole store suite on the server is slow (`-m slow`); two server tests below run by
# default, so CI starts the server (about 30 s) and searches its HNSW index.
@pytest.fixture(params=["lite", pytest.param("server", marks=pytest.mark.slow)])
def open_milvus(request, tmp_path) -> Callable[..., MilvusStore]:
    """Opens this test's stores by name: Milvus Lite files, or collections on the session's server.

    Opening the same name again reopens the same collection.
    """
    if request.param == "lite":

        def open_lite(
            dimension: int = 16, embedder_id: str = "fake-embedder", *, name="store", **settings
        ) -> MilvusStore:
            return MilvusStore(tmp_path / f"{name}.db", dimension, embedder_id, **settings)

        return open_lite
    uri = request.getfixturevalue("milvus_server")
    prefix = f"test_{uuid.uuid4().hex}_"

    def open_on_server(
        dimension: int = 16, embedder_id: str = "fake-embedder", *, name="store", **settings
    ) -> MilvusStore:
        return MilvusStore(uri, dimension, embedder_id, collection=prefix + name, **settings)

    return open_on_server


def test_search_finds_the_same_passages_as_faiss(open_milvus):
    vectors, stored = unit_vectors(200), passages(200)
    faiss_index = FaissStore(16, "flat", "fake-embedder")
    faiss_index.add(vectors, stored)
    store = open_milvus(batch_size=64)
    store.add(vectors, stored)
    queries = unit_vectors(10, seed=1)
    expected = faiss_index.search(queries, 5)
    found = store.search(queries, 5)
    assert [[p for p, _ in row] for row in found] == [[p for p, _ in row] for row in expected]
    for row, expected_row in zip(found, expected, strict=True):
        assert [s for _, s in row] == pytest.approx([s for _, s in expected_row], abs=1e-5)
    assert store.passages == stored


def test_verifier_over_milvus_retrieves_as_over_faiss(open_milvus):
    embedder = FakeEmbedder()
    store = open_milvus(embedder.dimension, embedder.model_id)
    over_milvus = Verifier.open(store, CORPUS, embedder=embedder, judge=FakeJudge())
    # A server without BM25 retrieves by vector alone: FAISS is asked the same.
    config = VerifierConfig() if store.has_lexical else VerifierConfig(retrieval=DENSE)
    over_faiss = Verifier.from_corpus(CORPUS, embedder=embedder, judge=FakeJudge(), config=config)
    assert over_milvus.passages == over_faiss.passages
    for claim in ("The library opened in 1998.", "The bridge was built in 1850."):
        assert [hit.passage for hit in over_milvus.retrieve(claim, 3)] == [
            hit.passage for hit in over_faiss.retrieve(claim, 3)
        ]
        assert over_milvus.verify(claim).label == over_faiss.verify(claim).label


def test_reopening_keeps_passages_and_source_files(open_milvus):
    embedder = FakeEmbedder()
    store = open_milvus(embedder.dimension, embedder.model_id)
    verifier = Verifier.open(store, CORPUS, embedder=embedder, judge=FakeJudge())
    verifier.save()
    added = list(verifier.passages)
    store.close()
    reopened = open_milvus(embedder.dimension, embedder.model_id)
    assert reopened.passages == added
    assert reopened.files == store.files
    assert set(reopened.files) == set(CORPUS)


def test_adding_the_same_passages_twice_stores_them_once(open_milvus):
    vectors, stored = unit_vectors(50), passages(50)
    store = open_milvus(batch_size=16)
    store.add(vectors, stored)
    store.add(vectors, stored)
    store.add(np.concatenate([vectors[:5], vectors[:5]]), stored[:5] + stored[:5])
    assert len(store) == 50
    store.close()
    assert len(open_milvus()) == 50


def test_an_interrupted_add_resumed_stores_each_passage_once(open_milvus):
    vectors, stored = unit_vectors(100), passages(100)
    complete = open_milvus(name="complete", batch_size=16)
    complete.add(vectors, stored)

    def stop_after_three_batches(done: int, total: int) -> None:
        if done >= 48:
            raise KeyboardInterrupt

    store = open_milvus(batch_size=16, progress=stop_after_three_batches)
    with pytest.raises(KeyboardInterrupt):
        store.add(vectors, stored)
    store.close()
    resumed = open_milvus(batch_size=16)
    assert len(resumed) == 48
    resumed.add(vectors, stored)
    assert len(resumed) == len(complete) == 100
    assert resumed.passages == complete.passages == stored
    queries = unit_vectors(5, seed=2)
    assert [[p for p, _ in row] for row in resumed.search(queries, 4)] == [
        [p for p, _ in row] for row in complete.search(queries, 4)
    ]


def test_progress_is_reported_after_each_batch(open_milvus):
    calls = []
    store = open_milvus(batch_size=16, progress=lambda done, total: calls.append((done, total)))
    store.add(unit_vectors(40), passages(40))
    assert calls == [(16, 40), (32, 40), (40, 40)]


def test_a_store_made_with_one_embedder_refuses_another(open_milvus):
    store = open_milvus(embedder_id="embedder-a")
    store.add(unit_vectors(3), passages(3))
    store.close()
    with pytest.raises(IndexFormatError, match="built with embedder 'embedder-a'"):
        open_milvus(embedder_id="embedder-b")
    with pytest.raises(IndexFormatError, match="dimension 16"):
        open_milvus(dimension=32, embedder_id="embedder-a")


def test_the_verifier_refuses_a_store_of_another_embedder(open_milvus):
    store = open_milvus(embedder_id="another-model")
    with pytest.raises(IndexFormatError, match="another-model"):
        Verifier.open(store, CORPUS, embedder=FakeEmbedder(), judge=FakeJudge())


def test_settings_are_checked(open_milvus):
    with pytest.raises(ValueError, match="dimension"):
        open_milvus(dimension=0)
    with pytest.raises(ValueError, match="batch_size"):
        open_milvus(batch_size=0)
    for setting in ("hnsw_m", "hnsw_ef_construction", "hnsw_ef"):
        with pytest.raises(ValueError, match=f"{setting} must be positive, got 0"):
            open_milvus(**{setting: 0})
    store = open_milvus()
    with pytest.raises(ValueError, match="shape"):
        store.add(unit_vectors(2), passages(3))
    with pytest.raises(ValueError, match="k must be"):
        store.search(unit_vectors(1), 0)
    assert store.search(unit_vectors(2), 3) == [[], []]


def test_unstored_asks_the_collection_a_batch_at_a_time(open_milvus):
    vectors, stored = unit_vectors(40), passages(40)
    store = open_milvus(batch_size=8)
    store.add(vectors[:20], stored[:20])
    assert store.unstored(stored) == stored[20:]
    assert store.unstored(stored[30:] + stored[:5] + stored[30:]) == stored[30:]


def test_an_interrupted_corpus_add_resumes_through_the_verifier(open_milvus):
    """Stopped after the first batch of four passages, half-way through the second
    document: the rerun embeds and stores only the other five, in the clean order."""
    clean = Verifier.from_corpus(CORPUS, embedder=FakeEmbedder(), judge=FakeJudge())

    def stop_after_the_first_batch(done: int, total: int) -> None:
        raise RuntimeError("connection lost")

    embedder = FakeEmbedder()
    store = open_milvus(embedder.dimension, embedder.model_id, batch_size=4)
    store.progress = stop_after_the_first_batch
    with pytest.raises(RuntimeError, match="connection lost"):
        Verifier.open(store, CORPUS, embedder=embedder, judge=FakeJudge())
    store.close()

    encoded: list[str] = []

    class CountingEmbedder(FakeEmbedder):
        def encode(self, texts, *, progress=False):
            encoded.extend(texts)
            return super().encode(texts, progress=progress)

    reopened = open_milvus(embedder.dimension, embedder.model_id, batch_size=4)
    assert len(reopened) == 4
    resumed = Verifier.open(reopened, CORPUS, embedder=CountingEmbedder(), judge=FakeJudge())
    assert len(encoded) == resumed.load_report.passages == 5
    assert resumed.load_report.documents == 2
    assert resumed.passages == clean.passages
    claim = "The bridge was built in 1850."
    assert [h.passage for h in resumed.retrieve(claim, 2)] == [
        h.passage for h in clean.retrieve(claim, 2)
    ]


def test_a_released_collection_is_loaded_on_opening(open_milvus):
    """Another process's collection is released until loaded, as it is here by hand."""
    store = open_milvus()
    store.add(unit_vectors(5), passages(5))
    store.save()
    for name in (store.collection, store.collection + "_meta"):
        store._client.release_collection(name)
    store.close()
    reopened = open_milvus()
    assert reopened.passages == passages(5)
    assert [p for p, _ in reopened.search(unit_vectors(5)[:1], 1)[0]] == [0]


def test_passages_are_read_back_a_page_at_a_time_in_order(open_milvus, monkeypatch):
    from verifier.retrieval import milvus_store

    store = open_milvus(batch_size=6)
    store.add(unit_vectors(20), passages(20))
    store.close()
    monkeypatch.setattr(milvus_store, "_READ_PAGE", 7)
    assert open_milvus().passages == passages(20)


@pytest.fixture
def passage_reads(monkeypatch):
    """The position ranges read from the passage collection, as (filter, fields) pairs."""
    from pymilvus import MilvusClient

    reads: list[str] = []
    query = MilvusClient.query

    def recording_query(self, collection_name, filter="", output_fields=None, **kwargs):
        if "text" in (output_fields or ()):
            reads.append(filter)
        return query(self, collection_name, filter=filter, output_fields=output_fields, **kwargs)

    monkeypatch.setattr(MilvusClient, "query", recording_query)
    return reads


@pytest.fixture
def small_pages(monkeypatch):
    """Pages of four passages, two kept, and seven a query when reading them all."""
    from verifier.retrieval import milvus_store

    monkeypatch.setattr(milvus_store, "_PAGE", 4)
    monkeypatch.setattr(milvus_store, "_CACHED_PAGES", 2)
    monkeypatch.setattr(milvus_store, "_READ_PAGE", 7)


def test_reopening_reads_no_passage_and_neither_does_the_verifier(open_milvus, passage_reads):
    embedder = FakeEmbedder()
    store = open_milvus(embedder.dimension, embedder.model_id)
    built = Verifier.open(store, CORPUS, embedder=embedder, judge=FakeJudge())
    built.save()
    store.close()
    passage_reads.clear()
    reopened = open_milvus(embedder.dimension, embedder.model_id)
    verifier = Verifier(reopened, embedder=embedder, judge=FakeJudge())
    assert (len(reopened), reopened.documents) == (9, 3)
    assert verifier.load_report.documents == 3
    assert verifier.stats.to_dict() == {**built.stats.to_dict(), "sources": sorted(CORPUS)}
    assert passage_reads == []
    hits = verifier.retrieve("The bridge was built in 1850.", 2)
    assert hits[0].passage.doc_id == "river.txt"
    assert passage_reads == []  # the search returned the passages it found
    private = verifier.workspace()
    assert private.stats.documents == 3
    private.add({"ferry.txt": "The ferry crosses the river at noon every day."})
    assert private.verify("The bridge was built in 1850.").label
    assert passage_reads == []  # neither a workspace nor a check reads the collection


def test_passages_are_read_by_position_a_page_at_a_time(open_milvus, passage_reads, small_pages):
    stored = passages(20)
    store = open_milvus(batch_size=6)
    store.add(unit_vectors(20), stored)
    store.close()
    reopened = open_milvus()
    for position in (0, 3, 4, 7, 8, 15, 16, 19, -1, -20):
        assert reopened.passages[position] == stored[position]
    assert len(passage_reads) == 6  # pages 0, 1, 2, 3, 4, then 0 again: two are kept
    assert reopened.passages[2:10] == stored[2:10]
    assert reopened.passages[::3] == stored[::3]
    assert reopened.passages[18:40] == stored[18:40]
    assert reopened.passages[30:] == []
    for position in (20, -21):
        with pytest.raises(IndexError, match="out of range"):
            reopened.passages[position]
    passage_reads.clear()
    assert list(reopened.passages) == stored
    assert len(passage_reads) == 3  # seven at a time
    assert reopened.passages == stored and reopened.passages != stored[:19]


def test_adding_after_reading_continues_the_positions(open_milvus, small_pages):
    stored = passages(30)
    store = open_milvus(batch_size=4)
    store.add(unit_vectors(18), stored[:18])
    assert store.passages[-1] == stored[17]  # the last page, of two, is read
    store.add(unit_vectors(30), stored)
    assert len(store) == 30
    assert [store.passages[p] for p in (16, 17, 18, 19, 29)] == [
        stored[p] for p in (16, 17, 18, 19, 29)
    ]
    store.close()
    assert open_milvus().passages == stored


def test_documents_are_counted_on_adding_and_kept_on_reopening(open_milvus):
    vectors, stored = unit_vectors(30), passages(30)  # three passages a document
    store = open_milvus(batch_size=4)
    store.add(vectors[:20], stored[:20])
    assert store.documents == 7
    store.close()
    reopened = open_milvus(batch_size=4)
    assert reopened.documents == 7
    reopened.add(vectors, stored)  # doc6's third passage, and doc7 to doc9
    assert reopened.documents == 10
    reopened.add(vectors, stored)
    assert reopened.documents == 10
    reopened.close()
    assert open_milvus().documents == 10


def test_a_collection_without_document_records_gets_them_once(open_milvus):
    store = open_milvus()
    store.add(unit_vectors(20), passages(20))
    store._client.delete(store.collection + "_meta", filter='key like "document:%"')
    store.close()
    assert open_milvus().documents == 7
    assert open_milvus().documents == 7


def test_a_missing_position_is_reported_when_read(open_milvus, small_pages):
    stored = passages(10)
    store = open_milvus()
    store.add(unit_vectors(10), stored)
    store._client.delete(store.collection, filter="position == 5")
    store.close()
    reopened = open_milvus()
    assert reopened.passages[0] == stored[0]
    with pytest.raises(IndexFormatError, match="inconsistent"):
        reopened.passages[5]


def test_the_passages_a_search_found_are_read_without_asking_again(
    open_milvus, passage_reads, small_pages
):
    vectors, stored = unit_vectors(40), passages(40)
    store = open_milvus()
    store.add(vectors, stored)
    hits = store.search(unit_vectors(12, seed=3), 5)  # 60 hits, on every page
    assert [[store.passages[p] for p, _ in row] for row in hits] == [
        [stored[p] for p, _ in row] for row in hits
    ]
    assert passage_reads == []


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("milvus_lite-3.2.2", True),
        ("v2.3.5-lite", False),  # PyPI's milvus: a standalone server
        ("v2.4.15", False),
        ("v2.5.0", True),
        ("2.6.1", True),
        ("v3.0.0", True),
        ("Zilliz Cloud Vector Database(Compatible with Milvus 2.5)", True),
        ("unknown", False),
    ],
)
def test_bm25_is_known_from_the_server_version(version, expected):
    assert has_bm25(version) is expected


def wait_until_indexed(store: MilvusStore) -> None:
    """Wait for the server to index every passage, then load the collection with its index."""
    deadline = time.monotonic() + 300
    while True:
        described = store._client.describe_index(store.collection, "vector")
        if described["indexed_rows"] >= len(store) and not described["pending_index_rows"]:
            break
        assert time.monotonic() < deadline, f"the server has not indexed the passages: {described}"
        time.sleep(0.5)
    store._client.release_collection(store.collection)
    store._client.load_collection(store.collection)


def test_milvus_lite_searches_exactly_and_a_server_by_hnsw(open_milvus):
    store = open_milvus(hnsw_m=8, hnsw_ef_construction=40)
    described = store._client.describe_index(store.collection, "vector")
    if store.server_version.startswith("milvus_lite"):
        assert (store.index_type, described["index_type"]) == ("flat", "FLAT")
    else:
        assert store.index_type == "hnsw"
        assert (described["index_type"], described["M"], described["efConstruction"]) == (
            "HNSW",
            "8",
            "40",
        )
    store.close()
    assert open_milvus(hnsw_m=32).index_type == store.index_type  # kept on reopening


def test_hnsw_on_a_server_finds_nearly_all_exact_neighbours(milvus_server):
    """Recall@10 against exact search over 3,000 random 64-d unit vectors, the hardest
    kind for a graph (no clusters): HNSW with the defaults finds nearly all of them."""
    vectors, queries = unit_vectors(3000, 64), unit_vectors(200, 64, seed=1)
    store = MilvusStore(milvus_server, 64, "fake-embedder", collection=f"recall_{uuid.uuid4().hex}")
    store.add(vectors, passages(3000))
    store.save()
    wait_until_indexed(store)
    exact = np.argsort(-queries @ vectors.T, axis=1)[:, :10]
    found = [[position for position, _ in row] for row in store.search(queries, 10)]
    recall = np.mean(
        [len(set(row) & set(best)) / 10 for row, best in zip(found, exact.tolist(), strict=True)]
    )
    assert store.index_type == "hnsw"
    assert recall >= 0.9
    # ef below k is raised to k, which Milvus requires; recall falls but stays sensible.
    narrow = MilvusStore(milvus_server, 64, "fake-embedder", collection=store.collection, hnsw_ef=1)
    found = [[position for position, _ in row] for row in narrow.search(queries, 10)]
    assert all(len(row) == 10 for row in found)


def test_a_server_without_bm25_retrieves_by_vector_and_says_so_once(milvus_server, caplog):
    collection = f"dense_{uuid.uuid4().hex}"
    with caplog.at_level("INFO", logger="verifier.retrieval.milvus_store"):
        store = MilvusStore(milvus_server, 16, "fake-embedder", collection=collection)
    if has_bm25(store.server_version):
        pytest.skip(f"Milvus {store.server_version} has BM25")
    said = [r.getMessage() for r in caplog.records if "BM25" in r.getMessage()]
    assert len(said) == 1 and "dense only" in said[0]
    store.add(unit_vectors(9), passages(9))
    assert not store.has_lexical
    assert store.lexical_search(["sentence 3"], 3) == [[]]
    assert [p for p, _ in store.search(unit_vectors(9)[3:4], 1)[0]] == [3]
