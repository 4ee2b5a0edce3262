"""Which output of an NLI checkpoint is entailment, neutral and contradiction.

Checkpoints disagree on the order, so it is read from ``config.id2label`` (or
the registry's table for checkpoints that only say ``LABEL_0``...) and a model
whose labels cannot be mapped is refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from verifier.errors import ModelLabelError
from verifier.registry import KNOWN_LABEL_ORDERS
from verifier.types import CONTRADICTION, ENTAILMENT, NEUTRAL

_LABEL_SYNONYMS = {
    "entailment": ENTAILMENT,
    "entailed": ENTAILMENT,
    "entails": ENTAILMENT,
    "supports": ENTAILMENT,
    "neutral": NEUTRAL,
    "not_enough_info": NEUTRAL,
    "nei": NEUTRAL,
    "contradiction": CONTRADICTION,
    "contradicts": CONTRADICTION,
    "contradictory": CONTRADICTION,
    "refutes": CONTRADICTION,
}


def map_labels(id2label: Mapping[int | str, str], model_name: str = "") -> dict[str, int]:
    """Find which output index holds entailment, neutral and contradiction.

    Args:
        id2label: ``config.id2label`` of the checkpoint.
        model_name: its path or hub id, to look up checkpoints that only say
            ``LABEL_0``...

    Returns:
        ``{"entailment": i, "neutral": j, "contradiction": k}``.

    Raises:
        ModelLabelError: the labels are not exactly those three, in any order
            and any capitalisation.

    Example:
        >>> map_labels({0: "CONTRADICTION", 1: "Entailment", 2: "neutral"})
        {'contradiction': 0, 'entailment': 1, 'neutral': 2}
    """
    names = {int(index): str(label) for index, label in id2label.items()}
    if all(re.fullmatch(r"LABEL_\d+", name) for name in names.values()):
        known = KNOWN_LABEL_ORDERS.get(model_name)
        if known is not None and len(names) == len(known):
            names = dict(enumerate(known))
    mapping: dict[str, int] = {}
    for index, name in sorted(names.items()):
        canonical = _LABEL_SYNONYMS.get(re.sub(r"[\s-]+", "_", name.strip().lower()))
        if canonical is None or canonical in mapping:
            mapping = {}
            break
        mapping[canonical] = index
    if len(names) != 3 or set(mapping) != {ENTAILMENT, NEUTRAL, CONTRADICTION}:
        raise ModelLabelError(
            f"cannot map the NLI model's labels {sorted(names.values())} to "
            "entailment / neutral / contradiction; set config.id2label to name all three"
        )
    return mapping
