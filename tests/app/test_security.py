"""Items 1-4 of the hardening issue: roles, private workspaces, escaping, and caps.

The page is built around a verifier over the fake models, so every handler
runs for real without loading a model.
"""

from __future__ import annotations

import json
import re
import socket
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from app import view
from app.main import parse_args, service_limits
from app.policy import Access, ServiceLimits, parse_auth
from app.state import AppState, Workspace
from app.ui import build_ui
from tests.app.served import serving, upload
from tests.fakes import FakeEmbedder, FakeJudge
from verifier import CorpusError, LimitError, Verifier, VerifierConfig
from verifier.config import MAX_TOP_K
from verifier.types import LoadReport, SkippedFile

PLANTED = "The Moon is made of green cheese, the memo said."
SHARED_TEXT = "The harbour bridge opened in 2019 after long delays."
CHECKS_ONLY = {
    "on_check_claim",
    "rerender_claim",
    "on_check_paragraph",
    "choose_sentence",
    "show_sentence",
    "corpus_summary",
    # Which corpus to check against, and what it holds.
    "choose_corpus",
    "choose_linked_corpus",
    "follow_corpus_tab",
    "checking_against",
    "show_corpus",
    "clear_report",
    "run_batch",
    "check_claim",
    # A ?claim= link checks the claim when the page loads.
    "on_link",
    # Events that run only in the browser (copy link, the address bar after a check).
    None,
    # "This verdict is wrong": recording a correction, listing and withdrawing them
    # (Access.feedback turns it off).
    "on_report",
    "clear_correction",
    "show_control",
    "listed",
    "on_withdraw",
    "report_wrong_verdict",
}


def make_state(tmp_path: Path, access: Access | None = None, **limits) -> AppState:
    verifier = Verifier.from_corpus(
        {"shared.txt": SHARED_TEXT},
        embedder=FakeEmbedder(),
        judge=FakeJudge(),
        config=VerifierConfig(batch_claims=1),
    )
    return AppState(verifier, tmp_path / "index", ServiceLimits(**limits), access)


def handlers(state: AppState) -> dict[str, object]:
    page = build_ui(state, [])
    return {function.name: function.fn for function in page.fns.values()}


def write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


# ------------------------------------------------------------- 1. roles
def test_by_default_the_page_has_no_folder_handler_at_all(tmp_path):
    names = set(handlers(make_state(tmp_path)))
    assert names == CHECKS_ONLY | {"upload_files", "remove_document"}
    assert "add_folder" not in names


