"""The pure pieces of outage handling: backoff, the outage log, the quota's month and its 429."""

from __future__ import annotations

import datetime as dt
import logging
import random

from linebot_app.delivery.outage import Backoff, OutageTracker
from linebot_app.delivery.quota import is_monthly_limit, next_month_start


def test_backoff_doubles_up_to_the_maximum_with_jitter_below_each_step():
    backoff = Backoff(0.5, 5.0, rng=random.Random(7))
    delays = [backoff.next_delay() for _ in range(8)]
    ceilings = [0.5, 1.0, 2.0, 4.0, 5.0, 5.0, 5.0, 5.0]
    assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    assert len(set(delays)) == len(delays)  # jittered, not in lockstep
    backoff.reset()
    assert backoff.next_delay() <= 0.5


def test_an_outage_is_logged_once_when_it_starts_and_once_when_it_ends(caplog):
    caplog.set_level(logging.INFO)
    now = [100.0]
    counted = []
    tracker = OutageTracker("database", on_failure=counted.append, monotonic=lambda: now[0])
    for where in ["webhook", "inbox worker", "inbox worker"]:
        tracker.failed(ConnectionError("connection refused"), where)
    assert tracker.down
    now[0] = 114.2
    tracker.succeeded()
    tracker.succeeded()
    lines = [r.getMessage() for r in caplog.records if r.name == "linebot_app.delivery.outage"]
    assert lines == [
        "database unavailable (ConnectionError: connection refused in webhook); retrying with "
        "backoff, logging once more when it is back",
        "database is back after 14.2 s of outage (3 failed attempt(s))",
    ]
    assert counted == ["webhook", "inbox worker", "inbox worker"]
    assert not tracker.down and tracker.outages == 1


def test_the_quota_month_turns_at_midnight_in_taipei():
    # 2026-12-31 16:30 UTC is 2027-01-01 00:30 in Taipei: already January there.
    assert next_month_start(dt.datetime(2026, 12, 31, 15, 59, tzinfo=dt.UTC)) == dt.datetime(
        2026, 12, 31, 16, 0, tzinfo=dt.UTC
    )
    assert next_month_start(dt.datetime(2026, 12, 31, 16, 30, tzinfo=dt.UTC)) == dt.datetime(
        2027, 1, 31, 16, 0, tzinfo=dt.UTC
    )


def test_only_the_monthly_limit_429_is_a_quota_refusal():
    assert is_monthly_limit(429, '{"message": "You have reached your monthly limit."}')
    assert not is_monthly_limit(429, '{"message": "The API rate limit has been exceeded."}')
    assert not is_monthly_limit(500, '{"message": "You have reached your monthly limit."}')
    assert not is_monthly_limit(429, "not json")
