"""The one source of "now", so clock-dependent logic can be tested deterministically."""

from __future__ import annotations

import datetime as dt
import threading


class Clock:
    def now(self) -> dt.datetime:
        """Current time, timezone-aware (UTC)."""
        return dt.datetime.now(dt.UTC)


class FixedClock(Clock):
    """A clock for tests: stands still until moved with `set()` or `advance()`."""

    def __init__(self, start: dt.datetime):
        if start.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        with self._lock:
            return self._now

    def set(self, moment: dt.datetime) -> None:
        with self._lock:
            self._now = moment

    def advance(self, **delta: float) -> None:
        with self._lock:
            self._now = self._now + dt.timedelta(**delta)
