"""``--store milvus`` on the command line and in the app, over Milvus Lite and the fake models.

The CLI's and the app's models are swapped for the fakes, so each test takes
about a second: what is tested is the store, the options and the resume.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

from tests.fakes import FakeEmbedder, FakeJudge  # noqa: E402
from verifier import pipeline  # noqa: E402
from verifier.io.cli import EXIT_BAD_INPUT, main  # noqa: E402
from verifier.retrieval import MilvusStore  # noqa: E402

DOCS = {
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
CLAIMS = [
    "The library opened in 1998.",
    "The bridge was built in 1850.",
    "The school team won the cup in 2019.",
    "The reading room closes at eight.",
    "The river floods after the snow melts.",
    "Fishing is allowed north of the bridge.",
    "The school has three hundred pupils.",
]
# The fake embedder's scores tie below the third passage for some claims, where
# either order is right; the top two (and the third, which decides them) never do.
TOP_K = "2"


class OtherEmbedder(FakeEmbedder):
    model_id = "another-fake"


@pytest.fixture
def models(monkeypatch) -> list[FakeEmbedder]:
    """The CLI builds fakes; the list holds each embedder made, to count what it encoded."""
    made: list[FakeEmbedder] = []

    def embedder(model=None, backend=None):
        made.append(FakeEmbedder())
        return made[-1]

    monkeypatch.setattr("verifier.retrieval.Embedder", embedder)
    monkeypatch.setattr("verifier.judging.NLIJudge", lambda *args, **kwargs: FakeJudge())
    return made


@pytest.fixture
def corpus(tmp_path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / name).write_text(text)
    return folder


def run(capsys, *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(arg) for arg in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def milvus(uri: Path) -> list[str]:
    return ["--store", "milvus", "--milvus-uri", str(uri)]


def stored(uri: Path) -> MilvusStore:
    embedder = FakeEmbedder()
    return MilvusStore(uri, embedder.dimension, embedder.model_id)


def test_index_then_check_over_milvus_gives_faiss_answers(tmp_path, corpus, models, capsys):
    uri = tmp_path / "index.db"
    code, out, _ = run(capsys, "index", corpus, *milvus(uri))
    assert code == 0, out
    assert "indexed 3 documents, 9 passages" in out
    for claim in CLAIMS:
        answers = []
        for source in (milvus(uri), ["--corpus", corpus]):
            code, out, err = run(capsys, "check", claim, "--json", "--top-k", TOP_K, *source)
            assert code == 0, err
            answers.append(json.loads(out))
        over_milvus, over_faiss = answers
        evidence = [
            [(e["source"], e["start"], e["end"]) for e in answer["evidence"]] for answer in answers
        ]
        assert evidence[0] == evidence[1]
        assert len(evidence[0]) == 2
        assert [e["score"] for e in over_milvus["evidence"]] == pytest.approx(
            [e["score"] for e in over_faiss["evidence"]], abs=1e-5
        )
        assert over_milvus["verdict"] == over_faiss["verdict"]


def test_a_claims_file_over_milvus_gives_the_faiss_results(tmp_path, corpus, models, capsys):
    claims = tmp_path / "claims.jsonl"
    claims.write_text("".join(json.dumps({"claim": claim}) + "\n" for claim in CLAIMS))
    uri = tmp_path / "index.db"
    assert run(capsys, "index", corpus, *milvus(uri))[0] == 0
    outputs = {}
    for name, source in (("milvus", milvus(uri)), ("faiss", ["--corpus", corpus])):
        out = tmp_path / f"{name}.jsonl"
        code, _, err = run(
            capsys, "check", "--claims", claims, "--out", out, "--top-k", TOP_K, *source
        )
        assert code == 0, err
        outputs[name] = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(outputs["milvus"]) == len(CLAIMS)
    for a, b in zip(outputs["milvus"], outputs["faiss"], strict=True):
        assert a["verdict"] == b["verdict"]
        assert [(e["source"], e["start"]) for e in a["evidence"]] == [
            (e["source"], e["start"]) for e in b["evidence"]
        ]


def test_check_with_a_corpus_adds_it_to_the_collection(tmp_path, corpus, models, capsys):
    uri = tmp_path / "index.db"
    code, out, err = run(capsys, "check", CLAIMS[0], "--corpus", corpus, *milvus(uri))
    assert code == 0, err
    reopened = stored(uri)
    assert len(reopened) == 9
    assert len(reopened.files) == len(DOCS)


def test_a_collection_of_another_embedder_is_refused(tmp_path, corpus, models, capsys, monkeypatch):
    uri = tmp_path / "index.db"
    assert run(capsys, "index", corpus, *milvus(uri))[0] == 0
    monkeypatch.setattr(
        "verifier.retrieval.Embedder", lambda model=None, backend=None: OtherEmbedder()
    )
    for argv in (["check", CLAIMS[0], *milvus(uri)], ["index", corpus, *milvus(uri)]):
        code, _, err = run(capsys, *argv)
        assert code == EXIT_BAD_INPUT
        assert "built with embedder 'fake-bow', but 'another-fake' is in use" in err
        assert "Traceback" not in err
    assert len(stored(uri)) == 9


def test_an_interrupted_index_resumes_without_duplicates(tmp_path, corpus, models, capsys):
    clean = tmp_path / "clean.db"
    assert run(capsys, "index", corpus, *milvus(clean))[0] == 0
    uri = tmp_path / "index.db"

    # Four passages per chunk, and the embedder stops on the second chunk: the
    # first chunk (all of library.txt, the start of river.txt) is stored.
    class Interrupted(FakeEmbedder):
        def encode(self, texts, *, progress=False):
            if self.calls == 1:
                raise KeyboardInterrupt
            return super().encode(texts, progress=progress)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipeline, "_EMBEDDING_CHUNK", 4)
        patch.setattr("verifier.retrieval.Embedder", lambda model=None, backend=None: Interrupted())
        code, _, err = run(capsys, "index", corpus, *milvus(uri))
    assert code == 130, err
    assert len(stored(uri)) == 4

    code, out, err = run(capsys, "index", corpus, *milvus(uri))
    assert code == 0, err
    assert "indexed 2 documents, 5 passages" in out
    assert models[-1].calls == 1  # only the five passages not stored were embedded
    resumed, complete = stored(uri), stored(clean)
    assert len(resumed) == len(complete) == 9
    assert resumed.passages == complete.passages
    assert resumed.files == complete.files

    code, out, err = run(capsys, "index", corpus, *milvus(uri))
    assert code == 0, err
    assert "indexed 0 documents, 0 passages" in out
    assert len(stored(uri)) == 9


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["index", "{docs}", "--store", "milvus"], "--store milvus needs --milvus-uri"),
        (
            ["index", "{docs}", "--out", "{tmp}/ix", "--milvus-uri", "{tmp}/x.db"],
            "--milvus-uri needs --store milvus",
        ),
        (["index", "{docs}"], "index needs --out INDEX_DIR"),
        (
            ["index", "{docs}", "--out", "{tmp}/ix", "--store", "milvus", "--milvus-uri", "x.db"],
            "--out, --add and --index-type are for a FAISS index",
        ),
        (["check", "claim"], "check needs --index DIR or --corpus PATH"),
        (
            ["check", "claim", "--index", "{tmp}", "--store", "milvus", "--milvus-uri", "x.db"],
            "--index is a FAISS index folder",
        ),
        (
            ["check", "claim", "--store", "milvus", "--milvus-uri", "{tmp}/missing/x.db"],
            "cannot open Milvus at",
        ),
        (
            ["check", "claim", "--store", "milvus", "--milvus-uri", "milvus.example:19530"],
            "is illegal, needs start with",
        ),
    ],
)
def test_bad_store_options_are_one_clear_line(tmp_path, corpus, models, capsys, argv, message):
    argv = [arg.replace("{tmp}", str(tmp_path)).replace("{docs}", str(corpus)) for arg in argv]
    code, _, err = run(capsys, *argv)
    assert code == EXIT_BAD_INPUT, err
    assert message in err
    assert "Traceback" not in err


def test_a_missing_pymilvus_is_named(tmp_path, corpus, models, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "pymilvus", None)
    code, _, err = run(capsys, "index", corpus, *milvus(tmp_path / "x.db"))
    assert code == EXIT_BAD_INPUT
    assert "the Milvus store needs pymilvus" in err
    assert "Traceback" not in err


def test_the_app_opens_and_reopens_a_collection(tmp_path, corpus, monkeypatch):
    pytest.importorskip("gradio")
    # The package exports main(), which hides the module of the same name.
    app_main = importlib.import_module("app.main")

    class WarmEmbedder(FakeEmbedder):
        def warm_up(self) -> None:
            pass

    class WarmJudge(FakeJudge):
        def warm_up(self) -> None:
            pass

    monkeypatch.setattr(app_main, "Embedder", lambda model=None, backend=None: WarmEmbedder())
    monkeypatch.setattr(app_main, "NLIJudge", lambda *args, **kwargs: WarmJudge())
    uri = tmp_path / "app.db"
    args = app_main.parse_args(["--corpus", str(corpus), *milvus(uri)])
    built, is_demo = app_main.load_verifier(args)
    assert len(built.passages) == 9
    assert not is_demo
    reopened, _ = app_main.load_verifier(app_main.parse_args(milvus(uri)))
    assert reopened.passages == built.passages
    assert reopened.verify(CLAIMS[0]).label == built.verify(CLAIMS[0]).label


def test_the_hnsw_options_reach_the_store(tmp_path):
    import argparse

    from verifier.io.options import add_store_options, open_store

    parser = argparse.ArgumentParser()
    add_store_options(parser)
    args = parser.parse_args(["--store", "milvus", "--milvus-uri", str(tmp_path / "x.db")])
    store = open_store(args, FakeEmbedder())
    assert (store.hnsw_m, store.hnsw_ef_construction, store.hnsw_ef) == (16, 200, 64)
    store.close()
    args = parser.parse_args(
        [
            *("--store", "milvus", "--milvus-uri", str(tmp_path / "y.db")),
            *("--milvus-hnsw-m", "8", "--milvus-hnsw-ef-construction", "40"),
            *("--milvus-hnsw-ef", "128"),
        ]
    )
    store = open_store(args, FakeEmbedder())
    assert (store.hnsw_m, store.hnsw_ef_construction, store.hnsw_ef) == (8, 40, 128)
    with pytest.raises(SystemExit):
        parser.parse_args(["--milvus-hnsw-ef", "0"])
