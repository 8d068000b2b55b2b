"""How far behind the bot is: the inbox's waiting events and the outbox's pushes, by status.

Read by /healthz and /metrics at request time (two small indexed queries).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from linebot_app.storage.db import Database
from linebot_app.storage.models import InboxEvent, InboxStatus, OutboxPush


@dataclass(frozen=True)
class Backlog:
    pending: int
    in_flight: int
    oldest_pending_age_seconds: float  # 0 when nothing is waiting


def inbox_backlog(db: Database, now: dt.datetime) -> Backlog:
    with db.engine.connect() as connection:
        rows = connection.execute(
            select(InboxEvent.status, func.count(), func.min(InboxEvent.received_at))
            .where(InboxEvent.status.in_((InboxStatus.PENDING, *InboxStatus.IN_FLIGHT)))
            .group_by(InboxEvent.status)
        ).all()
    pending = in_flight = 0
    oldest: dt.datetime | None = None
    for status, count, first in rows:
        if status == InboxStatus.PENDING:
            pending = count
            oldest = first
        else:
            in_flight += count
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=dt.UTC)  # SQLite, through Core, gives naive UTC
    age = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
    return Backlog(pending=pending, in_flight=in_flight, oldest_pending_age_seconds=age)


def outbox_counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as connection:
        rows = connection.execute(
            select(OutboxPush.status, func.count()).group_by(OutboxPush.status)
        ).all()
    return {status: count for status, count in rows}
