"""Daily counts for the insights page, kept in `daily_stats` as events happen, so pruning the
inbox never erases history. No personal data: a metric and a key (a topic name) per day.

Metrics: question, topic (key = topic), fallback, clarify, booking_started, booking_submitted,
request_contacted, request_confirmed, request_cancelled, handoff_started (key = reason).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from linebot_app.console.models import DailyStat

METRICS = (
    "question",
    "topic",
    "fallback",
    "clarify",
    "booking_started",
    "booking_submitted",
    "request_contacted",
    "request_confirmed",
    "request_cancelled",
    "handoff_started",
)


def count_stat(
    session: Session, metric: str, key: str = "", *, at: dt.datetime, tz: ZoneInfo, n: int = 1
) -> None:
    """Add `n` to today's (clinic time) count of `metric`/`key`, in the caller's transaction."""
    day = at.astimezone(tz).date()
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(DailyStat).values(day=day, metric=metric, key=key[:60], count=n)
    statement = statement.on_conflict_do_update(
        index_elements=["day", "metric", "key"],
        set_={"count": DailyStat.count + statement.excluded.count},
    )
    session.execute(statement)


def count_event(ctx, metric: str, key: str = "") -> None:
    """`count_stat` for a handler: its session, its clock, the clinic's time zone."""
    count_stat(ctx.session, metric, key, at=ctx.clock.now(), tz=ctx.clinic.tz)


def stats_between(session: Session, first: dt.date, last: dt.date) -> list[DailyStat]:
    return list(
        session.scalars(
            select(DailyStat)
            .where(DailyStat.day >= first, DailyStat.day <= last)
            .order_by(DailyStat.day, DailyStat.metric, DailyStat.key)
        )
    )
