"""The page's handlers and wiring over the fake models: what a user sees, without a browser."""

from __future__ import annotations

import pytest

from app.ui import build_ui
from tests.app.test_security import handlers, make_state, write

LONG_RUNNING = ("on_check_claim", "on_check_paragraph", "upload_files", "run_batch")


@pytest.fixture
def page(tmp_path):
    return build_ui(make_state(tmp_path), ["The harbour bridge opened in 2019 after long delays."])


def test_a_bare_topic_gets_a_message_instead_of_a_verdict(tmp_path):
    check = handlers(make_state(tmp_path))["on_check_claim"]
    badge, evidence, chart, verdict, _, _, message = check("Kursk", 5, False, None)
    assert (badge, evidence, chart, verdict) == ("", "", "", None)
    assert "message-warning" in message and "Not a statement" in message

    badge, *_, message = check("The harbour bridge opened in 2019.", 5, False, None)
    assert "verdict-badge" in badge and message == ""


def test_an_empty_claim_is_still_refused_as_empty_not_as_a_topic(tmp_path):
    *_, message = handlers(make_state(tmp_path))["on_check_claim"]("   ", 5, False, None)
    assert "message-error" in message and "empty" in message


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_each_long_running_event_shows_one_progress_indicator(page, name):
    function = next(f for f in page.fns.values() if f.name == name)
    assert len(function.outputs) > 1
    assert len(function.show_progress_on) == 1


def test_a_refused_file_type_gets_one_message_from_the_server(tmp_path, page):
    # The browser's own type filter would add "Invalid file type" and upload nothing.
    uploads = [
        block
        for block in page.blocks.values()
        if block.elem_id in ("corpus-upload", "batch-upload")
    ]
    assert len(uploads) == 2
    assert all(block.file_types is None for block in uploads)

    rtf = write(tmp_path / "up" / "notes.rtf", "The ferry starts in June, said the notes.")
    stats, report, session, cleared, message = handlers(make_state(tmp_path))["upload_files"](
        [rtf], None
    )
    assert message.count('class="message') == 1 and cleared is None
    assert "None of the files can be indexed" in message
    assert "notes\\.rtf" in report and "\\.rtf is not accepted" in report


def test_example_claims_have_short_labels(page):
    examples = [block for block in page.blocks.values() if type(block).__name__ == "Dataset"]
    labels = [label for block in examples for label in (block.sample_labels or [])]
    assert labels and all(len(label) <= 61 for label in labels)


def test_the_batch_table_pins_the_claim_column(page):
    table = next(block for block in page.blocks.values() if block.elem_id == "batch-table")
    assert table.pinned_columns == 1


def test_the_api_names_describes_and_types_check_claim(page):
    endpoint = page.get_api_info()["named_endpoints"]["/check_claim"]
    parameters = {item["parameter_name"]: item for item in endpoint["parameters"]}
    assert [item["label"] for item in endpoint["parameters"]] == ["claim", "top_k"]
    for item in parameters.values():
        assert len(item["python_type"]["description"]) > 20
    assert parameters["top_k"]["parameter_has_default"]
    (result,) = endpoint["returns"]
    assert result["label"] == "verdict" and result["python_type"]["type"] != "Any"
    properties = result["type"]["properties"]
    assert properties["verdict"]["enum"] == [
        "SUPPORTED",
        "REFUTED",
        "NOT_ENOUGH_INFO",
        "CONFLICTING",
    ]
    assert properties["confidence"] == {"type": "number"}
    evidence = properties["evidence"]["items"]["properties"]
    assert evidence["nli"]["properties"]["entailment"] == {"type": "number"}
    assert result["python_type"]["description"]


def test_the_api_result_type_matches_what_verdict_to_dict_returns(tmp_path, page):
    state = make_state(tmp_path)
    verdict = state.verifier.verify("The harbour bridge opened in 2019.").to_dict()
    schema = page.get_api_info()["named_endpoints"]["/check_claim"]["returns"][0]["type"]
    assert set(schema["properties"]) == set(verdict)
    item = schema["properties"]["evidence"]["items"]["properties"]
    assert verdict["evidence"] and set(item) == set(verdict["evidence"][0])
    source = schema["properties"]["sources"]["items"]["properties"]
    assert set(source) == set(verdict["sources"][0])


def test_every_component_sits_inside_a_tab(tmp_path, recwarn):
    # A component made while gr.Tabs is open but outside a gr.Tab shuffles the tab titles.
    build_ui(make_state(tmp_path), [])
    assert not [str(w.message) for w in recwarn if "gr.Tabs()" in str(w.message)]


def test_a_paragraph_check_reports_its_stage(tmp_path):
    stages: list[str] = []

    def progress(value, desc=None, **_):
        stages.append(desc)

    check = handlers(make_state(tmp_path))["on_check_paragraph"].__wrapped__
    check("The bridge opened in 2019. It cost a lot.", 5, False, None, progress=progress)
    assert stages and set(stages) == {"checking claims"}
