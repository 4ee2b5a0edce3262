"""End-to-end: the web app in a real headless Chromium, and its API through gradio_client.

The app runs as a subprocess on the demo corpus with a temporary index folder,
so the user's own index is never touched. Debian's ``/usr/bin/chromium`` is
driven by Playwright (never a browser downloaded by a test tool); screenshots
go to ``tests/artifacts/``.

Set ``VERIFIER_E2E_NLI_MODEL`` to an NLI model folder to run against another
model than the shipped one.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_SECONDS = 240
ACTION_MS = 60_000
VERDICT_NAMES = ("SUPPORTED", "REFUTED", "NOT ENOUGH INFO", "CONFLICTING")
VERDICT_LABELS = ("SUPPORTED", "REFUTED", "NOT_ENOUGH_INFO", "CONFLICTING")
VERDICT_SYMBOLS = ("✓", "✗", "?", "⇄")
# WCAG 2 AA for normal text.
MIN_CONTRAST = 4.5
# The contrast of an element's text with what is behind it, from getComputedStyle: see-through
# backgrounds (the page's tints) are laid over their ancestors' until an opaque one.
CONTRAST_JS = """
element => {
    const parse = text => {
        let m = text.match(/rgba?\\(([^)]+)\\)/);
        if (m) {
            const v = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
            return [v[0] / 255, v[1] / 255, v[2] / 255, v.length > 3 ? v[3] : 1];
        }
        m = text.match(/color\\(srgb ([^)]+)\\)/);
        if (m) {
            const v = m[1].split(/[ \\/]+/).filter(Boolean).map(Number);
            return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1];
        }
        throw new Error('unparsed colour ' + text);
    };
    const over = (top, bottom) => {
        const a = top[3] + bottom[3] * (1 - top[3]);
        if (a === 0) { return [0, 0, 0, 0]; }
        const mix = i => (top[i] * top[3] + bottom[i] * bottom[3] * (1 - top[3])) / a;
        return [mix(0), mix(1), mix(2), a];
    };
    const layers = [];
    for (let node = element; node; node = node.parentElement) {
        const colour = parse(getComputedStyle(node).backgroundColor);
        layers.push(colour);
        if (colour[3] >= 1) { break; }
    }
    let background = [1, 1, 1, 1];
    for (const layer of layers.reverse()) { background = over(layer, background); }
    const text = over(parse(getComputedStyle(element).color), background);
    const luminance = c => {
        const lin = x => x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4);
        return 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
    };
    const [light, dark] = [luminance(text), luminance(background)].sort((a, b) => b - a);
    return {ratio: (light + 0.05) / (dark + 0.05), background: luminance(background)};
}
"""
# The document the Corpus tab tests upload to the main corpus.
BULLETIN = "harbour_bulletin.txt"
NEW_DOCUMENT = (
    "Harbour Authority bulletin, 2 April 2025\n"
    "The Millbrook harbour ferry will start a night service on 1 June 2025.\n"
    "The night ferry will run every forty minutes between the quay and the island.\n"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _nli_model() -> str:
    override = os.environ.get("VERIFIER_E2E_NLI_MODEL")
    if override:
        return override
    from verifier.registry import SHIPPED_NLI_MODEL

    if not (SHIPPED_NLI_MODEL / "config.json").is_file():
        pytest.skip(
            f"the shipped NLI model is not at {SHIPPED_NLI_MODEL}; "
            "set VERIFIER_E2E_NLI_MODEL to a model folder to run the browser tests"
        )
    return str(SHIPPED_NLI_MODEL)


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e") / "app_index"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory, index_dir: Path) -> Iterator[str]:
    """The app on the demo corpus at a free localhost port, until the module ends."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    port = _free_port()
    log_path = tmp_path_factory.mktemp("e2e-log") / "app.log"
    command = [
        sys.executable,
        "-m",
        "app",
        "--index",
        str(index_dir),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--nli-model",
        _nli_model(),
        # The operator's switches for what this test changes: the shared corpus, by
        # upload and by folder (under pytest's temporary folders only).
        "--uploads",
        "shared",
        "--index-roots",
        str(tmp_path_factory.getbasetemp()),
    ]
    environment = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, env=environment
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"the app exited with {process.returncode}:\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"the app did not answer within {STARTUP_SECONDS} s:\n"
                    f"{log_path.read_text()[-3000:]}"
                )
            time.sleep(1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log_text = log_path.read_text()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "app.log").write_text(log_text)


