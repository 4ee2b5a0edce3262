"""Recording corrections: what one line holds, what is refused, and appends that never mix."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from verifier.feedback import FeedbackError, read_feedback, record_feedback
from verifier.types import Evidence, NLIScores, Passage, Verdict


def judged(text: str, scores: NLIScores, stance: str, start: int = 0) -> Evidence:
    passage = Passage(
        "minutes", "demo/minutes.txt", "Minutes", text, start, start + len(text), "Before."
    )
    return Evidence(passage, 0.8, scores, stance)


REFUTING = judged("The vote was 14 to 2.", NLIScores(0.05, 0.1, 0.85), "refutes", 40)
NEUTRAL = judged("The council met in March.", NLIScores(0.1, 0.8, 0.1), "neutral", 10)


def make_verdict(claim: str = "The budget passed by seven votes to two.") -> Verdict:
    return Verdict(
        claim=claim,
        label="REFUTED",
        confidence=0.93,
        evidence=(REFUTING, NEUTRAL),
        deciding=(REFUTING,),
        sources=(),
    )


def test_a_correction_is_one_line_with_the_claim_evidence_and_both_labels(tmp_path: Path) -> None:
    path = tmp_path / "ws" / "feedback.jsonl"
    moment = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
    record_feedback(path, make_verdict(), "supported", now=moment)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    stored = json.loads(lines[0])
    assert stored["claim"] == "The budget passed by seven votes to two."
    assert (stored["verdict"], stored["correct_label"]) == ("REFUTED", "SUPPORTED")
    assert stored["time"] == "2026-11-29T08:00:00+00:00"
    first, second = stored["evidence"]
    assert first["text"] == "The vote was 14 to 2." and first["source"] == "demo/minutes.txt"
    assert (first["start"], first["end"]) == (40, 61)
    assert first["nli"]["label"] == "contradiction" and first["nli"]["contradiction"] == 0.85
    assert (first["stance"], first["deciding"]) == ("refutes", True)
    assert (second["stance"], second["deciding"]) == ("neutral", False)


def test_appending_keeps_what_is_there_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    path.write_text('{"claim": "kept", "correct_label": "REFUTED", "evidence": []}\n')
    record_feedback(path, make_verdict(), "NOT_ENOUGH_INFO")
    records = read_feedback(path)
    assert [r.claim for r in records] == ["kept", make_verdict().claim]
    assert records[1].evidence[0].nli == REFUTING.nli and records[1].evidence[0].deciding


@pytest.mark.parametrize("label", ["CONFLICTED", "maybe", "", None, 3, "REFUTED"])
def test_a_bad_label_or_no_correction_is_refused_and_nothing_written(
    tmp_path: Path, label: object
) -> None:
    path = tmp_path / "feedback.jsonl"
    with pytest.raises(FeedbackError, match="label|already REFUTED"):
        record_feedback(path, make_verdict(), label)
    assert not path.exists()


def test_no_verdict_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FeedbackError, match="check a claim first"):
        record_feedback(tmp_path / "feedback.jsonl", None, "SUPPORTED")


def test_a_bad_line_is_named_by_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    path.write_text('{"claim": "a", "correct_label": "REFUTED", "evidence": []}\n{"claim": "b"}\n')
    with pytest.raises(FeedbackError, match="feedback.jsonl:2"):
        read_feedback(path)
    with pytest.raises(FeedbackError, match="not found"):
        read_feedback(tmp_path / "missing.jsonl")


# Long claims make each line larger than a pipe buffer, where unlocked writes could mix.
LONG = "word " * 3000
CORRECTIONS = ("SUPPORTED", "NOT_ENOUGH_INFO")


def append_many(path: str, worker: int, count: int) -> None:
    for n in range(count):
        record_feedback(path, make_verdict(f"{worker}-{n} {LONG}"), CORRECTIONS[n % 2])


def test_concurrent_appends_from_threads_and_processes_never_interleave(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    threads = [
        threading.Thread(target=append_many, args=(str(path), f"t{i}", 20)) for i in range(3)
    ]
    with ProcessPoolExecutor(2) as pool:
        jobs = [pool.submit(append_many, str(path), f"p{i}", 20) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for job in jobs:
            job.result()
    records = read_feedback(path)
    assert len(records) == 100
    assert {r.claim.split()[0] for r in records} == {
        f"{w}-{n}" for w in ("t0", "t1", "t2", "p0", "p1") for n in range(20)
    }
