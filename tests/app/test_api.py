"""The served API: a refused request is one log line; a fault keeps its traceback."""

from __future__ import annotations

import json
import logging
import urllib.request

from tests.app.served import send, serving
from tests.app.test_security import make_state


def call(base: str, endpoint: str, data: list) -> str:
    """Call an endpoint as ``gradio_client`` does; returns the event stream's text."""
    request = urllib.request.Request(
        f"{base}/gradio_api/call/{endpoint}",
        data=json.dumps({"data": data}).encode(),
        headers={"Content-Type": "application/json"},
    )
    event = json.loads(send(request)[1])["event_id"]
    return send(urllib.request.Request(f"{base}/gradio_api/call/{endpoint}/{event}"))[1].decode()


def test_a_refused_request_logs_one_line_and_a_fault_its_traceback(
    tmp_path, caplog, capfd, monkeypatch
):
    caplog.set_level(logging.INFO, logger="app")
    state = make_state(tmp_path)
    with serving(state) as (_, base):
        for top_k in (10**9, 0):
            assert "top_k must be between 1 and 20" in call(
                base, "check_claim", ["A claim.", top_k]
            )
        refused = [r for r in caplog.records if r.getMessage().startswith("refused a check_claim")]
        assert len(refused) == 2 and not any(r.exc_info for r in refused)
        assert "Traceback" not in capfd.readouterr().err

        def broken(*args, **kwargs):
            raise RuntimeError("the index fell over")

        monkeypatch.setattr(state.verifier, "verify", broken)
        assert "Something went wrong" in call(base, "check_claim", ["A claim.", 5])
    [fault] = [r for r in caplog.records if r.getMessage().startswith("unexpected error")]
    assert fault.exc_info[0] is RuntimeError
