"""Durable pushes: queued in the handler's transaction, sent after commit, resent after a crash.

Each row keeps its X-Line-Retry-Key, so resending a push that LINE had already accepted is
answered 409 and never delivered twice.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from linebot_app.db import Database
from linebot_app.line_client import LineClient
from linebot_app.logs import logfmt, short_id
from linebot_app.models import OutboxPush

log = logging.getLogger(__name__)


class Outbox:
    def __init__(self, db: Database, line: LineClient):
        self.db = db
        self.line = line

    @staticmethod
    def enqueue(
        session: Session, to: str, messages: list[dict], now: dt.datetime, source_event_id=None
    ) -> OutboxPush:
        row = OutboxPush(
            to=to,
            messages=json.dumps(messages, ensure_ascii=False),
            retry_key=str(uuid.uuid4()),
            source_event_id=source_event_id,
            created_at=now,
            status="pending",
            attempts=0,
        )
        session.add(row)
        session.flush()
        return row

    def claim(self, now: dt.datetime, lease: dt.timedelta, ids: list[int] | None = None):
        """Claim pending pushes (all, or just `ids`), including ones whose sender died."""
        with self.db.session() as session:
            query = select(OutboxPush).where(
                or_(
                    OutboxPush.status == "pending",
                    (OutboxPush.status == "sending") & (OutboxPush.claimed_at < now - lease),
                )
            )
            if ids is not None:
                query = query.where(OutboxPush.id.in_(ids))
            query = query.order_by(OutboxPush.id).limit(50)
            if self.db.is_postgres:
                query = query.with_for_update(skip_locked=True)
            rows = session.scalars(query).all()
            for row in rows:
                row.status = "sending"
                row.claimed_at = now
                row.attempts += 1
            return [(row.id, row.to, json.loads(row.messages), row.retry_key) for row in rows]

    def send(self, claimed, now_fn) -> int:
        """Send claimed pushes; returns how many LINE accepted."""
        accepted = 0
        for push_id, to, messages, retry_key in claimed:
            result = self.line.push(to, messages, retry_key=retry_key)
            with self.db.session() as session:
                row = session.get(OutboxPush, push_id)
                row.status = "sent" if result.delivered else "failed"
                row.sent_at = now_fn() if result.delivered else None
                row.error = None if result.delivered else f"{result.status} {result.detail}"[:500]
            accepted += int(result.delivered)
            log.info(
                logfmt(
                    push=push_id,
                    to=short_id(to),
                    outcome=result.outcome,
                    status=result.status,
                    attempts=result.attempts,
                )
            )
        return accepted