def test_with_uploads_off_only_checks_are_callable(tmp_path):
    assert set(handlers(make_state(tmp_path, Access(uploads="off")))) == CHECKS_ONLY


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The page with default roles, served on 127.0.0.1: (page, state, base URL)."""
    state = make_state(tmp_path_factory.mktemp("served"))
    page = build_ui(state, [])
    page.queue()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    page.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    yield page, state, f"http://127.0.0.1:{port}"
    page.close()


def call_by_fn_index(base: str, fn_index: int, data: list, session: str) -> dict:
    """What an attacker does: join the queue for a handler by number and read the outcome."""
    body = {"fn_index": fn_index, "data": data, "session_hash": session, "trigger_id": None}
    request = urllib.request.Request(
        f"{base}/gradio_api/queue/join",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        urllib.request.urlopen(request, timeout=30).read()
    except urllib.error.HTTPError as error:
        return {"success": False, "status": error.code}
    with urllib.request.urlopen(
        f"{base}/gradio_api/queue/data?session_hash={session}", timeout=60
    ) as stream:
        for line in stream:
            text = line.decode().strip()
            if text.startswith("data:") and "process_completed" in text:
                return json.loads(text[5:])
    return {"success": False}


def test_the_served_api_lists_only_the_handlers_the_page_needs(served):
    """What gradio serves: every fn_index in /config maps to an allowed handler."""
    page, _, base = served
    with urllib.request.urlopen(f"{base}/config", timeout=30) as reply:
        config = json.load(reply)
    served_names = {page.fns[dependency["id"]].name for dependency in config["dependencies"]}
    assert served_names == CHECKS_ONLY | {"upload_files", "remove_document"}


def test_no_fn_index_reads_a_server_path_into_the_corpus(served):
    page, state, base = served
    before = state.verifier.stats.sources
    upload = next(i for i, function in page.fns.items() if function.name == "upload_files")
    passwd = [{"path": "/etc/passwd", "meta": {"_type": "gradio.FileData"}}]
    assert not call_by_fn_index(base, upload, [passwd, None], "attacker1")["success"]
    assert not call_by_fn_index(base, len(page.fns), ["/etc"], "attacker2")["success"]
    assert state.verifier.stats.sources == before


def test_folder_indexing_stays_under_the_named_roots(tmp_path):
    root = tmp_path / "allowed"
    write(root / "docs" / "a.txt", "The ferry runs every forty minutes between the islands.")
    outside = tmp_path / "secret"
    write(outside / "memo.txt", "The admin password is hunter2, said the memo.")
    (root / "docs" / "leak.txt").symlink_to(outside / "memo.txt")
    (root / "escape").symlink_to(outside, target_is_directory=True)
    state = make_state(tmp_path, Access(index_roots=(root,)))
    add_folder = handlers(state)["add_folder"]

    for folder in (str(outside), str(root / "escape"), str(root / ".." / "secret"), "", "/"):
        with pytest.raises(CorpusError):
            add_folder.__wrapped__(folder, None)
    stats, report, message = add_folder(str(root / "docs"), None)
    assert "Indexed 1 new document" in message
    assert "leak" in report and "outside the folders allowed" in report
    assert not any("memo" in source for source in state.verifier.stats.sources)


# ------------------------------------------------------------- 2. private workspaces
def test_an_upload_is_seen_only_by_its_own_session_and_never_saved(tmp_path):
    state = make_state(tmp_path)
    upload = handlers(state)["upload_files"]
    planted = write(tmp_path / "uploads" / "planted.txt", PLANTED)

    *_, session_a, _, message = upload([planted], None)
    assert isinstance(session_a, Workspace) and "Indexed 1 new document" in message
    own = session_a.verifier.verify("The Moon is made of green cheese.")
    assert own.evidence[0].passage.source == "planted.txt"

    session_b = Workspace(state.verifier)
    for other in (state.verifier, session_b.verifier):
        sources = {item.passage.source for item in other.verify("Moon green cheese").evidence}
        assert sources == {"shared.txt"}
    assert not (tmp_path / "index").exists()


def test_the_summary_on_page_load_counts_the_sessions_private_uploads(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    state = make_state(tmp_path)
    with serving(state) as (page, base):
        [path] = upload(base, [("planted.txt", PLANTED.encode())])[1]
        fn_index = {function.name: index for index, function in page.fns.items()}
        planted = {"path": path, "orig_name": "planted.txt", "meta": {"_type": "gradio.FileData"}}
        indexed = call_by_fn_index(base, fn_index["upload_files"], [[planted], None, "main"], "own")
        assert "Indexed 1 new document" in indexed["output"]["data"][-1]
        own = call_by_fn_index(base, fn_index["corpus_summary"], [None], "own")
        other = call_by_fn_index(base, fn_index["corpus_summary"], [None], "another")
    # The counts; the documents themselves are named in the Corpus tab's table.
    assert "**2** documents" in own["output"]["data"][0]
    assert "**1** documents" in other["output"]["data"][0]


def test_shared_uploads_are_saved_only_when_the_operator_says_so(tmp_path):
    state = make_state(tmp_path, Access(uploads="shared"))
    planted = write(tmp_path / "uploads" / "planted.txt", PLANTED)
    *_, session, _, message = handlers(state)["upload_files"]([planted], None)
    assert session is None and "Indexed 1 new document" in message
    assert "planted.txt" in state.verifier.stats.sources
    assert (tmp_path / "index" / "CURRENT").is_file()


def test_one_bad_file_does_not_stop_the_good_ones(tmp_path):
    state = make_state(tmp_path)
    good = write(tmp_path / "up" / "good.txt", "The night ferry starts on the first of June.")
    bad = tmp_path / "up" / "bad.pdf"
    bad.write_bytes(b"%PDF-1.7\n<img src=//external-host/p> [Log in again](http://evil)\n")
    stats, report, session, _, message = handlers(state)["upload_files"]([good, str(bad)], None)
    assert "Indexed 1 new document" in message and "1 file could not be indexed" in message
    assert "bad\\.pdf" in report
    assert "good.txt" in session.verifier.stats.sources


# ------------------------------------------------------------- 3. escaping
@pytest.mark.parametrize(
    "name,reason",
    [
        ("x.pdf", "not a readable PDF (<img src=//external-host/p>)"),
        ("x.pdf", "bad [Log in again](http://evil.example/login) here"),
        ("<script>alert(1)</script>.txt", "![tracker](http://evil/p.png)"),
        ("a`b`.txt", "`<b>` *bold* _x_ # heading\n\n<iframe>"),
    ],
)
def test_names_and_reasons_reach_markdown_inert(name, reason):
    text = view.not_indexed_markdown(LoadReport(0, 0), [SkippedFile(f"/up/{name}", reason)])
    for dangerous in ("<img", "<script", "<iframe", "<b>", "](", "!["):
        assert dangerous not in text
    assert not re.search(r"(?<!\\)[`*_#\[\]()<>!]", text.split(": ", 1)[1])
    assert text.count("\n") == 1


# ------------------------------------------------------------- 4. caps
def test_top_k_is_capped_for_the_page_and_the_api(tmp_path):
    state = make_state(tmp_path)
    fns = handlers(state)
    for bad in (10**9, 0, -1, True, 2.5, "5", float("nan")):
        with pytest.raises(LimitError):
            state.limits.top_k(bad, 5)
        with pytest.raises(Exception, match="top_k"):
            fns["check_claim"]("The bridge opened in 2019.", bad)
    assert fns["check_claim"]("The bridge opened in 2019.", 20)["verdict"]
    assert state.limits.top_k(None, 5) == 5 and state.limits.top_k(3.0, 5) == 3
    message = fns["on_check_claim"]("The bridge opened in 2019.", 21, False, None)[-1]
    assert "between 1 and 20" in message


def test_paragraph_sentences_chars_and_time_are_capped(tmp_path):
    state = make_state(tmp_path, max_paragraph_sentences=3, max_paragraph_chars=2000)
    check = handlers(state)["on_check_paragraph"]
    sentences = " ".join(f"The bridge number {n} opened in 2019." for n in range(4))
    assert "4 sentences to check; the limit is 3" in check(sentences, 5, False, None)[-1]
    assert "limit is 2000" in check("word " * 500, 5, False, None)[-1]
    slow = make_state(tmp_path, max_paragraph_sentences=10, time_budget_s=1e-9)
    message = handlers(slow)["on_check_paragraph"](sentences, 5, False, None)[-1]
    assert "Stopped after 1 of 4 claims" in message and "time budget" in message


def test_batch_claims_and_upload_bytes_are_capped(tmp_path):
    claims = write(tmp_path / "claims.jsonl", '{"claim": "The bridge opened."}\n' * 3)
    run_batch = handlers(make_state(tmp_path, max_batch_claims=2))["run_batch"]
    assert "The file has 3 claims; the limit here is 2" in run_batch(claims, 5, None)[-1]
    fns = handlers(make_state(tmp_path, max_request_bytes=100, max_file_bytes=80))
    big = [write(tmp_path / f"f{n}.txt", "x" * 60) for n in range(2)]
    assert (
        "come to 120 bytes together; one upload may bring at most 100 bytes"
        in fns["upload_files"](big, None)[-1]
    )
    huge = write(tmp_path / "huge.txt", "y" * 90)
    assert "over the" in fns["upload_files"]([huge], None)[1]


def test_options_set_the_caps_and_roles():
    args = parse_args(["--max-top-k", "7", "--time-budget-s", "30", "--index-roots", "/tmp"])
    assert service_limits(args).max_top_k == 7 and service_limits(args).time_budget_s == 30
    # The one top-k bound: the command line's cap is the app's default.
    assert ServiceLimits().max_top_k == MAX_TOP_K
    assert args.uploads == "private" and args.index_roots == [Path("/tmp")]
    with pytest.raises(ValueError, match="max_top_k"):
        ServiceLimits(max_top_k=0)
    with pytest.raises(ValueError, match="uploads"):
        Access(uploads="everyone")


def test_logins_come_from_flags_and_a_file(tmp_path):
    users = tmp_path / "users.txt"
    users.write_text("# operators\nann:s3cret:with:colons\n\nbob:pw\n", encoding="utf-8")
    assert parse_auth(["eve:x"], users) == [
        ("eve", "x"),
        ("ann", "s3cret:with:colons"),
        ("bob", "pw"),
    ]
    users.write_text("nopassword\n", encoding="utf-8")
    with pytest.raises(ValueError, match="users.txt:1"):
        parse_auth([], users)
    with pytest.raises(ValueError, match="--auth #1"):
        parse_auth([":pw"], None)


def test_invalid_claim_text_gets_its_own_message_in_the_page_and_the_api(tmp_path):
    fns = handlers(make_state(tmp_path))
    assert "lone surrogate" in fns["on_check_claim"]("bad \ud800 text", 5, False, None)[-1]
    assert "no visible characters" in fns["on_check_paragraph"]("\u200b\u200b", 5, False, None)[-1]
    with pytest.raises(Exception, match="no visible characters"):
        fns["check_claim"]("\x00\x00", None)