@pytest.fixture(scope="module")
def browser_context(app_url: str, tmp_path_factory: pytest.TempPathFactory):
    """A headless Chromium with a fresh profile."""
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            accept_downloads=True,
            viewport={"width": 1280, "height": 1000},
        )
        context.set_default_timeout(ACTION_MS)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser_context, app_url: str, request: pytest.FixtureRequest):
    yield from _open_page(browser_context, app_url, request)


@pytest.fixture(params=["light", "dark"])
def themed_page(browser_context, app_url: str, request: pytest.FixtureRequest):
    """The page with the system colour scheme set to light, then to dark."""
    yield from _open_page(browser_context, app_url, request, color_scheme=request.param)


def _open_page(browser_context, app_url: str, request, color_scheme: str = "light"):
    page = browser_context.new_page()
    # gradio picks its theme from the system preference when the page loads.
    page.emulate_media(color_scheme=color_scheme)
    errors: list[str] = []
    outside: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "request",
        lambda sent: None if sent.url.startswith(app_url) else outside.append(sent.url),
    )
    page.goto(app_url)
    page.locator("#claim-input textarea").wait_for()
    yield page
    _screenshot(page, f"last_{request.node.name}.png")
    page.close()
    assert not errors, f"JavaScript errors in the page: {errors}"
    assert not outside, f"the page reached outside the app (it must work offline): {outside}"


def _screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def _wait_for_upload(page, element_id: str, filename: str) -> None:
    """Wait until a file component shows the uploaded file's download link (upload done)."""
    page.locator(f"#{element_id} a[download='{filename}']").wait_for()


def _open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def test_check_a_claim_shows_verdict_evidence_chart_and_export(page, tmp_path):
    claim = "The council approved the budget in March."
    page.locator("#claim-input textarea").fill(claim)
    page.get_by_label("show neutral evidence").first.check()
    page.locator("#check-claim").click()

    badge = page.locator("#verdict-badge .verdict-badge")
    badge.wait_for()
    assert page.locator("#verdict-badge .verdict-name").inner_text().strip() in VERDICT_NAMES
    assert page.locator("#verdict-badge .verdict-symbol").inner_text().strip() in VERDICT_SYMBOLS
    assert "confidence" in page.locator("#verdict-badge").inner_text()
    assert page.locator("#verdict-badge .verdict-why").inner_text().strip()
    cards = page.locator("#claim-evidence .evidence-card")
    cards.first.wait_for()
    assert cards.count() >= 1
    first_card = cards.first.inner_text()
    for part in ("entailment", "neutral", "contradiction", "relevance"):
        assert part in first_card
    assert page.locator("#claim-evidence mark").count() == cards.count()
    assert page.locator("#claim-chart .source-bar").count() >= 1
    _screenshot(page, "check_claim.png")

    with page.expect_download() as download_info:
        page.locator("#claim-download").click()
    saved = tmp_path / "verdict.json"
    download_info.value.save_as(saved)
    exported = json.loads(saved.read_text())
    assert exported["claim"] == claim
    assert exported["verdict"] in VERDICT_LABELS
    assert exported["evidence"]


def test_a_bad_claim_gets_a_friendly_message_and_the_page_stays_usable(page):
    from playwright.sync_api import expect

    page.locator("#claim-input textarea").fill("   ")
    page.locator("#check-claim").click()
    message = page.locator("#claim-message .message-error")
    message.wait_for()
    assert "the claim is empty" in message.inner_text().lower()
    assert "Traceback" not in page.content()
    _screenshot(page, "error_message.png")

    page.get_by_role("button", name="The library opened in 2005.").click()
    expect(page.locator("#claim-input textarea")).to_have_value("The library opened in 2005.")
    page.locator("#check-claim").click()
    page.locator("#verdict-badge .verdict-badge").wait_for()
    assert page.locator("#claim-message .message-error").count() == 0


def test_check_a_paragraph_colours_sentences_and_shows_each_ones_evidence(page):
    _open_tab(page, "Check a paragraph")
    tabs = ["Check a claim", "Check a paragraph", "Corpus", "Batch"]
    assert page.get_by_role("tab").all_inner_texts() == tabs
    sentences = [
        "The Millbrook Public Library opened in 1998.",
        "Adult bus fares will rise to 3 dollars.",
        "The town hired a new police chief.",
    ]
    page.locator("#paragraph-input textarea").fill(" ".join(sentences))
    page.locator("#check-paragraph").click()

    spans = page.locator("#paragraph-result .claim-span")
    spans.first.wait_for()
    assert spans.count() == len(sentences)
    for span in spans.all():
        assert span.get_attribute("data-verdict") in VERDICT_LABELS
        # Told apart by a symbol and an underline style, not by colour alone.
        assert span.locator("sup").inner_text()[-1] in VERDICT_SYMBOLS
    assert sentences[0] in page.locator("#sentence-badge").inner_text()

    page.locator("#sentence-choice label").nth(1).click()
    page.wait_for_function(
        "text => document.querySelector('#sentence-badge').innerText.includes(text)",
        arg=sentences[1],
    )
    spans.nth(2).click()
    page.wait_for_function(
        "text => document.querySelector('#sentence-badge').innerText.includes(text)",
        arg=sentences[2],
    )
    assert page.locator("#sentence-choice input[type=radio]").nth(2).is_checked()
    _screenshot(page, "check_paragraph.png")


