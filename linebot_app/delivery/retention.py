"""How long the bot keeps what passed through it.

Handled webhook events (they hold what patients typed) and sent pushes are only needed for
de-duplication, recovery and troubleshooting: after a retention period they are deleted.
Pending or in-flight rows are never touched.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete

from linebot_app.storage.db import Database
from linebot_app.storage.models import InboxEvent, InboxStatus, OutboxPush


@dataclass(frozen=True)
class PruneResult:
    events: int
    pushes: int


def prune(db: Database, before: dt.datetime) -> PruneResult:
    with db.session() as session:
        events = session.execute(
            delete(InboxEvent).where(
                InboxEvent.status.in_(InboxStatus.FINAL), InboxEvent.received_at < before
            )
        ).rowcount
        pushes = session.execute(
            delete(OutboxPush).where(
                OutboxPush.status.in_(("sent", "failed")), OutboxPush.created_at < before
            )
        ).rowcount
    return PruneResult(events=events, pushes=pushes)
