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


# C0 and C1 control characters but tab and newline: ESC sequences among them
# would drive the reader's terminal.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> str:
    """``text`` without control characters (ESC, NUL, CSI...), tabs and newlines kept.

    Example:
        >>> strip_controls("red \\x1b[31malert\\x1b[0m")
        'red [31malert[0m'
    """
    return _CONTROLS.sub("", text)
