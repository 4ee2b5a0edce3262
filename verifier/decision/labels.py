"""Gold verdict labels as claim files and datasets spell them."""

from __future__ import annotations

from typing import Any

from verifier.types import CONFLICTING, NOT_ENOUGH_INFO, REFUTED, SUPPORTED, VERDICT_LABELS

# Gold labels in claim files, as the common datasets spell them.
_GOLD_SYNONYMS = {
    "supported": SUPPORTED,
    "supports": SUPPORTED,
    "support": SUPPORTED,
    "true": SUPPORTED,
    "refuted": REFUTED,
    "refutes": REFUTED,
    "refute": REFUTED,
    "false": REFUTED,
    "not_enough_info": NOT_ENOUGH_INFO,
    "not_enough_information": NOT_ENOUGH_INFO,
    "nei": NOT_ENOUGH_INFO,
    "conflicting": CONFLICTING,
    "disputed": CONFLICTING,
}


def gold_label(value: Any) -> str | None:
    """A claim file's gold label as a verdict label; ``None`` when it is empty.

    Raises:
        ValueError: the label is not one of the four verdicts or a common spelling.
    """
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    canonical = _GOLD_SYNONYMS.get("_".join(text.lower().replace("-", " ").split()))
    if canonical is None:
        raise ValueError(
            f"gold label {text!r} is not one of {', '.join(VERDICT_LABELS)} "
            "(or SUPPORTS / REFUTES / NEI / DISPUTED)"
        )
    return canonical
