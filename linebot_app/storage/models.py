"""Core tables: the durable webhook inbox, the push outbox, LINE users and conversation state.

Feature packages (consultation, routing, ...) define their own tables on the same `Base`;
every table is created by an Alembic migration in `linebot_app/storage/migrations/versions/`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator):
    """Aware datetimes stored as UTC; SQLite hands back naive values, which are UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: UTCDateTime(), dict[str, Any]: JSON}


class InboxStatus:
    PENDING = "pending"  # stored, not yet handled
    PROCESSING = "processing"  # claimed by a worker, handler running
    REPLYING = "replying"  # handler's effects committed; reply not yet confirmed sent
    DONE = "done"  # answered (or nothing to answer)
    EXPIRED = "expired"  # reply token expired before we could answer
    FAILED = "failed"  # handler or LINE API failed for good; see `error`

    IN_FLIGHT = (PROCESSING, REPLYING)
    FINAL = (DONE, EXPIRED, FAILED)


class InboxEvent(Base):
    __tablename__ = "inbox_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    webhook_event_id: Mapped[str] = mapped_column(String(64), unique=True)
    event_type: Mapped[str] = mapped_column(String(40))
    chat_key: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    event_timestamp_ms: Mapped[int | None] = mapped_column(BigInteger)
    is_redelivery: Mapped[bool] = mapped_column(Boolean, default=False)
    duplicates_seen: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(String(16), default=InboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claimed_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    handler: Mapped[str | None] = mapped_column(String(80))
    reply_payload: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(40))
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_inbox_events_status_id", "status", "id"),
        Index("ix_inbox_events_chat_key_status", "chat_key", "status"),
    )


class OutboxPush(Base):
    """A push waiting to be sent; its retry key makes resending after a crash safe."""

    __tablename__ = "outbox_pushes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    to: Mapped[str] = mapped_column(String(64))
    messages: Mapped[str] = mapped_column(Text)
    retry_key: Mapped[str] = mapped_column(String(36), unique=True)
    source_event_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_outbox_pushes_status_id", "status", "id"),)


class LineUser(Base):
    """A patient (or staff member) who talks to the account. display_name is personal data."""

    __tablename__ = "line_users"

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    is_following: Mapped[bool] = mapped_column(Boolean, default=True)
    followed_at: Mapped[dt.datetime | None]
    unfollowed_at: Mapped[dt.datetime | None]
    first_seen_at: Mapped[dt.datetime]
    last_seen_at: Mapped[dt.datetime]


class ConversationState(Base):
    """Where a chat stands in a multi-step conversation (e.g. booking); any worker continues it."""

    __tablename__ = "conversation_states"

    chat_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    conversation: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime | None]
