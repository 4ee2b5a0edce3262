"""Index folders: the library deletes only what it wrote, and reads only what it validated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.retrieval.test_faiss_store import built
from verifier.errors import IndexFormatError, IndexWriteError
from verifier.io.cli import EXIT_BAD_INPUT, main
from verifier.retrieval import FaissStore


def saved(tmp_path: Path) -> tuple[Path, Path]:
    index, _ = built(count=5)
    root = tmp_path / "ix"
    version = Path(index.save(root))
    return root, version


def test_a_save_leaves_folders_it_did_not_write(tmp_path):
    root = tmp_path / "ix"
    user = root / "v-important-reports"
    (user / "2024").mkdir(parents=True)
    (user / "2024" / "q1.txt").write_text("keep me")
    fake = root / "v-lookalike"
    fake.mkdir()
    empty = root / "v-empty-user-folder"
    empty.mkdir()
    (fake / "manifest.json").write_text('{"mine": "not the library\'s"}')
    index, _ = built(count=5)
    index.save(root)
    index.save(root)
    assert (user / "2024" / "q1.txt").read_text() == "keep me"
    assert fake.is_dir() and empty.is_dir()
    own = [d for d in root.iterdir() if d.name.startswith("v-") and d not in (user, fake, empty)]
    assert len(own) == 1


def test_a_save_removes_versions_written_before_the_marker(tmp_path):
    root, version = saved(tmp_path)
    (version / ".verifier-index-version").unlink()
    index, _ = built(count=6)
    index.save(root)
    assert not version.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("index_type", ["flat"]),
        ("index_type", "annoy"),
        ("checksums", None),
        ("checksums", {"passages.jsonl": 5}),
        ("checksums", {"../../etc/passwd": "x", "passages.jsonl": "y"}),
        ("dimension", "384"),
        ("dimension", True),
        ("dimension", -1),
        ("dimension", 10**12),
        ("passages", 1.5),
        ("documents", 10**9),
        ("files", []),
        ("embedder_id", None),
        ("format_version", "1"),
    ],
)
def test_every_manifest_field_is_validated(tmp_path, field, value):
    root, version = saved(tmp_path)
    manifest = json.loads((version / "manifest.json").read_text())
    manifest[field] = value
    (version / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexFormatError, match=field):
        FaissStore.load(root)


@pytest.mark.parametrize("change", ["missing", "extra", "not an object"])
def test_a_manifest_with_missing_or_unknown_fields_is_refused(tmp_path, change):
    root, version = saved(tmp_path)
    manifest = json.loads((version / "manifest.json").read_text())
    if change == "missing":
        del manifest["checksums"]
    elif change == "extra":
        manifest["surprise"] = 1
    else:
        manifest = [manifest]
    (version / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexFormatError, match="corrupt"):
        FaissStore.load(root)


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe\x00binary", b"/etc", b"../ix2/v-x", b"v-a\nv-b", b"", b"v-" + b"a" * 300, b"."],
)
def test_current_must_name_one_plain_folder(tmp_path, content):
    root, _ = saved(tmp_path)
    (root / "CURRENT").write_bytes(content)
    with pytest.raises(IndexFormatError, match="CURRENT"):
        FaissStore.load(root)


def test_an_absolute_current_cannot_load_an_index_from_elsewhere(tmp_path):
    elsewhere, version = saved(tmp_path / "other")
    root, _ = saved(tmp_path)
    (root / "CURRENT").write_text(str(version))
    with pytest.raises(IndexFormatError):
        FaissStore.load(root)


@pytest.mark.parametrize("start", [None, "x", [], {}])
def test_passages_with_bad_offsets_are_reported(tmp_path, start):
    root, version = saved(tmp_path)
    lines = (version / "passages.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    first["start"] = start
    lines[0] = json.dumps(first)
    (version / "passages.jsonl").write_text("\n".join(lines) + "\n")
    manifest = json.loads((version / "manifest.json").read_text())
    from verifier.retrieval.faiss_store import _sha256

    manifest["checksums"]["passages.jsonl"] = _sha256(version / "passages.jsonl")
    (version / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexFormatError, match="passages .* corrupt"):
        FaissStore.load(root)


def test_saving_over_a_file_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "file").write_text("not a folder")
    index, _ = built(count=3)
    with pytest.raises(IndexWriteError, match="a file is in the way"):
        index.save(tmp_path / "file")
    with pytest.raises(IndexWriteError, match="cannot write the index"):
        index.save(tmp_path / "file" / "below")
    (tmp_path / "doc.txt").write_text("The bridge opened in 2019 after delays.")
    code = main(["index", str(tmp_path / "doc.txt"), "--out", str(tmp_path / "file")])
    assert code == EXIT_BAD_INPUT
    assert "a file is in the way" in capsys.readouterr().err
