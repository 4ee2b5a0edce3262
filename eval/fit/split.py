"""A deterministic dev/test split of claims by a stable hash of their ids.

Python's ``hash()`` is salted per process, so sha1 is used: the same id lands in
the same half on every machine and every run, and adding or removing claims
never moves the others.
"""

from __future__ import annotations

import hashlib

DEV = "dev"
TEST = "test"


def split_of(claim_id: str, dev_fraction: float = 0.5) -> str:
    """``"dev"`` or ``"test"`` for a claim id.

    Args:
        claim_id: the claim's id as given by the dataset.
        dev_fraction: share of ids that go to dev, within [0, 1].

    Raises:
        ValueError: ``dev_fraction`` is outside [0, 1].

    Example:
        >>> split_of("0") == split_of("0")
        True
    """
    if not 0.0 <= dev_fraction <= 1.0:
        raise ValueError(f"dev_fraction must be within [0, 1], got {dev_fraction}")
    digest = hashlib.sha1(claim_id.encode("utf-8")).digest()
    position = int.from_bytes(digest[:8], "big") / 2**64
    return DEV if position < dev_fraction else TEST
