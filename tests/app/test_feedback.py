"""'This verdict is wrong' in the app: the page's handler and the API write a correction."""

from __future__ import annotations

import stat
from pathlib import Path

import gradio as gr
import pytest

from app.corrections import corrections_files
from app.corrections import main as corrections
from app.feedback import feedback_path, spoken
from app.main import parse_args, service_limits
from app.policy import Access, ServiceLimits
from app.state import AppState, Workspace
from app.ui import build_ui
from tests.fakes import FakeEmbedder, FakeJudge
from verifier import Verifier, VerifierConfig
from verifier.feedback import read_feedback

CLAIM = "The harbour bridge opened in 2019."
PLANTED = "The Moon is made of green cheese, the memo said."
FEEDBACK_HANDLERS = {"on_report", "clear_correction", "report_wrong_verdict"}


def make_state(tmp_path: Path, access: Access | None = None, **limits) -> AppState:
    verifier = Verifier.from_corpus(
        {"shared.txt": "The harbour bridge opened in 2019 after long delays."},
        embedder=FakeEmbedder(),
        judge=FakeJudge(),
        config=VerifierConfig(batch_claims=1),
    )
    return AppState(verifier, tmp_path / "index", ServiceLimits(**limits), access)


def handlers(state: AppState) -> dict[str, object]:
    page = build_ui(state, [])
    return {function.name: function.fn for function in page.fns.values()}


def check(fns: dict[str, object], claim: str = CLAIM):
    """The verdict the claim tab keeps after a check (its fourth output)."""
    return fns["on_check_claim"](claim, 5, False, None)[3]


def other_label(label: str) -> str:
    return "NOT_ENOUGH_INFO" if label != "NOT_ENOUGH_INFO" else "REFUTED"


def test_the_page_records_the_shown_verdict_and_confirms(tmp_path: Path) -> None:
    state = make_state(tmp_path)
    fns = handlers(state)
    verdict = check(fns)
    right = other_label(verdict.label)
    _, download, message = fns["on_report"](verdict, right, "")
    assert "Thank you" in message and download == gr.skip()
    assert spoken(right) in message and spoken(verdict.label) in message
    [stored] = read_feedback(tmp_path / "index" / "feedback.jsonl")
    assert feedback_path(state) == tmp_path / "index" / "feedback.jsonl"
    assert (stored.claim, stored.verdict, stored.correct_label) == (CLAIM, verdict.label, right)
    assert [e.text for e in stored.evidence] == [e.passage.text for e in verdict.evidence]
    assert fns["clear_correction"]() == (None, "", "")


def test_the_page_refuses_without_a_verdict_or_a_label(tmp_path: Path) -> None:
    state = make_state(tmp_path)
    fns = handlers(state)
    assert "check a claim first" in fns["on_report"](None, "SUPPORTED", "")[-1].lower()
    verdict = check(fns)
    assert "pick the verdict that is right first" in fns["on_report"](verdict, None, "")[-1].lower()
    assert "already" in fns["on_report"](verdict, verdict.label, "")[-1]
    assert not feedback_path(state).exists()


def test_the_api_checks_the_claim_and_records_it(tmp_path: Path) -> None:
    state = make_state(tmp_path)
    fns = handlers(state)
    label = state.verifier.verify(CLAIM).label
    stored = fns["report_wrong_verdict"](CLAIM, other_label(label))
    assert stored["verdict"] == label and stored["evidence"]
    assert len(read_feedback(feedback_path(state))) == 1
    for bad_label, bad_k in (("MAYBE", None), ("SUPPORTED", 10**6)):
        with pytest.raises(Exception, match="must be one of|top_k"):
            fns["report_wrong_verdict"](CLAIM, bad_label, bad_k)
    assert len(read_feedback(feedback_path(state))) == 1


def test_a_correction_on_private_uploads_stays_with_its_workspace(tmp_path: Path, capsys) -> None:
    state = make_state(tmp_path)
    fns = handlers(state)
    planted = tmp_path / "up" / "planted.txt"
    planted.parent.mkdir()
    planted.write_text(PLANTED, encoding="utf-8")
    *_, session, _, _ = fns["upload_files"]([str(planted)], None)
    verdict = fns["on_check_claim"]("The Moon is made of green cheese.", 5, False, session)[3]
    assert "planted.txt" in {item.passage.source for item in verdict.evidence}
    _, download, message = fns["on_report"](verdict, other_label(verdict.label), "", session)
    assert "Thank you" in message
    shared, own = feedback_path(state), feedback_path(state, session)
    assert not shared.exists() and own.parent == tmp_path / "index" / "workspace-feedback"
    assert stat.S_IMODE(own.stat().st_mode) == 0o600
    assert stat.S_IMODE(own.parent.stat().st_mode) == 0o700
    [stored] = read_feedback(own)
    assert PLANTED in {item.text for item in stored.evidence}
    assert Path(download.value["path"]).read_bytes() == own.read_bytes()

    # Another session downloads only its own; one without uploads writes to the shared file.
    other = Workspace(state.verifier)
    verdict = fns["on_check_claim"](CLAIM, 5, False, other)[3]
    _, download, _ = fns["on_report"](verdict, other_label(verdict.label), "", other)
    assert PLANTED not in Path(download.value["path"]).read_text(encoding="utf-8")
    verdict = check(fns)
    assert fns["on_report"](verdict, other_label(verdict.label), "")[1] == gr.skip()
    assert PLANTED not in shared.read_text(encoding="utf-8")

    # The operator's command lists the files and prints any of them.
    index = str(tmp_path / "index")
    assert corrections(["--index", index]) == 0
    listing = capsys.readouterr().out
    assert listing.startswith("shared\t1 corrections")
    assert f"workspace {session.id}\t1 corrections" in listing and other.id in listing
    assert corrections(["--index", index, "--workspace", session.id]) == 0
    assert capsys.readouterr().out == own.read_text(encoding="utf-8")
    assert corrections(["--index", index, "--all"]) == 0
    assert capsys.readouterr().out.count("\n") == 3
    with pytest.raises(SystemExit):
        corrections(["--index", index, "--workspace", "../feedback"])


