"""Small facts about English text that more than one stage reads."""

from __future__ import annotations

import re

# Words that open a sentence leaning on the one before it ("He said ...").
REFERRING_WORDS = (
    *("he", "she", "it", "they", "his", "her", "its", "their"),
    *("this", "that", "these", "those", "there", "the latter", "the former"),
)
_LEANS_ON_PREVIOUS = re.compile(
    r"^\W*(?:" + "|".join(word.replace(" ", r"\s+") for word in REFERRING_WORDS) + r")\b",
    re.IGNORECASE,
)


def leans_on_previous(sentence: str) -> bool:
    """Whether a sentence opens with a word that refers back ("He", "This", "The latter")."""
    return bool(_LEANS_ON_PREVIOUS.match(sentence))
