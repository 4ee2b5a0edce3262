"""Backbones the training code may name instead of a folder.

all-mpnet-base-v2 arrives from PyPI in pieces; the library puts it together
(:mod:`verifier.retrieval.mpnet`), since it is also the optional larger embedder.
"""

from __future__ import annotations

from pathlib import Path

from verifier.errors import ModelLoadError
from verifier.retrieval.mpnet import MPNET_BASE, mpnet_base_path

BACKBONES = {MPNET_BASE: mpnet_base_path}
"""Backbones an adapter may name in ``adapter_config.json`` instead of a path."""


def backbone_path(name: str) -> Path:
    """A backbone folder from its registry name or a local path.

    Raises:
        ModelLoadError: neither a known name nor an existing folder.
    """
    if name in BACKBONES:
        return BACKBONES[name]()
    path = Path(name)
    if path.is_dir():
        return path
    raise ModelLoadError(
        f"the adapter's backbone {name!r} is neither one of {sorted(BACKBONES)} nor a folder"
    )
