"""LINE's monthly message quota: when pushes are refused for it, hold them instead of retrying.

A 429 whose body says the month's messages are used up is not a rate limit: retrying sends
nothing until the next month. The push is recorded as not sent (`quota`), visible in
`flask --app linebot_app inbox status`, /metrics and `held_pushes()`; further pushes are not
attempted until the month turns (Asia/Taipei) or a quota check (GET /v2/bot/message/quota and
/quota/consumption) shows room again. Then pushes held for less than QUOTA_HOLD_HOURS are
queued again (with their retry keys); older ones stay `quota` for staff to see.
Replies are free and never held.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from linebot_app.clock import Clock
from linebot_app.storage.db import Database
from linebot_app.storage.models import OutboxPush

log = logging.getLogger(__name__)

QUOTA_ZONE = ZoneInfo("Asia/Taipei")  # LINE Taiwan's months
NOT_SENT_QUOTA = "quota"  # OutboxPush.status of a push held for the quota


def is_monthly_limit(status: int | None, body: str | None) -> bool:
    """LINE's 429 for the month's messages being used up (not a rate limit)."""
    if status != 429:
        return False
    try:
        message = str(json.loads(body or "{}").get("message", ""))
    except (ValueError, AttributeError):
        message = body or ""
    return "monthly limit" in message.lower()


def next_month_start(now: dt.datetime) -> dt.datetime:
    local = now.astimezone(QUOTA_ZONE)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return dt.datetime(year, month, 1, tzinfo=QUOTA_ZONE).astimezone(dt.UTC)


class QuotaGate:
    """One per process: closed after a monthly-limit 429, open again at the month's turn or when
    a quota check (at most every `check_seconds`) shows room."""

    def __init__(self, line, clock: Clock, check_seconds: float):
        self.line = line
        self.clock = clock
        self.check_seconds = check_seconds
        self._lock = threading.Lock()
        self._closed_until: dt.datetime | None = None
        self._next_check = 0.0
        self.reopened_count = 0

    @property
    def blocked(self) -> bool:
        return self._closed_until is not None

    def close(self) -> None:
        with self._lock:
            if self._closed_until is not None:
                return
            self._closed_until = next_month_start(self.clock.now())
            self._next_check = time.monotonic() + self.check_seconds
        log.warning(
            "LINE's monthly message quota is used up: pushes are held (status %r) until %s "
            "or until a quota check shows room; replies still work",
            NOT_SENT_QUOTA,
            self._closed_until.isoformat(),
        )

    def check(self, held_waiting: Callable[[], bool]) -> bool:
        """Called regularly by the worker; True when held pushes should be queued again now.

        Also after a restart (the gate starts open): if pushes held earlier are still waiting
        (`held_waiting()`), they are queued again once the quota shows room.
        """
        with self._lock:
            closed = self._closed_until is not None
            month_turned = closed and self.clock.now() >= self._closed_until
            if not month_turned and time.monotonic() < self._next_check:
                return False
            self._next_check = time.monotonic() + self.check_seconds
        if not closed:
            return held_waiting() and self.has_room()
        if not month_turned and not self.has_room():
            return False
        with self._lock:
            if self._closed_until is None:
                return False
            self._closed_until = None
            self.reopened_count += 1
        log.warning("LINE's message quota has room again: held pushes are sent")
        return True

    def has_room(self) -> bool:
        quota = self.line.get_message_quota()
        if quota is None:
            return False
        if quota.type == "none":
            return True
        usage = self.line.get_quota_consumption()
        return usage is not None and quota.value is not None and usage.total_usage < quota.value


@dataclass(frozen=True)
class HeldPush:
    """A push LINE refused for the monthly quota (for the staff console)."""

    id: int
    to: str
    created_at: dt.datetime
    source_event_id: str | None
    attempts: int
    error: str | None


def held_pushes(db: Database, limit: int = 100) -> list[HeldPush]:
    """Pushes not sent for the quota, oldest first."""
    with db.session() as session:
        rows = session.scalars(
            select(OutboxPush)
            .where(OutboxPush.status == NOT_SENT_QUOTA)
            .order_by(OutboxPush.id)
            .limit(limit)
        ).all()
        return [
            HeldPush(r.id, r.to, r.created_at, r.source_event_id, r.attempts, r.error) for r in rows
        ]


def young_held_pushes_exist(db: Database, now: dt.datetime, hold_hours: float) -> bool:
    """Held pushes that would still be sent once the quota has room."""
    with db.session() as session:
        return (
            session.scalar(
                select(OutboxPush.id)
                .where(
                    OutboxPush.status == NOT_SENT_QUOTA,
                    OutboxPush.created_at >= now - dt.timedelta(hours=hold_hours),
                )
                .limit(1)
            )
            is not None
        )


def requeue_held_pushes(db: Database, now: dt.datetime, hold_hours: float) -> int:
    """Queue again the held pushes younger than `hold_hours` (same retry keys)."""
    with db.session() as session:
        return session.execute(
            update(OutboxPush)
            .where(
                OutboxPush.status == NOT_SENT_QUOTA,
                OutboxPush.created_at >= now - dt.timedelta(hours=hold_hours),
            )
            .values(status="pending", claimed_at=None)
        ).rowcount
