"""The durable inbox: webhook events are stored before LINE gets its 200, then claimed by workers.

Claiming is safe across threads, gunicorn workers and instances: on PostgreSQL candidate rows are
locked with `FOR UPDATE SKIP LOCKED` and each chat is serialised with a transaction-scoped
advisory lock; on SQLite every write transaction is `BEGIN IMMEDIATE`, so claims queue.
Events of one chat are handled one at a time and in order, so a conversation never races itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from linebot_app.db import Database
from linebot_app.models import InboxEvent, InboxStatus

CLAIM_SCAN_LIMIT = 64


@dataclass(frozen=True)
class StoreResult:
    new: int
    duplicates: int


@dataclass(frozen=True)
class ClaimedEvent:
    """A claimed inbox row. `resume_reply` is set when only the reply is left to send."""

    id: int
    webhook_event_id: str
    event: dict[str, Any]
    received_at: dt.datetime
    attempts: int
    resume_reply: list[dict[str, Any]] | None


def event_id_of(event: dict[str, Any]) -> str:
    """LINE's webhookEventId, or a content hash for the (rare, old-format) events without one."""
    event_id = event.get("webhookEventId")
    if isinstance(event_id, str) and 0 < len(event_id) <= 64:
        return event_id
    digest = hashlib.sha256(json.dumps(event, sort_keys=True).encode()).hexdigest()
    return "sha256:" + digest[:50]


def chat_key_of(event: dict[str, Any]) -> str | None:
    source = event.get("source") or {}
    key = source.get("groupId") or source.get("roomId") or source.get("userId")
    return key if isinstance(key, str) else None


def worker_identity() -> str:
    return f"{os.uname().nodename}/{os.getpid()}"


