"""The words a corpus writes in lower case: tells an ordinary word from a name."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence

from verifier.types import Passage

_LOWERCASE_WORD = re.compile(r"\b[a-z][a-z0-9'-]*\b")


class LowercaseWords:
    """Every word the passages write in lower case, read again only when passages are added.

    A claim's capitalised first word is an ordinary word ("Global warming...")
    when the corpus also writes it in lower case, and a name ("China has...")
    when it never does.
    """

    def __init__(self) -> None:
        self._words: frozenset[str] = frozenset()
        self._counted = -1
        self._lock = threading.Lock()

    def of(self, passages: Sequence[Passage]) -> frozenset[str]:
        """The lower-case words of ``passages`` (an index only grows, so its length is its version)."""
        with self._lock:
            if self._counted != len(passages):
                self._words = frozenset(
                    word for passage in passages for word in _LOWERCASE_WORD.findall(passage.text)
                )
                self._counted = len(passages)
            return self._words
