"""Riding out outages: retry delays with backoff and jitter, and one log line per outage.

A database that restarts for maintenance, fails over, or (SQLite) stays write-locked by another
process past the timeout makes every poll and webhook fail for a while. That is logged once when
it starts and once when it ends, with its length, instead of a traceback per attempt.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import threading
import time
from collections.abc import Callable

from sqlalchemy import exc as sa_exc

log = logging.getLogger(__name__)


# What a database call can raise. SQLite's write gate (db.py) raises sqlite3's own error from
# inside SQLAlchemy's `begin` event, which SQLAlchemy does not wrap.
DATABASE_ERRORS = (sa_exc.SQLAlchemyError, sqlite3.Error)


def is_database_unavailable(error: BaseException) -> bool:
    """The database could not be reached or locked in time (as opposed to a bug in a query)."""
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(
        error,
        (
            sa_exc.OperationalError,
            sa_exc.InterfaceError,
            sa_exc.TimeoutError,
            sqlite3.OperationalError,
        ),
    )


class Backoff:
    """Delays that double from `initial` up to `maximum`, each with up to 50% jitter taken off,
    so processes that failed together do not retry together."""

    def __init__(self, initial: float, maximum: float, rng: random.Random | None = None):
        self.initial = initial
        self.maximum = max(maximum, initial)
        self._failures = 0
        self._rng = rng or random.Random()

    @property
    def failures(self) -> int:
        return self._failures

    def next_delay(self) -> float:
        """The wait before the next attempt, after one more failure."""
        self._failures += 1
        ceiling = min(self.maximum, self.initial * 2 ** (self._failures - 1))
        return ceiling * self._rng.uniform(0.5, 1.0)

    def reset(self) -> None:
        self._failures = 0


def describe_error(error: BaseException) -> str:
    """'OperationalError: connection refused' on one line, without SQL or parameters."""
    text = str(getattr(error, "orig", None) or error).strip().splitlines()
    first = text[0] if text else ""
    return f"{error.__class__.__name__}: {first[:200]}"


class OutageTracker:
    """Shared by the webhook, the worker and the health check of one process.

    `failed()` on every failure (it counts them; only the first of an outage is logged),
    `succeeded()` on every success (the first after an outage logs its length).
    """

    def __init__(
        self,
        name: str,
        on_failure: Callable[[str], None] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self.name = name
        self._on_failure = on_failure
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._since: float | None = None
        self._failures = 0
        self.outages = 0

    @property
    def down(self) -> bool:
        return self._since is not None

    @property
    def down_for(self) -> float:
        since = self._since
        return 0.0 if since is None else self._monotonic() - since

    @property
    def failures_in_outage(self) -> int:
        return self._failures

    def failed(self, error: BaseException, where: str) -> None:
        if self._on_failure is not None:
            self._on_failure(where)
        with self._lock:
            self._failures += 1
            if self._since is not None:
                return
            self._since = self._monotonic()
            self.outages += 1
        log.warning(
            "%s unavailable (%s in %s); retrying with backoff, logging once more when it is back",
            self.name,
            describe_error(error),
            where,
        )

    def succeeded(self) -> None:
        if self._since is None:  # the common case, without taking the lock
            return
        with self._lock:
            if self._since is None:
                return
            length, failures = self._monotonic() - self._since, self._failures
            self._since, self._failures = None, 0
        log.warning(
            "%s is back after %.1f s of outage (%d failed attempt(s))", self.name, length, failures
        )