class Inbox:
    def __init__(self, db: Database):
        self.db = db

    # --- webhook side -------------------------------------------------------------------
    def store(self, events: list[dict[str, Any]], now: dt.datetime) -> StoreResult:
        """Insert events in one transaction; an event already stored only bumps a counter."""
        if not events:
            return StoreResult(0, 0)
        insert = pg_insert if self.db.is_postgres else sqlite_insert
        new = 0
        with self.db.session() as session:
            for event in events:
                event_id = event_id_of(event)
                timestamp = event.get("timestamp")
                statement = (
                    insert(InboxEvent)
                    .values(
                        webhook_event_id=event_id,
                        event_type=str(event.get("type", ""))[:40],
                        chat_key=chat_key_of(event),
                        payload=json.dumps(event, ensure_ascii=False),
                        event_timestamp_ms=timestamp if isinstance(timestamp, int) else None,
                        is_redelivery=bool((event.get("deliveryContext") or {}).get("isRedelivery")),
                        duplicates_seen=0,
                        received_at=now,
                        status=InboxStatus.PENDING,
                        attempts=0,
                    )
                    .on_conflict_do_nothing(index_elements=["webhook_event_id"])
                    .returning(InboxEvent.id)
                )
                if session.execute(statement).scalar_one_or_none() is not None:
                    new += 1
                else:
                    session.execute(
                        update(InboxEvent)
                        .where(InboxEvent.webhook_event_id == event_id)
                        .values(duplicates_seen=InboxEvent.duplicates_seen + 1)
                    )
        return StoreResult(new=new, duplicates=len(events) - new)

    # --- worker side --------------------------------------------------------------------
    def claim(self, limit: int, now: dt.datetime, lease: dt.timedelta) -> list[ClaimedEvent]:
        """Claim up to `limit` events: pending ones, or in-flight ones whose lease ran out."""
        if limit <= 0:
            return []
        me = worker_identity()
        stale = now - lease
        claimable = or_(
            InboxEvent.status == InboxStatus.PENDING,
            (InboxEvent.status.in_(InboxStatus.IN_FLIGHT)) & (InboxEvent.claimed_at < stale),
        )
        with self.db.session() as session:
            query = select(InboxEvent).where(claimable).order_by(InboxEvent.id)
            query = query.limit(CLAIM_SCAN_LIMIT)
            if self.db.is_postgres:
                query = query.with_for_update(skip_locked=True)
            candidates = session.scalars(query).all()
            chosen: list[InboxEvent] = []
            seen_chats: set[str] = set()
            for row in candidates:
                if len(chosen) >= limit:
                    break
                if row.chat_key is not None:
                    if row.chat_key in seen_chats:
                        continue
                    seen_chats.add(row.chat_key)
                    if not self._chat_is_free(session, row, stale):
                        continue
                chosen.append(row)
            claimed = []
            for row in chosen:
                resume = row.status == InboxStatus.REPLYING
                row.status = InboxStatus.REPLYING if resume else InboxStatus.PROCESSING
                row.claimed_by = me
                row.claimed_at = now
                row.attempts += 1
                claimed.append(
                    ClaimedEvent(
                        id=row.id,
                        webhook_event_id=row.webhook_event_id,
                        event=json.loads(row.payload),
                        received_at=row.received_at,
                        attempts=row.attempts,
                        resume_reply=json.loads(row.reply_payload or "[]") if resume else None,
                    )
                )
        return claimed

    def _chat_is_free(self, session, row: InboxEvent, stale: dt.datetime) -> bool:
        """No other event of this chat is in flight, and none older is still waiting."""
        if self.db.is_postgres:
            locked = session.execute(
                text("SELECT pg_try_advisory_xact_lock(hashtext(:key))"), {"key": row.chat_key}
            ).scalar()
            if not locked:
                return False
        busy = session.scalar(
            select(func.count())
            .select_from(InboxEvent)
            .where(
                InboxEvent.chat_key == row.chat_key,
                InboxEvent.id != row.id,
                or_(
                    (InboxEvent.status.in_(InboxStatus.IN_FLIGHT))
                    & (InboxEvent.claimed_at >= stale),
                    (InboxEvent.status == InboxStatus.PENDING) & (InboxEvent.id < row.id),
                ),
            )
        )
        return busy == 0

    def release_dead_local_claims(self) -> int:
        """Return to the queue events claimed by processes of this host that no longer exist.

        After a crash or SIGKILL the same host restarts with new process IDs; without this,
        their events would wait for the lease to run out and might miss their reply token.
        """
        host = os.uname().nodename + "/"
        released = 0
        with self.db.session() as session:
            rows = session.scalars(
                select(InboxEvent).where(
                    InboxEvent.status.in_(InboxStatus.IN_FLIGHT),
                    InboxEvent.claimed_by.startswith(host),
                )
            ).all()
            for row in rows:
                pid = int(row.claimed_by.rsplit("/", 1)[1])
                if pid != os.getpid() and not _process_exists(pid):
                    row.claimed_at = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
                    released += 1
        return released

    def mark_replying(self, session, event_id: int, handler: str, reply: list[dict]) -> None:
        """Record, in the handler's own transaction, that its effects are done and what to reply."""
        session.execute(
            update(InboxEvent)
            .where(InboxEvent.id == event_id)
            .values(
                status=InboxStatus.REPLYING,
                handler=handler[:80],
                reply_payload=json.dumps(reply, ensure_ascii=False),
            )
        )

    def finish(
        self, event_id: int, status: str, outcome: str, now: dt.datetime, error: str | None = None
    ) -> None:
        with self.db.session() as session:
            session.execute(
                update(InboxEvent)
                .where(InboxEvent.id == event_id)
                .values(status=status, outcome=outcome[:40], finished_at=now, error=error)
            )

    def counts(self) -> dict[str, int]:
        with self.db.session() as session:
            rows = session.execute(
                select(InboxEvent.status, func.count()).group_by(InboxEvent.status)
            ).all()
        return {status: count for status, count in rows}


def _process_exists(pid: int) -> bool:
    """True for a live process; a zombie (killed, not yet reaped by its parent) counts as gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True
