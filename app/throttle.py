"""Failed logins cost time: a backoff per client address and per user name.

Gradio checks a password as fast as it is asked. :class:`LoginThrottle`
counts failed logins per client address and per user name: after
``free_failures`` failures in a row a key must wait ``base_delay_s`` before
its next attempt is checked at all, and twice as long after each further
failure, up to ``max_delay_s``. An attempt made while either key waits is refused
without reaching the password check (``app.gate`` answers it with 429). An
attempt let through counts as failed at once, until :meth:`succeeded`
clears both keys, so attempts sent together cannot all pass before the
first failure is known. A key with no failure for ``forget_after_s`` is
forgotten.

Example:
    >>> now = [0.0]
    >>> throttle = LoginThrottle(free_failures=2, clock=lambda: now[0])
    >>> [throttle.attempt("10.0.0.7", "ann") for _ in range(3)]
    [0.0, 0.0, 1.0]
    >>> throttle.wait_s("10.0.0.8", "ann")
    1.0
    >>> now[0] = 1.0
    >>> throttle.attempt("10.0.0.7", "ann")
    0.0
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Failures:
    count: int
    last: float


class LoginThrottle:
    """Failed logins per client address and per user name, and the wait each has earned.

    Args:
        free_failures: failures in a row after which a key must wait.
        base_delay_s: the first wait.
        max_delay_s: the longest wait.
        forget_after_s: a key without a failure this long starts again from nothing.
        max_keys: keys remembered at most; the least recently failed go first.
        clock: seconds, monotonic (tests pass their own).
    """

    def __init__(
        self,
        *,
        free_failures: int = 5,
        base_delay_s: float = 1.0,
        max_delay_s: float = 300.0,
        forget_after_s: float = 900.0,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if free_failures < 0 or max_keys < 2:
            raise ValueError(
                f"free_failures must be 0 or more and max_keys 2 or more, "
                f"got {free_failures} and {max_keys}"
            )
        if not 0 < base_delay_s <= max_delay_s < forget_after_s:
            raise ValueError(
                "need 0 < base_delay_s <= max_delay_s < forget_after_s, got "
                f"{base_delay_s}, {max_delay_s} and {forget_after_s}"
            )
        self.free_failures = free_failures
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        self.forget_after_s = forget_after_s
        self.max_keys = max_keys
        self._clock = clock
        self._failures: OrderedDict[tuple[str, str], _Failures] = OrderedDict()
        self._lock = threading.Lock()

    def rule(self) -> str:
        """The rule in words, for the login page."""
        return (
            f"After {self.free_failures} wrong passwords for a name, or from one address, each "
            f"further attempt waits: {self.base_delay_s:g} s, then twice as long each time, up "
            f"to {self.max_delay_s:g} s. The page does not answer while you wait."
        )

    def delay_s(self, failures: int) -> float:
        """The wait that ``failures`` failures in a row earn a key."""
        if failures < self.free_failures:
            return 0.0
        return min(self.base_delay_s * 2.0 ** (failures - self.free_failures), self.max_delay_s)

    def _current(self, key: tuple[str, str], now: float) -> _Failures | None:
        record = self._failures.get(key)
        if record is not None and now - record.last > self.forget_after_s:
            del self._failures[key]
            return None
        return record

    def _wait_s(self, address: str, user: str, now: float) -> float:
        waits = [
            record.last + self.delay_s(record.count) - now
            for key in (("address", address), ("user", user))
            if (record := self._current(key, now)) is not None
        ]
        return max([0.0, *waits])

    def wait_s(self, address: str, user: str) -> float:
        """Seconds before an attempt from ``address`` as ``user`` may be checked (0: now)."""
        with self._lock:
            return self._wait_s(address, user, self._clock())

    def failures(self, address: str, user: str) -> int:
        """The most failures in a row of the two keys."""
        now = self._clock()
        with self._lock:
            counts = [
                record.count
                for key in (("address", address), ("user", user))
                if (record := self._current(key, now)) is not None
            ]
        return max([0, *counts])

    def attempt(self, address: str, user: str) -> float:
        """Let an attempt through (0, counted as failed until it succeeds), or the wait left."""
        now = self._clock()
        with self._lock:
            wait = self._wait_s(address, user, now)
            if wait > 0:
                return wait
            for key in (("address", address), ("user", user)):
                record = self._current(key, now) or _Failures(0, now)
                record.count += 1
                record.last = now
                self._failures[key] = record
                self._failures.move_to_end(key)
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)
        return 0.0

    def succeeded(self, address: str, user: str) -> None:
        """Clear both keys after a right password."""
        with self._lock:
            self._failures.pop(("address", address), None)
            self._failures.pop(("user", user), None)
