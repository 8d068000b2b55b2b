"""Durable pushes: queued in the handler's transaction, sent after commit, resent after a crash.

Each row keeps its X-Line-Retry-Key, so resending a push that LINE had already accepted is
answered 409 and never delivered twice. A push LINE could not take (5xx, 429 rate limit, no
answer) waits as `retry` and is tried again every LINE_OUTAGE_RETRY_SECONDS; one refused for the
monthly quota is held as `quota` (see quota.py) and no more pushes are tried meanwhile.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from linebot_app import metrics
from linebot_app.delivery.quota import NOT_SENT_QUOTA, QuotaGate
from linebot_app.line.client import LineClient, SendOutcome
from linebot_app.logs import logfmt, short_id
from linebot_app.storage.db import Database
from linebot_app.storage.models import OutboxPush

log = logging.getLogger(__name__)

# LINE remembers a retry key for 24 hours; after that a resend could be delivered twice.
RETRY_KEY_LIFETIME = dt.timedelta(hours=23)


class Outbox:
    def __init__(
        self, db: Database, line: LineClient, quota: QuotaGate, retry_seconds: float = 30.0
    ):
        self.db = db
        self.line = line
        self.quota = quota
        self.retry_after = dt.timedelta(seconds=retry_seconds)

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

    def give_up_old_retries(self, now: dt.datetime) -> int:
        """Pushes LINE could not take for almost a day are failed, before their key expires."""
        with self.db.session() as session:
            given_up = session.execute(
                update(OutboxPush)
                .where(
                    OutboxPush.status == "retry", OutboxPush.created_at < now - RETRY_KEY_LIFETIME
                )
                .values(status="failed", error="LINE unavailable for 23 h; not retried")
            ).rowcount
        if given_up:
            log.warning("gave up %d push(es) LINE could not take for 23 hours", given_up)
        return given_up

    def claim(self, now: dt.datetime, lease: dt.timedelta, ids: list[int] | None = None):
        """Claim pending pushes (all, or just `ids`), including ones whose sender died."""
        with self.db.session() as session:
            query = select(OutboxPush).where(
                or_(
                    OutboxPush.status == "pending",
                    (OutboxPush.status == "sending") & (OutboxPush.claimed_at < now - lease),
                    (OutboxPush.status == "retry")
                    & (OutboxPush.claimed_at < now - self.retry_after),
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
            if self.quota.blocked:
                result = None
            else:
                result = self.line.push(to, messages, retry_key=retry_key)
                if result.outcome == SendOutcome.QUOTA_EXCEEDED:
                    self.quota.close()
            with self.db.session() as session:
                row = session.get(OutboxPush, push_id)
                row.status = _status_after(result)
                row.sent_at = now_fn() if row.status == "sent" else None
                row.claimed_at = None if row.status == "pending" else row.claimed_at
                row.error = None if row.status == "sent" else _error_of(result)
            if row.status == NOT_SENT_QUOTA:
                metrics.count_push_not_sent_quota()
            if result is None:
                log.info(logfmt(push=push_id, to=short_id(to), outcome="held_for_quota"))
                continue
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


def _status_after(result) -> str:
    """The row's status after a push attempt (None: not attempted, the quota is used up)."""
    if result is None or result.outcome == SendOutcome.QUOTA_EXCEEDED:
        return NOT_SENT_QUOTA
    if result.delivered:
        return "sent"
    if result.outcome == SendOutcome.INTERRUPTED:
        return "pending"  # shutting down: the next process sends it, same retry key
    if result.status is None or result.status == 429 or result.status >= 500:
        return "retry"  # LINE is down or busy: try again later, same retry key
    return "failed"


def _error_of(result) -> str:
    if result is None:
        return "429 monthly message quota used up (not attempted)"
    return f"{result.status} {result.detail}"[:500]