def test_upload_indexes_readable_files_names_unreadable_ones_and_saves(page, tmp_path, index_dir):
    _open_tab(page, "Corpus")
    assert "5 documents" in page.locator("#corpus-stats").inner_text()

    page.locator("#corpus-folder textarea, #corpus-folder input").first.fill(str(tmp_path / "nope"))
    page.locator("#index-folder").click()
    folder_error = page.locator("#corpus-message .message-error")
    folder_error.wait_for()
    assert "Not a folder on the server" in folder_error.inner_text()

    document = tmp_path / BULLETIN
    document.write_text(NEW_DOCUMENT)
    broken = tmp_path / "scan.pdf"
    broken.write_bytes(b"%PDF-1.4 this is not really a pdf")
    page.locator("#corpus-upload input[type=file]").set_input_files([str(document), str(broken)])
    _wait_for_upload(page, "corpus-upload", "harbour_bulletin.txt")
    _wait_for_upload(page, "corpus-upload", "scan.pdf")
    page.locator("#index-uploads").click()

    message = page.locator("#corpus-message .message-warning")
    message.wait_for()
    assert "Indexed 1 new document" in message.inner_text()
    assert "1 file could not be indexed" in message.inner_text()
    assert "scan.pdf" in page.locator("#corpus-report").inner_text()
    _wait_for_counts(page, "6 documents")
    page.wait_for_function(
        "() => document.querySelector('#corpus-documents').innerText.includes('harbour_bulletin')"
    )
    # One summary: the counts above, each document named once, in the table.
    shown = (
        page.locator("#corpus-stats").inner_text() + page.locator("#corpus-documents").inner_text()
    )
    assert "Documents:" not in shown and shown.count("harbour_bulletin.txt") == 1
    _screenshot(page, "corpus_upload.png")

    # What a restart does: reopen the saved index folder.
    from app import load_verifier, parse_args

    restarted, is_demo = load_verifier(
        parse_args(["--index", str(index_dir), "--nli-model", _nli_model()])
    )
    assert "harbour_bulletin.txt" in restarted.stats.sources
    assert restarted.stats.documents == 6 and is_demo


def test_batch_scores_gold_labels_and_downloads_results(page, tmp_path):
    _open_tab(page, "Batch")
    claims = tmp_path / "claims.jsonl"
    claims.write_text(
        "".join(
            json.dumps(record) + "\n"
            for record in (
                {"claim": "The council approved the budget in March.", "label": "SUPPORTED"},
                {"claim": "The library opened in 2005.", "label": "REFUTED"},
                {"claim": "The town hired a new police chief.", "label": "NOT_ENOUGH_INFO"},
            )
        )
    )
    page.locator("#batch-upload input[type=file]").set_input_files(str(claims))
    _wait_for_upload(page, "batch-upload", "claims.jsonl")
    page.locator("#run-batch").click()

    summary = page.locator("#batch-summary")
    page.wait_for_function(
        "() => document.querySelector('#batch-summary').innerText.includes('Checked 3 claims')"
    )
    assert "accuracy" in summary.inner_text() and "macro-F1" in summary.inner_text()
    page.locator("#batch-confusion").wait_for()
    page.locator("#batch-table").wait_for()
    _screenshot(page, "batch.png")
    # At 1280 px every column, the evidence ones included, is inside the window.
    right_edge = page.locator("#batch-table").evaluate(
        "el => Math.max(...[...el.querySelectorAll('th')].map(th => th.getBoundingClientRect().right))"
    )
    assert right_edge <= page.viewport_size["width"]

    link = page.locator("#batch-downloads a[download='claims-results.csv']")
    with page.expect_download() as download_info:
        link.click()
    saved = tmp_path / "results.csv"
    download_info.value.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text())))
    assert [row["claim"] for row in rows][0] == "The council approved the budget in March."
    assert len(rows) == 3
    assert all(row["verdict"] in VERDICT_LABELS for row in rows)


