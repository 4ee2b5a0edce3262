"""Page furniture (bylines, buttons, captions, headings) is not judged as evidence."""

from __future__ import annotations

import pytest

from verifier.corpus import is_fragment, split_document
from verifier.types import Document


@pytest.mark.parametrize(
    "text",
    [
        "2 Min Read",
        "Share this Post",
        "RksNews",
        "Join NewsTrack Whatsapp group",
        "# Council passes budget after long debate",
        "FILE PHOTO: Ukrainian servicemen ride a military vehicle in the Sumy region.",
        "Strategic Gains in Kursk Limiting Russian Offensives",
        "Trump Calls for Diplomatic Solutions to End Ukraine War",
    ],
)
def test_fragments(text):
    assert is_fragment(text)


@pytest.mark.parametrize(
    "text",
    [
        "Russia had 11,000 troops in Kursk in August.",
        "The council approved the budget on 14 March by a vote of seven to two.",
        "Ukraine is fighting 50,000 troops in Russia's Kursk region, Zelensky says",
        "“Our forces have immobilized 50,000 enemy soldiers,” Zelensky said.",
        "The Kremlin has not commented on the presence of North Korean troops.",
    ],
)
def test_statements(text):
    assert not is_fragment(text)


def test_split_document_counts_what_it_leaves_out():
    text = "Budget Vote Splits Council\nJoin NewsTrack Whatsapp group\nThe council approved the budget in March.\n"
    split = split_document(Document("d", "d.txt", "Budget Vote Splits Council", text))
    assert [p.text for p in split.passages] == ["The council approved the budget in March."]
    assert split.fragments == 2
    assert split.passages[0].context_before == "Join NewsTrack Whatsapp group"
