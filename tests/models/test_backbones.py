"""Backbones assembled from PyPI pieces: found, put together once, and clear errors."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from models import backbones
from verifier.errors import ModelLoadError


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
    pieces = dict(zip(backbones.MPNET_PACKAGES, fake_pieces(tmp_path), strict=True))
    calls = []

    def piece(package: str) -> Path:
        calls.append(package)
        return pieces[package]

    monkeypatch.setattr(backbones, "_piece", piece)
    folder = backbones.mpnet_base_path(tmp_path / "cache")
    assert (folder / "model.safetensors").read_bytes() == b"weights"
    assert (folder / "1_Pooling" / "config.json").is_file()
    assert calls == list(backbones.MPNET_PACKAGES)
    assert backbones.mpnet_base_path(tmp_path / "cache") == folder
    assert len(calls) == 5
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["all-mpnet-base-v2"]


def test_pieces_out_of_order_are_refused(tmp_path, monkeypatch):
    pieces = fake_pieces(tmp_path)[::-1]
    lookup = dict(zip(backbones.MPNET_PACKAGES, pieces, strict=True))
    monkeypatch.setattr(backbones, "_piece", lookup.__getitem__)
    with pytest.raises(ModelLoadError, match="do not form a zip"):
        backbones.mpnet_base_path(tmp_path / "cache")
    assert not (tmp_path / "cache" / "all-mpnet-base-v2").exists()


def test_a_missing_package_names_the_install_command(monkeypatch):
    with pytest.raises(ModelLoadError, match="pip install"):
        backbones._piece("no-such-package-part-001")


def test_an_unknown_backbone_name_is_refused(tmp_path):
    assert backbones.backbone_path(str(tmp_path)) == tmp_path
    with pytest.raises(ModelLoadError, match="neither"):
        backbones.backbone_path("no-such-backbone")


def test_the_cache_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("VERIFIER_CACHE", str(tmp_path))
    assert backbones.cache_root() == tmp_path