def test_api_check_claim_with_gradio_client(app_url):
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    result = client.predict(
        "The library recorded 212,000 visits in 2024.", 3, api_name="/check_claim"
    )
    assert result["verdict"] in VERDICT_LABELS
    assert 0.0 <= result["confidence"] <= 1.0
    assert result["claim"] == "The library recorded 212,000 visits in 2024."
    assert len(result["evidence"]) <= 3
    endpoint = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    described = endpoint["/check_claim"]
    assert [item["label"] for item in described["parameters"]] == ["claim", "top_k"]
    assert all(item["python_type"]["description"] for item in described["parameters"])
    assert described["returns"][0]["python_type"]["type"] != "Any"

    claims = [
        "The council approved the budget in March.",
        "The library opened in 2005.",
        "The new bus depot will cost 6.8 million dollars.",
    ]
    with ThreadPoolExecutor(max_workers=3) as pool:
        answers = list(
            pool.map(
                lambda text: Client(app_url, verbose=False).predict(
                    text, 5, api_name="/check_claim"
                ),
                claims,
            )
        )
    assert [answer["claim"] for answer in answers] == claims

    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="(?i)the claim is empty"):
        client.predict("", api_name="/check_claim")


def _contrast(locator) -> dict[str, float]:
    return locator.evaluate(CONTRAST_JS)


def _check_claim(page, claim: str, *, show_neutral: bool = False) -> None:
    page.locator("#claim-input textarea").fill(claim)
    if show_neutral:
        page.get_by_label("show neutral evidence").first.check()
    page.locator("#check-claim").click()
    page.locator("#verdict-badge .verdict-badge").wait_for()


def test_cards_and_highlighted_sentences_are_readable_in_light_and_dark(themed_page, request):
    page = themed_page
    scheme = request.node.callspec.params["themed_page"]
    # A claim with passages that take no side, so the page folds some away and says so.
    _check_claim(page, "Adult bus fares will rise to 3 dollars.")
    body = _contrast(page.locator("#verdict-badge .verdict-claim"))
    assert (body["background"] < 0.1) == (scheme == "dark"), "the page did not take the theme"
    readable = {
        "card text": page.locator("#claim-evidence .evidence-card .evidence-text").first,
        "card highlight": page.locator("#claim-evidence .evidence-card mark").first,
        "explanation": page.locator("#verdict-badge .verdict-why"),
        "badge": page.locator("#verdict-badge .verdict-badge"),
        "badge label": page.locator("#verdict-badge .verdict-name"),
        "claim line": page.locator("#verdict-badge .verdict-claim"),
        "confidence meaning": page.locator("#verdict-badge .verdict-confidence-meaning"),
        "hidden passages note": page.locator("#claim-evidence .evidence-hidden"),
    }

    _open_tab(page, "Check a paragraph")
    page.locator("#paragraph-input textarea").fill(
        "The Millbrook Public Library opened in 1998. Adult bus fares will rise to 3 dollars."
    )
    page.locator("#check-paragraph").click()
    page.locator("#paragraph-result .claim-span").first.wait_for()
    readable["paragraph sentence"] = page.locator("#paragraph-result .claim-span").first
    readable["paragraph legend"] = page.locator("#paragraph-result .legend-item").first
    _screenshot(page, f"contrast_{scheme}.png")

    ratios = {name: _contrast(locator)["ratio"] for name, locator in readable.items()}
    unreadable = {name: round(ratio, 2) for name, ratio in ratios.items() if ratio < MIN_CONTRAST}
    assert not unreadable, unreadable


def test_the_explanation_names_the_sources_that_decided_the_verdict(page):
    _check_claim(page, "The library opened in 2005.")
    why = page.locator("#verdict-badge .verdict-why").inner_text()
    deciding = page.locator("#claim-evidence .evidence-card[data-deciding=true] .evidence-source b")
    assert deciding.count() >= 1
    for source in deciding.all_inner_texts():
        assert source in why
    assert "support" in why or "contradict" in why


def test_deciding_cards_come_first_and_marked_and_the_rest_are_folded(page):
    from playwright.sync_api import expect

    _check_claim(page, "The council approved the budget in March.", show_neutral=True)
    cards = page.locator("#claim-evidence .evidence-card")
    cards.first.wait_for()
    deciding = page.locator("#claim-evidence .evidence-list > .evidence-card")
    folded = page.locator("#claim-evidence details.other-passages .evidence-card")
    assert deciding.count() >= 1 and folded.count() >= 1
    assert deciding.count() + folded.count() == cards.count()
    for card in deciding.all():
        assert card.get_attribute("data-deciding") == "true"
        assert card.locator(".evidence-deciding").inner_text() == "decided the verdict"
    assert all(card.get_attribute("data-deciding") == "false" for card in folded.all())
    assert cards.first.get_attribute("data-deciding") == "true"

    summary = page.locator("#claim-evidence details.other-passages summary")
    assert summary.inner_text().startswith(f"{folded.count()} other passage")
    expect(folded.first).to_be_hidden()
    summary.click()
    expect(folded.first).to_be_visible()


