"""A load test: N concurrent API clients for a minute on 127.0.0.1, each answer for its own claim.

Slow: ``pytest -m slow tests/app/test_load.py -s``. The page runs in this
process around the fake models, so the test measures the server (queue,
caps, no mixed-up answers), not the models. ``VERIFIER_LOAD_CLIENTS`` and
``VERIFIER_LOAD_SECONDS`` set its size (defaults 8 and 60).
"""

from __future__ import annotations

import os
import socket
import statistics
import threading
import time
from pathlib import Path

import pytest

from app.state import AppState
from app.ui import build_ui
from tests.app.test_security import make_state

CLIENTS = int(os.environ.get("VERIFIER_LOAD_CLIENTS", "8"))
SECONDS = float(os.environ.get("VERIFIER_LOAD_SECONDS", "60"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_concurrent_clients_each_get_the_answer_to_their_own_claim(tmp_path: Path):
    from gradio_client import Client

    state: AppState = make_state(tmp_path)
    page = build_ui(state, [])
    page.queue(default_concurrency_limit=2, max_size=64)
    port = _free_port()
    page.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    url = f"http://127.0.0.1:{port}/"
    latencies: list[float] = []
    errors: list[str] = []
    mixed: list[tuple[str, str]] = []
    refused = 0
    lock = threading.Lock()
    stop = time.monotonic() + SECONDS

    def client(number: int) -> None:
        nonlocal refused
        api = Client(url, verbose=False)
        sequence = 0
        while time.monotonic() < stop:
            sequence += 1
            claim = f"Client {number} asks about bridge number {sequence} opened in 2019."
            # Every fifth request asks for too much: it must be refused, not served.
            top_k = 10**9 if sequence % 5 == 0 else 1 + sequence % 5
            started = time.monotonic()
            try:
                answer = api.predict(claim, top_k, api_name="/check_claim")
            except Exception as error:  # noqa: BLE001 - counted and reported below
                with lock:
                    if top_k == 10**9 and "top_k" in str(error):
                        refused += 1
                    else:
                        errors.append(f"{type(error).__name__}: {error}")
                continue
            with lock:
                latencies.append(time.monotonic() - started)
                if top_k == 10**9:
                    errors.append("a top_k of 10**9 was served")
                elif answer["claim"] != claim:
                    mixed.append((claim, answer["claim"]))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(SECONDS + 120)
    finally:
        page.close()
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) if ordered else float("nan")
    p95 = ordered[int(0.95 * (len(ordered) - 1))] if ordered else float("nan")
    print(
        f"\n{CLIENTS} clients for {SECONDS:.0f} s: {len(latencies)} answered, {refused} refused "
        f"(top_k over the cap), {len(errors)} errors, {len(mixed)} mixed up; "
        f"p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"
    )
    assert not errors, errors[:3]
    assert not mixed, mixed[:3]
    assert latencies and refused
