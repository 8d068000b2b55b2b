"""Tables of the staff console: accounts, the audit log, failed logins, the calendar feed's
token and the daily counts behind the insights page (no personal data in the last two).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from linebot_app.storage.models import Base, BigId


class Role:
    ADMIN = "admin"  # accounts, audit log, calendar feed
    STAFF = "staff"  # requests, hand-overs, patients, insights
    PHYSICIAN = "physician"  # what staff see, and card review (a later issue)

    ALL = (ADMIN, STAFF, PHYSICIAN)
    LABELS = {ADMIN: "管理員", STAFF: "診所人員", PHYSICIAN: "醫師"}


class StaffAccount(Base):
    __tablename__ = "console_accounts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    # Changes on password reset or disable: every session of the account stops working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime]
    last_login_at: Mapped[dt.datetime | None]


class AuditEntry(Base):
    """Who did what in the console (or with the LINE group's buttons), when, from where."""

    __tablename__ = "console_audit"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime]
    account_id: Mapped[int | None] = mapped_column(BigId)
    actor: Mapped[str] = mapped_column(String(120))  # account e-mail, or LINE user short id
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str | None] = mapped_column(String(80))
    ip: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (Index("ix_console_audit_at", "at"),)


class LoginFailure(Base):
    """One failed login, kept for the lockout window; shared by every process via the DB."""

    __tablename__ = "console_login_failures"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime]
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_console_login_failures_email_at", "email", "at"),
        Index("ix_console_login_failures_ip_at", "ip", "at"),
    )


class CalendarToken(Base):
    """The calendar feed's secret URL token; regenerating revokes the previous one."""

    __tablename__ = "console_calendar_tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]


class DailyStat(Base):
    """A count per clinic-local day, metric and key (e.g. topic/side_effects), kept for good."""

    __tablename__ = "daily_stats"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    metric: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String(60), primary_key=True, default="")
    count: Mapped[int] = mapped_column(Integer, default=0)