def test_a_bare_topic_gets_a_message_instead_of_a_verdict(page):
    _check_claim(page, "The library opened in 2005.")
    page.locator("#claim-input textarea").fill("Kursk")
    page.locator("#check-claim").click()
    message = page.locator("#claim-message .message-warning")
    message.wait_for()
    assert "not a statement" in message.inner_text().lower()
    assert page.locator("#verdict-badge .verdict-badge").count() == 0
    assert page.locator("#claim-evidence .evidence-card").count() == 0


def test_a_refused_file_type_gets_one_message(page, tmp_path):
    _open_tab(page, "Corpus")
    notes = tmp_path / "notes.rtf"
    notes.write_bytes(b"{\\rtf1 a rich text file}")
    page.locator("#corpus-upload input[type=file]").set_input_files(str(notes))
    _wait_for_upload(page, "corpus-upload", "notes.rtf")
    page.locator("#index-uploads").click()
    page.locator("#corpus-message .message").wait_for()
    page.wait_for_timeout(500)  # a toast, if any, appears by now
    assert page.locator("#corpus-message .message").count() == 1
    assert "notes.rtf" in page.locator("#corpus-report").inner_text()
    assert page.locator(".toast-body").count() == 0
    assert "Invalid file type" not in page.content()


def test_a_wrong_verdict_is_recorded_in_the_index_folder(page, index_dir):
    claim = "The library opened in 2005."
    page.locator("#claim-input textarea").fill(claim)
    page.locator("#check-claim").click()
    badge = page.locator("#verdict-badge .verdict-badge")
    badge.wait_for()
    right = "SUPPORTED" if "NOT ENOUGH INFO" in badge.inner_text() else "NOT_ENOUGH_INFO"
    control = page.locator("#wrong-verdict")
    control.get_by_text("This verdict is wrong").click()
    control.locator("#wrong-verdict-label").get_by_label(right.replace("_", " ")).check()
    control.locator("#wrong-verdict-record").click()
    message = control.locator("#wrong-verdict-message .message-info")
    message.wait_for()
    assert message.inner_text().startswith("Thank you")
    assert right.replace("_", " ") in message.inner_text()
    lines = (index_dir / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    stored = json.loads(lines[-1])
    assert (stored["claim"], stored["correct_label"]) == (claim, right)
    assert stored["verdict"] != right and stored["evidence"]
    assert {"text", "source", "start", "end", "nli", "deciding"} <= set(stored["evidence"][0])
    _screenshot(page, "claim_feedback_recorded.png")

    # A new result clears the confirmation, so it never sits under another verdict.
    page.locator("#claim-input textarea").fill("The council approved the budget in March.")
    page.locator("#check-claim").click()
    message.wait_for(state="detached")


def _badge_name(page) -> str:
    return page.locator("#verdict-badge .verdict-name").inner_text().strip()


def test_a_claim_link_fills_the_box_and_runs_the_check(browser_context, app_url):
    claim = "The river footbridge will be built in 2025."
    page = browser_context.new_page()
    try:
        page.goto(f"{app_url}?claim={urllib.parse.quote(claim)}")
        page.locator("#verdict-badge .verdict-badge").wait_for()
        assert page.locator("#claim-input textarea").input_value() == claim
        assert _badge_name(page) in VERDICT_NAMES
        assert claim in page.locator("#verdict-badge .verdict-claim").inner_text()
        assert page.locator("#verdict-badge .live-status").inner_text().startswith("Verdict:")
        # The address bar keeps a link to the result after a check typed by hand.
        _check_claim(page, "The council approved the budget in March.")
        page.wait_for_function("() => window.location.search.includes('council')")
    finally:
        page.close()


# Records every text that a live region (aria-live) takes, as a screen reader would hear it.
LIVE_REGIONS_JS = """
window.__said = [];
new MutationObserver(() => {
    document.querySelectorAll('[aria-live]').forEach(element => {
        const text = element.textContent.trim();
        if (text && !window.__said.includes(text)) { window.__said.push(text); }
    });
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


def test_enter_checks_the_claim_and_shift_enter_starts_a_line(page):
    page.add_init_script(LIVE_REGIONS_JS)
    page.reload()
    box = page.locator("#claim-input textarea")
    box.click()
    box.type("The library opened")
    box.press("Shift+Enter")
    box.type("in 2005.")
    assert box.input_value() == "The library opened\nin 2005."
    assert page.locator("#verdict-badge .verdict-badge").count() == 0
    box.fill("The library opened in 2005.")
    box.press("Enter")
    page.locator("#verdict-badge .verdict-badge").wait_for()
    assert "Enter checks the claim" in page.locator("#claim-input").inner_text()
    # The live regions say the verdict and "Done.", not gradio's untranslated "common.complete".
    page.wait_for_function("window.__said.some(text => text.includes('Verdict: '))")
    page.wait_for_function("window.__said.includes('Done.')")
    assert not [text for text in page.evaluate("window.__said") if "common." in text]
    # Tab goes from the box to the button before the example chips.
    box.focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "check-claim"


def test_a_correction_is_shown_on_a_recheck_until_withdrawn(page):
    claim = "The new bus depot will cost 6.8 million dollars."
    docs_screenshots = bool(os.environ.get("VERIFIER_DOCS_SCREENSHOTS"))
    if docs_screenshots:
        # Before the correction: a correction stands on the corpus as it was when made.
        _upload_bulletin_once(page)
        _open_tab(page, "Check a claim")
    assert page.locator("#wrong-verdict").is_hidden()  # no verdict, no control
    _check_claim(page, claim)
    original = _badge_name(page)
    control = page.locator("#wrong-verdict")
    control.get_by_text("This verdict is wrong").click()
    control.locator("#wrong-verdict-record").click()
    control.locator("#wrong-verdict-message .message-error").wait_for()
    assert "pick the verdict that is right first" in control.inner_text().lower()
    # The choices leave out the checker's own verdict, so the correction names another one.
    correction = "SUPPORTED" if original == "CONFLICTING" else "CONFLICTING"
    control.locator("#wrong-verdict-label").get_by_label(correction, exact=True).check()
    control.locator("#wrong-verdict-comment textarea").fill("the papers give other costs")
    control.locator("#wrong-verdict-record").click()
    control.locator("#wrong-verdict-message .message-info").wait_for()

    _check_claim(page, claim)
    corrected = page.locator("#verdict-badge .verdict-correction")
    corrected.wait_for()
    assert correction in corrected.inner_text()
    assert "corrected by a reader on" in corrected.inner_text()
    assert _badge_name(page) == original  # the checker's verdict stays beside it
    if docs_screenshots:
        _docs_screenshots(page)
        _docs_corpus_screenshots(page)

    _open_tab(page, "Corpus")
    listed = page.locator("#corrections-list")
    listed.locator("input").click()
    page.get_by_role("option", name=re.compile("6.8 million")).first.click()
    page.locator("#withdraw-correction").click()
    page.locator("#corrections-message .message-info").wait_for()
    _open_tab(page, "Check a claim")
    _check_claim(page, claim)
    page.locator("#verdict-badge .verdict-correction").wait_for(state="detached")
    assert page.locator("#verdict-badge .verdict-correction").count() == 0


def _docs_screenshots(page) -> None:
    """The README's screenshots: light and dark at 1280 px, light at 400 px."""
    docs = REPO / "docs"
    page.set_viewport_size({"width": 1280, "height": 1100})
    page.screenshot(path=str(docs / "screenshot.png"))
    page.emulate_media(color_scheme="dark")
    page.reload()
    page.locator("#claim-input textarea").wait_for()
    _check_claim(page, "The new bus depot will cost 6.8 million dollars.")
    page.locator("#verdict-badge .verdict-correction").wait_for()
    page.screenshot(path=str(docs / "screenshot-dark.png"))
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 400, "height": 1400})
    page.screenshot(path=str(docs / "screenshot-narrow-400px.png"))
    page.set_viewport_size({"width": 1280, "height": 1000})