def test_the_feedback_file_is_capped(tmp_path: Path) -> None:
    state = make_state(tmp_path, max_feedback_bytes=10)
    fns = handlers(state)
    verdict = check(fns)
    assert "Thank you" in fns["on_report"](verdict, other_label(verdict.label), "")[-1]
    assert "reached their limit" in fns["on_report"](verdict, other_label(verdict.label), "")[-1]
    assert len(read_feedback(feedback_path(state))) == 1


def test_the_operator_can_turn_feedback_off(tmp_path: Path) -> None:
    names = set(handlers(make_state(tmp_path, Access(feedback=False))))
    assert not names & FEEDBACK_HANDLERS and "on_check_claim" in names
    args = parse_args(["--no-feedback", "--max-feedback-bytes", "1000"])
    assert args.feedback is False and service_limits(args).max_feedback_bytes == 1000
    assert parse_args([]).feedback is True


def test_a_correction_is_remembered_on_a_recheck_until_withdrawn(tmp_path: Path) -> None:
    state = make_state(tmp_path)
    fns = handlers(state)
    verdict = check(fns)
    fns["on_report"](verdict, "CONFLICTING", "the two papers disagree")
    badge, *_, correction, _, message = fns["on_check_claim"](CLAIM + "  ", 5, False, None)
    assert correction.correct_label == "CONFLICTING" and message == ""
    assert "corrected by a reader on" in badge and "the two papers disagree" in badge
    assert badge.index("verdict-correction") < badge.index('class="verdict"')
    listed = fns["listed"](None)["choices"]
    assert len(listed) == 1 and "CONFLICTING" in listed[0][0]
    fns["on_withdraw"](listed[0][1], None)
    badge, *_, correction, _, _ = fns["on_check_claim"](CLAIM, 5, False, None)
    assert correction is None and "corrected by a reader" not in badge
    assert fns["listed"](None)["choices"] == []
    # Withdrawn or not, the correction stays in the file for retraining.
    assert len(read_feedback(feedback_path(state))) == 1
    assert corrections_files(tmp_path / "index") == [feedback_path(state)]
    assert "Choose a correction to withdraw first" in fns["on_withdraw"](None, None)[-1]


class _Vectors:
    """An embedder stand-in giving each claim a fixed unit vector."""

    def __init__(self, vectors: dict[str, list[float]]) -> None:
        self.vectors = vectors

    def encode(self, texts, *, progress: bool = False):
        import numpy as np

        rows = np.asarray([self.vectors[text] for text in texts], dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_a_near_identical_claim_shares_the_correction_and_another_does_not() -> None:
    from types import SimpleNamespace

    from app.corrections import remembered_correction
    from verifier.feedback import FeedbackRecord

    stored = FeedbackRecord("The depot costs 6.8 million.", "SUPPORTED", 0.6, "REFUTED", (), "t")
    embedder = _Vectors(
        {
            stored.claim: [1.0, 0.0],
            "The depot will cost 6.8 million.": [1.0, 0.2],  # cosine 0.98
            "The depot opens in 2026.": [1.0, 0.5],  # cosine 0.89
        }
    )
    verifier = SimpleNamespace(embedder=embedder)
    assert remembered_correction([stored], "the depot costs 6.8 million", verifier) is stored
    assert remembered_correction([stored], "The depot will cost 6.8 million.", verifier) is stored
    assert remembered_correction([stored], "The depot opens in 2026.", verifier) is None
    assert remembered_correction([], "The depot opens in 2026.", verifier) is None


def test_the_paragraph_tab_has_its_own_correction_control_hidden_until_a_verdict(
    tmp_path: Path,
) -> None:
    page = build_ui(make_state(tmp_path), [])
    boxes = {
        block.elem_id: block
        for block in page.blocks.values()
        if block.elem_id in ("wrong-verdict", "paragraph-wrong-verdict")
    }
    assert set(boxes) == {"wrong-verdict", "paragraph-wrong-verdict"}
    assert not any(box.visible for box in boxes.values())
    labels = next(b for b in page.blocks.values() if b.elem_id == "paragraph-wrong-verdict-label")
    assert [value for _, value in labels.choices][-1] == "CONFLICTING"
