"""The durable inbox: webhook events are stored before LINE gets its 200, then claimed by workers.

Claiming is safe across threads, gunicorn workers and instances: on PostgreSQL each chat is
serialised with a transaction-scoped advisory lock and the rows taken are locked with
`FOR UPDATE SKIP LOCKED`; on SQLite every write transaction is `BEGIN IMMEDIATE`, so claims queue.
Webhook writes are group-committed: concurrent requests share one transaction.
Events of one chat are handled one at a time and in order, so a conversation never races itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from linebot_app.delivery.group_commit import GroupCommit
from linebot_app.storage.db import Database
from linebot_app.storage.models import InboxEvent, InboxStatus

CLAIM_SCAN_LIMIT = 64
RELEASED_AT = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)  # claimed_at of a row given back: claimable
REPLY_UNCONFIRMED = "reply_unconfirmed"  # outcome while a reply that may have gone out is retried


class ClaimLost(Exception):
    """This process no longer holds the event's claim (released at shutdown, or taken over)."""


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
    reply_unconfirmed: bool = False  # an earlier reply attempt may have reached LINE


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


def _inbox_row(event: dict[str, Any], event_id: str, now: dt.datetime) -> dict[str, Any]:
    timestamp = event.get("timestamp")
    return dict(
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


def worker_identity() -> str:
    return f"{os.uname().nodename}/{os.getpid()}"


class Inbox:
    def __init__(self, db: Database):
        self.db = db
        insert = pg_insert if db.is_postgres else sqlite_insert
        self._insert_statement = (
            insert(InboxEvent.__table__)
            .on_conflict_do_nothing(index_elements=["webhook_event_id"])
            .returning(InboxEvent.webhook_event_id)
        )
        self._group_commit = GroupCommit(self._store_batch)

    # --- webhook side -------------------------------------------------------------------
    def store(self, events: list[dict[str, Any]], now: dt.datetime) -> StoreResult:
        """Store events durably (committed on return); an event already stored only bumps a
        counter. Concurrent calls share one transaction (see group_commit)."""
        if not events:
            return StoreResult(0, 0)
        return self._group_commit.submit((events, now))

    def _store_batch(
        self, batch: list[tuple[list[dict[str, Any]], dt.datetime]]
    ) -> list[StoreResult]:
        """One transaction for several requests' events: one multi-row insert, first come first
        stored; every other occurrence of an event ID counts as a duplicate."""
        rows: dict[str, dict[str, Any]] = {}
        occurrences: Counter[str] = Counter()
        requests: list[list[str]] = []
        for events, now in batch:
            ids = [event_id_of(event) for event in events]
            for event_id, event in zip(ids, events, strict=True):
                occurrences[event_id] += 1
                if event_id not in rows:
                    rows[event_id] = _inbox_row(event, event_id, now)
            requests.append(ids)
        with self.db.engine.begin() as connection:  # Core, not a Session: the hot path
            result = connection.execute(self._insert_statement, list(rows.values()))
            inserted = set(result.scalars())
            for event_id, count in occurrences.items():
                repeats = count - (event_id in inserted)
                if repeats:
                    connection.execute(
                        update(InboxEvent)
                        .where(InboxEvent.webhook_event_id == event_id)
                        .values(duplicates_seen=InboxEvent.duplicates_seen + repeats)
                    )
        results = []
        for ids in requests:
            new = 0
            for event_id in ids:
                if event_id in inserted:
                    inserted.discard(event_id)
                    new += 1
            results.append(StoreResult(new=new, duplicates=len(ids) - new))
        return results

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
            query = (
                select(InboxEvent.id, InboxEvent.chat_key)  # not whole rows: most are skipped
                .where(claimable)
                .order_by(InboxEvent.id)
                .limit(CLAIM_SCAN_LIMIT)
            )
            chosen: list[int] = []
            seen_chats: set[str] = set()
            for row_id, chat_key in session.execute(query).all():
                if len(chosen) >= limit:
                    break
                if chat_key is not None:
                    if chat_key in seen_chats:
                        continue
                    seen_chats.add(chat_key)
                    if not self._chat_is_free(session, row_id, chat_key, stale):
                        continue
                chosen.append(row_id)
            if chosen and self.db.is_postgres:
                # Lock only the rows being taken (locking every candidate made a concurrent
                # claimer in another process skip them and find nothing claimable behind them).
                chosen = session.scalars(
                    select(InboxEvent.id)
                    .where(InboxEvent.id.in_(chosen), claimable)
                    .with_for_update(skip_locked=True)
                ).all()
            if not chosen:
                return []
            resuming = InboxEvent.status == InboxStatus.REPLYING
            rows = session.execute(
                update(InboxEvent)
                .where(InboxEvent.id.in_(chosen), claimable)
                .values(
                    status=case((resuming, InboxStatus.REPLYING), else_=InboxStatus.PROCESSING),
                    claimed_by=me,
                    claimed_at=now,
                    attempts=InboxEvent.attempts + 1,
                )
                .returning(
                    InboxEvent.id,
                    InboxEvent.webhook_event_id,
                    InboxEvent.payload,
                    InboxEvent.received_at,
                    InboxEvent.attempts,
                    InboxEvent.status,
                    InboxEvent.reply_payload,
                    InboxEvent.outcome,
                )
                .execution_options(synchronize_session=False)
            ).all()
        return [
            ClaimedEvent(
                id=row.id,
                webhook_event_id=row.webhook_event_id,
                event=json.loads(row.payload),
                received_at=row.received_at,
                attempts=row.attempts,
                resume_reply=json.loads(row.reply_payload or "[]")
                if row.status == InboxStatus.REPLYING
                else None,
                reply_unconfirmed=row.outcome == REPLY_UNCONFIRMED,
            )
            for row in sorted(rows, key=lambda row: row.id)
        ]

    def _chat_is_free(self, session, row_id: int, chat_key: str, stale: dt.datetime) -> bool:
        """No other event of this chat is in flight, and none older is still waiting."""
        if self.db.is_postgres:
            locked = session.execute(
                text("SELECT pg_try_advisory_xact_lock(hashtext(:key))"), {"key": chat_key}
            ).scalar()
            if not locked:
                return False
        busy = session.scalar(
            select(InboxEvent.id)
            .where(
                InboxEvent.chat_key == chat_key,
                InboxEvent.id != row_id,
                or_(
                    (InboxEvent.status.in_(InboxStatus.IN_FLIGHT))
                    & (InboxEvent.claimed_at >= stale),
                    (InboxEvent.status == InboxStatus.PENDING) & (InboxEvent.id < row_id),
                ),
            )
            .limit(1)
        )
        return busy is None

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

    def mark_replying(
        self,
        session,
        event_id: int,
        handler: str,
        reply: list[dict],
        attempt: int | None = None,
    ) -> None:
        """Record, in the handler's own transaction, that its effects are done and what to reply.

        With `attempt`, only while this process still holds that claim: otherwise ClaimLost is
        raised and the handler's transaction rolls back (someone else answers the event).
        """
        query = update(InboxEvent).where(InboxEvent.id == event_id)
        if attempt is not None:
            query = query.where(
                InboxEvent.claimed_by == worker_identity(), InboxEvent.attempts == attempt
            )
        done = session.execute(
            query.values(
                status=InboxStatus.REPLYING,
                handler=handler[:80],
                reply_payload=json.dumps(reply, ensure_ascii=False),
            )
        )
        if attempt is not None and done.rowcount == 0:
            raise ClaimLost(event_id)

    def release(
        self,
        claimed: ClaimedEvent,
        only_unanswered: bool = False,
        claimed_at: dt.datetime | None = None,
        outcome: str | None = None,
    ) -> bool:
        """Give a claim back so any process takes it at once (no lease wait); True if given back.

        `claimed_at`: the claim time to record instead, so the event is claimable only once the
        lease counted from it has run out (a delayed retry that still holds the chat's turn).
        `only_unanswered`: only while its handler has not committed (status processing), so an
        event whose reply may be on its way is never handed to someone else.
        """
        table = InboxEvent.__table__
        query = update(table).where(
            table.c.id == claimed.id,
            table.c.claimed_by == worker_identity(),
            table.c.attempts == claimed.attempts,
            table.c.status.in_(
                (InboxStatus.PROCESSING,) if only_unanswered else InboxStatus.IN_FLIGHT
            ),
        )
        with self.db.engine.begin() as connection:
            done = connection.execute(
                query.values(
                    claimed_by=None,
                    claimed_at=claimed_at or RELEASED_AT,
                    **({"outcome": outcome} if outcome else {}),
                )
            )
        return done.rowcount == 1

    def finish(
        self, event_id: int, status: str, outcome: str, now: dt.datetime, error: str | None = None
    ) -> None:
        table = InboxEvent.__table__
        with self.db.engine.begin() as connection:  # Core: once per event, no ORM state needed
            connection.execute(
                update(table)
                .where(table.c.id == event_id)
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