def _upload_bulletin_once(page) -> None:
    """Upload the bulletin that the upload test adds to the main corpus, unless it is there.

    The Corpus tab screenshots show it beside the documents that came with the server.
    """
    _open_tab(page, "Corpus")
    _corpus_counts(page)
    if BULLETIN in page.locator("#corpus-documents").inner_text():
        return
    with tempfile.TemporaryDirectory() as folder:
        document = Path(folder) / BULLETIN
        document.write_text(NEW_DOCUMENT)
        assert "Indexed 1 new document" in _upload(page, document)


def _docs_corpus_screenshots(page) -> None:
    """The guide's Corpus tab screenshots: light and dark at 1280 px, light at 400 px.

    The page ends reloaded in the light theme, as the test would have it without them.
    """
    docs = REPO / "docs"

    def reload_on_corpus_tab(color_scheme: str) -> None:
        # A fresh page: no upload message or uploaded file left in the upload box.
        page.emulate_media(color_scheme=color_scheme)
        page.reload()
        page.locator("#claim-input textarea").wait_for()
        _open_tab(page, "Corpus")
        page.wait_for_function(
            "name => document.querySelector('#corpus-documents').innerText.includes(name)",
            arg=BULLETIN,
        )
        _corpus_counts(page)

    reload_on_corpus_tab("dark")
    page.screenshot(path=str(docs / "screenshot-corpus-dark.png"), full_page=True)
    reload_on_corpus_tab("light")
    page.set_viewport_size({"width": 400, "height": 1000})
    page.screenshot(path=str(docs / "screenshot-corpus-narrow-400px.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.locator("#corrections-list input").click()
    page.get_by_role("option", name=re.compile("6.8 million")).first.wait_for()
    page.screenshot(path=str(docs / "screenshot-corpus.png"), full_page=True)
    page.reload()
    page.locator("#claim-input textarea").wait_for()


def test_all_four_tabs_are_reachable_at_400_px(page):
    page.set_viewport_size({"width": 400, "height": 900})
    names = ("Check a claim", "Check a paragraph", "Corpus", "Batch")
    for name in names:
        tab = page.get_by_role("tab", name=name)
        assert tab.is_visible(), name
        box = tab.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 400, name
    _check_claim(page, "The library opened in 2005.")
    confidence = page.locator("#verdict-badge .verdict-confidence")
    assert confidence.bounding_box()["height"] < 2 * float(
        confidence.evaluate("e => parseFloat(getComputedStyle(e).lineHeight) || 20")
    )
    _screenshot(page, "narrow_400px.png")
    page.set_viewport_size({"width": 1280, "height": 1000})


# ----------------------------------------------------------------- the library (#21)
def _choose_corpus(page, element_id: str, name: str) -> None:
    page.locator(f"#{element_id} input").click()
    page.get_by_role("option", name=name, exact=True).click()


def _make_corpus(page, name: str) -> None:
    _open_tab(page, "Corpus")
    page.locator("#new-corpus-name textarea, #new-corpus-name input").first.fill(name)
    page.locator("#create-corpus").click()
    page.locator("#corpus-message .message-info").wait_for()
    assert f"Made the corpus {name}" in page.locator("#corpus-message").inner_text()


def _upload(page, *paths: Path) -> str:
    """Upload files on the Corpus tab and index them; returns the message."""
    page.locator("#corpus-upload input[type=file]").set_input_files([str(p) for p in paths])
    for path in paths:
        _wait_for_upload(page, "corpus-upload", path.name)
    page.locator("#index-uploads").click()
    message = page.locator("#corpus-message .message")
    page.wait_for_function(
        "() => /Indexed|Nothing new/.test(document.querySelector('#corpus-message').innerText)"
    )
    return message.inner_text()


def test_a_word_upload_to_a_new_corpus_is_found_and_switching_corpora_changes_the_check(
    page, tmp_path
):
    import docx

    bulletin = tmp_path / "harbour_bulletin.docx"
    document = docx.Document()
    for line in NEW_DOCUMENT.splitlines():
        document.add_paragraph(line)
    document.save(bulletin)

    _make_corpus(page, "harbour notes")
    _wait_for_counts(page, "0 documents, 0 passages")
    assert "Indexed 1 new document" in _upload(page, bulletin)
    page.wait_for_function(
        "() => document.querySelector('#corpus-documents').innerText.includes('harbour_bulletin')"
    )
    assert "uploaded" in page.locator("#corpus-documents").inner_text()
    _screenshot(page, "corpus_library.png")

    # The corpus just made is the one every tab checks against, and the claim tab says so.
    _open_tab(page, "Check a claim")
    info = page.locator("#claim-corpus-info")
    page.wait_for_function(
        "() => document.querySelector('#claim-corpus-info').innerText"
        ".includes('Checking against harbour notes: 1 document,')"
    )
    claim = "The Millbrook harbour ferry will start a night service on 1 June 2025."
    page.locator("#claim-input textarea").fill(claim)
    page.locator("#check-claim").click()
    page.locator("#claim-evidence .evidence-card").first.wait_for()
    assert "harbour_bulletin.docx" in page.locator("#claim-evidence").inner_text()

    _choose_corpus(page, "claim-corpus", "main")
    page.wait_for_function(
        "() => document.querySelector('#claim-corpus-info').innerText.includes('main')"
    )
    assert "harbour notes" not in info.inner_text()
    page.locator("#check-claim").click()
    page.wait_for_function(
        "() => !document.querySelector('#claim-evidence').innerText.includes('harbour_bulletin.docx')"
    )
    page.locator("#verdict-badge .verdict-badge").wait_for()
    assert "harbour_bulletin.docx" not in page.locator("#claim-evidence").inner_text()


def test_a_claim_link_with_a_corpus_checks_against_that_corpus(
    page, browser_context, app_url, tmp_path
):
    _make_corpus(page, "pier notes")
    notes = tmp_path / "pier_notes.txt"
    notes.write_text("The old pier reopened to walkers on 3 May 2024 after repairs.\n")
    assert "Indexed 1 new document" in _upload(page, notes)
    claim = "The old pier reopened to walkers on 3 May 2024."
    query = urllib.parse.urlencode({"claim": claim, "corpus": "pier notes"})
    linked = browser_context.new_page()
    try:
        linked.goto(f"{app_url}?{query}")
        linked.locator("#claim-evidence .evidence-card").first.wait_for()
        assert "pier_notes.txt" in linked.locator("#claim-evidence").inner_text()
        # The corpus list and the line under it follow the link.
        linked.wait_for_function(
            "() => document.querySelector('#claim-corpus-info').innerText"
            ".includes('Checking against pier notes')"
        )
        assert linked.locator("#claim-corpus input").input_value() == "pier notes"
        # A check by hand keeps the corpus in the address bar's link.
        _check_claim(linked, "The old pier closed in 2023.")
        linked.wait_for_function("() => window.location.search.includes('corpus=pier')")

        # A link naming no corpus here checks against the main one, and says so.
        query = urllib.parse.urlencode({"claim": claim, "corpus": "nowhere"})
        linked.goto(f"{app_url}?{query}")
        linked.locator("#claim-message .message-warning").wait_for()
        assert "no corpus named 'nowhere'" in linked.locator("#claim-message").inner_text()
        linked.locator("#verdict-badge .verdict-badge").wait_for()
        assert "pier_notes.txt" not in linked.locator("#claim-evidence").inner_text()
    finally:
        linked.close()


def _wait_for_counts(page, counts: str) -> None:
    """Wait until the Corpus tab's counts line starts with ``counts``."""
    page.wait_for_function(
        "counts => document.querySelector('#corpus-stats').innerText"
        ".split('\\n').some(line => line.startsWith(counts))",
        arg=counts,
    )


def _corpus_counts(page) -> str:
    """The Corpus tab's counts line, once no update is under way on it."""
    page.wait_for_function(
        "() => { const text = document.querySelector('#corpus-stats').innerText;"
        " return /documents, /.test(text) && !/\\d\\.\\ds/.test(text); }"
    )
    page.wait_for_timeout(1000)  # a refresh queued behind the last one has begun by now
    page.wait_for_function(
        "() => !/\\d\\.\\ds/.test(document.querySelector('#corpus-stats').innerText)"
    )
    text = page.locator("#corpus-stats").inner_text()
    return next(line for line in text.splitlines() if "documents, " in line)


def test_a_duplicate_upload_is_not_indexed_again(page, tmp_path):
    _open_tab(page, "Corpus")
    before = _corpus_counts(page)
    copy = tmp_path / "transit_update.txt"
    copy.write_bytes((REPO / "demo_corpus" / "transit_update.txt").read_bytes())
    message = _upload(page, copy)
    assert "Nothing new was indexed" in message
    assert "Loaded already, not indexed again: transit_update.txt" in message
    assert "same content is loaded already" in page.locator("#corpus-report").inner_text()
    assert _corpus_counts(page) == before


def test_removing_an_uploaded_document_drops_it_from_the_corpus(page, tmp_path):
    _make_corpus(page, "removal check")
    notes = tmp_path / "ferry_notes.txt"
    notes.write_text("The island ferry timetable changes every autumn, the notes said.\n")
    assert "Indexed 1 new document" in _upload(page, notes)
    page.locator("#remove-choice").wait_for()
    _choose_corpus(page, "remove-choice", "ferry_notes.txt")
    page.locator("#remove-document").click()
    page.wait_for_function(
        "() => document.querySelector('#corpus-message').innerText.includes('Removed ferry_notes')"
    )
    assert "ferry_notes" not in page.locator("#corpus-documents").inner_text()
    _wait_for_counts(page, "0 documents, 0 passages")
