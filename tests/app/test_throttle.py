"""Failed logins wait, per client address and per user name; the heartbeat needs a login."""

from __future__ import annotations

import logging
import urllib.request

import pytest

from app.throttle import LoginThrottle
from tests.app.served import login, send, serving
from tests.app.test_security import make_state

USERS = [("ann", "right-horse-battery"), ("bob", "staple")]


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_failures_past_the_free_ones_double_the_wait_up_to_the_cap():
    clock = Clock()
    throttle = LoginThrottle(free_failures=2, base_delay_s=1, max_delay_s=8, clock=clock)
    waits = []
    for _ in range(7):
        assert throttle.attempt("10.0.0.1", "ann") == 0
        waits.append(throttle.wait_s("10.0.0.1", "ann"))
        if waits[-1]:
            assert throttle.attempt("10.0.0.1", "ann") == waits[-1]  # refused, not counted
        clock.now += waits[-1]
    assert waits == [0, 1, 2, 4, 8, 8, 8]
    assert throttle.failures("10.0.0.1", "ann") == 7


def test_each_key_waits_alone_and_a_success_or_a_quiet_spell_clears_it():
    clock = Clock()
    throttle = LoginThrottle(free_failures=2, max_delay_s=30, forget_after_s=60, clock=clock)
    throttle.attempt("10.0.0.1", "ann")
    throttle.attempt("10.0.0.2", "ann")
    # The name waits from any address; the address waits for any name.
    assert throttle.wait_s("10.0.0.9", "ann") == 1
    assert throttle.wait_s("10.0.0.1", "bob") == 0
    for name in ("bob", "cy"):
        throttle.attempt("10.0.0.3", name)
    assert throttle.wait_s("10.0.0.3", "dee") == 1
    throttle.succeeded("10.0.0.3", "cy")
    assert throttle.wait_s("10.0.0.3", "dee") == 0
    clock.now += 61
    assert throttle.wait_s("10.0.0.9", "ann") == 0
    with pytest.raises(ValueError, match="max_delay_s"):
        LoginThrottle(base_delay_s=10, max_delay_s=5)


def test_the_throttle_remembers_a_bounded_number_of_keys():
    throttle = LoginThrottle(max_keys=4, clock=Clock())
    for number in range(100):
        throttle.attempt(f"10.0.0.{number}", f"user{number}")
    assert len(throttle._failures) == 4


def test_the_20th_wrong_login_in_a_minute_is_refused_unchecked_and_the_right_one_works_later(
    tmp_path, caplog
):
    clock = Clock()
    throttle = LoginThrottle(clock=clock)
    caplog.set_level(logging.INFO, logger="app")
    with serving(make_state(tmp_path), USERS, throttle) as (_, base):
        statuses = []
        for _ in range(19):
            statuses.append(login(base, "ann", "guess")[0])
            clock.now += 3
        # The 20th attempt, 57 s after the first, brings the right password: not even checked.
        status, cookies, headers = login(base, "ann", USERS[0][1])
        assert status == 429 and not cookies and int(headers["Retry-After"]) > 0
        # 5 failures, then one checked attempt per wait (1, 2, 4, 8, 16 s...).
        assert statuses.count(400) == 10 and statuses.count(429) == 9
        failed = [r for r in caplog.records if r.getMessage().startswith("failed login")]
        assert len(failed) == statuses.count(400)
        assert "'ann' from 127.0.0.1" in failed[-1].getMessage()

        clock.now += throttle.max_delay_s
        status, cookies, _ = login(base, "ann", USERS[0][1])
        assert status == 200 and cookies
        config = urllib.request.Request(f"{base}/config", headers={"Cookie": cookies})
        assert send(config)[0] == 200
        # The success cleared the name and the address: the next wrong one is checked.
        assert login(base, "ann", "guess")[0] == 400


def test_the_heartbeat_needs_a_login_like_the_rest(tmp_path):
    with serving(make_state(tmp_path), USERS) as (_, base):
        heartbeat = f"{base}/gradio_api/heartbeat/some-session"
        assert send(urllib.request.Request(heartbeat), timeout=5)[0] == 401
        _, cookies, _ = login(base, *USERS[1])
        request = urllib.request.Request(heartbeat, headers={"Cookie": cookies})
        with urllib.request.urlopen(request, timeout=5) as stream:
            assert stream.status == 200 and stream.readline().startswith(b"data: ALIVE")
