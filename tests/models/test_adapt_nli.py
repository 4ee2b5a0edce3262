"""Adapting the judge to corrections: feedback -> pairs, the split by claim, and a tiny run."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import pytest

from models.nli_data import feedback_examples, split_heldout
from verifier.feedback import FeedbackRecord, ShownPassage, read_feedback, record_feedback
from verifier.types import NLIScores, Verdict

CLAIM = "The budget passed by seven votes to two."


def shown(text: str, scores: tuple[float, float, float], deciding: bool, before: str = ""):
    return ShownPassage(
        text, "minutes.txt", "minutes", 0, len(text), before, NLIScores(*scores), "", deciding
    )


def correction(correct: str, *evidence: ShownPassage, claim: str = CLAIM) -> FeedbackRecord:
    return FeedbackRecord(claim, "X", 0.9, correct, tuple(evidence), "2026-11-29T08:00:00+00:00")


VOTE = shown("The budget passed 7-2.", (0.1, 0.1, 0.8), deciding=True)
MEETING = shown("The council met in March.", (0.3, 0.6, 0.1), deciding=False)
QUORUM = shown("Nine members were present.", (0.2, 0.7, 0.1), deciding=False)


@pytest.mark.parametrize(
    ("correct", "label"),
    [("SUPPORTED", "entailment"), ("REFUTED", "contradiction"), ("NOT_ENOUGH_INFO", "neutral")],
)
def test_a_correction_makes_the_deciding_passages_its_label(correct: str, label: str) -> None:
    [pair] = feedback_examples([correction(correct, VOTE, MEETING)])
    assert (pair.premise, pair.hypothesis, pair.label) == (VOTE.text, CLAIM, label)
    assert pair.group == f"claim:{CLAIM}" and pair.source == "feedback"


def test_without_deciding_passages_the_best_one_for_the_right_label_stands_in() -> None:
    undecided = [
        shown(VOTE.text, (0.1, 0.1, 0.8), deciding=False),
        MEETING,
        QUORUM,
    ]
    [supported] = feedback_examples([correction("SUPPORTED", *undecided)])
    [refuted] = feedback_examples([correction("REFUTED", *undecided)])
    assert (supported.premise, supported.label) == (MEETING.text, "entailment")
    assert (refuted.premise, refuted.label) == (VOTE.text, "contradiction")
    assert feedback_examples([correction("NOT_ENOUGH_INFO", *undecided)]) == []
    assert feedback_examples([correction("SUPPORTED")]) == []


def test_a_passage_that_refers_back_keeps_the_sentence_before() -> None:
    leaning = shown("It passed 7-2.", (0.1, 0.1, 0.8), True, before="The budget came up.")
    [pair] = feedback_examples([correction("SUPPORTED", leaning)])
    assert pair.premise == "The budget came up. It passed 7-2."


def test_the_held_out_part_is_split_by_claim() -> None:
    records = [
        correction(label, VOTE, claim=f"Claim number {n}.")
        for n in range(200)
        for label in ("SUPPORTED", "REFUTED")
    ]
    train, heldout = split_heldout(feedback_examples(records), 0.2, salt="feedback-heldout-v1")
    assert {e.hypothesis for e in train}.isdisjoint({e.hypothesis for e in heldout})
    assert 40 <= len({e.hypothesis for e in heldout}) <= 80  # about a fifth of 200 claims


# ------------------------------------------------------------- the adapt command
torch = pytest.importorskip("torch")

from models import adapt_nli, train_nli  # noqa: E402
from tests.tiny_models import save_tiny_nli  # noqa: E402

REPLAY = [
    ("A dog runs in the park.", "An animal is outside.", "entailment"),
    ("A dog runs in the park.", "The dog is asleep indoors.", "contradiction"),
    ("A dog runs in the park.", "The dog is chasing its owner.", "neutral"),
    ("The council met on Monday.", "The council held a meeting.", "entailment"),
    ("The council met on Monday.", "The council never met.", "contradiction"),
    ("The council met on Monday.", "The council met to vote on taxes.", "neutral"),
]


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def write_rows(path: Path, rows: list[tuple[str, str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(
        json.dumps({"premise": p, "hypothesis": h, "label": label}) + "\n" for p, h, label in rows
    )
    path.write_text(text, encoding="utf-8")


def feedback_file(tmp_path: Path, claims: list[str]) -> Path:
    """Corrections of REFUTED verdicts to SUPPORTED, one per claim, as the app records them."""
    from verifier.types import Evidence, Passage

    path = tmp_path / "feedback.jsonl"
    for claim in claims:
        passage = Passage("m", "minutes.txt", "", f"Records show that {claim}", 0, 30)
        evidence = Evidence(passage, 0.9, NLIScores(0.1, 0.1, 0.8), "refutes")
        verdict = Verdict(claim, "REFUTED", 0.8, (evidence,), (evidence,), ())
        record_feedback(path, verdict, "SUPPORTED")
    return path


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    claims = [f"The bridge number {n} opened in 2019." for n in range(12)]
    # Replay rows that restate every feedback claim: held-out ones must not be replayed.
    write_rows(data / "nli" / "train.jsonl", REPLAY * 8 + [("x", c, "neutral") for c in claims])
    write_rows(data / "nli" / "mnli_heldout.jsonl", REPLAY[::-1])
    feedback_file(tmp_path, claims)
    return data


def test_replay_is_drawn_from_training_data_without_held_out_claims(
    data_dir: Path, tmp_path: Path
) -> None:
    settings = adapt_nli.AdaptSettings(
        feedback=tmp_path / "feedback.jsonl",
        data_dir=data_dir,
        replay_ratio=2.0,
        replay_sources=("nli",),
        heldout_fraction=0.4,
        mnli_limit=3,
    )
    data = adapt_nli.prepare_data(settings, random.Random(0))
    held = {e.hypothesis for e in data.feedback_heldout}
    assert held and data.feedback_train
    assert len(data.feedback_train) + len(held) == 12
    assert not held & {e.hypothesis for e in data.replay}
    assert len(data.replay) == 2 * len(data.feedback_train)
    assert all(e.source == "replay-nli" for e in data.replay)
    assert [e.hypothesis for e in data.mnli] == [h for _, h, _ in REPLAY[::-1][:3]]


def digest(folder: Path) -> str:
    return hashlib.sha256(b"".join(p.read_bytes() for p in sorted(folder.iterdir()))).hexdigest()


def test_the_adapt_command_trains_a_copy_and_reports_before_and_after(
    data_dir: Path, tmp_path: Path
) -> None:
    base = save_tiny_nli(tmp_path / "base")
    untouched = digest(base)
    out = tmp_path / "adapted"
    argv = ["--adapt", str(tmp_path / "feedback.jsonl"), "--data-dir", str(data_dir)]
    argv += ["--base", str(base), "--output-dir", str(out), "--replay-sources", "nli"]
    argv += ["--feedback-heldout-fraction", "0.4", "--mnli-limit", "4", "--eval-limit", "4"]
    argv += ["--max-steps", "2", "--batch-size", "4", "--max-length", "32"]
    argv += ["--device", "cpu", "--no-progress"]
    assert train_nli.main(argv) == 0
    table = json.loads((out / "adapt.json").read_text())
    assert table["train"]["steps"] == 2
    assert set(table["before"]) == set(table["after"])
    assert {"feedback_heldout", "feedback_train", "mnli", "replay_validation"} <= set(
        table["before"]
    )
    assert table["before"]["mnli"]["count"] == 4
    assert table["pairs"]["replay"] == 4 * table["pairs"]["feedback_train"]
    assert "| feedback, held-out claims |" in (out / "adapt.md").read_text()
    assert digest(base) == untouched
    adapted = json.loads((out / "best" / "config.json").read_text())
    assert adapted["id2label"] == {"0": "entailment", "1": "neutral", "2": "contradiction"}
    assert len(read_feedback(tmp_path / "feedback.jsonl")) == 12  # the feedback is only read

    inside = ["--output-dir", str(base / "adapted")]
    assert train_nli.main([*argv[: argv.index("--output-dir")], *inside]) == 2
    assert not (base / "adapted").exists()
