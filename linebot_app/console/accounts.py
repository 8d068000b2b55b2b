"""Console accounts: argon2 password hashes, the durable failed-login counter, and the
Flask-Login user. The counter lives in the database so every gunicorn worker sees it.
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from linebot_app.console.models import LoginFailure, Role, StaffAccount

MIN_PASSWORD_LENGTH = 12
LOCKOUT_FAILURES = 10
LOCKOUT_WINDOW = dt.timedelta(minutes=15)
FAILURES_KEPT = dt.timedelta(days=1)
_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the account does not exist, so that costs the same. Made on first
    use, not at import: Argon2 takes 64 MiB while hashing, which every worker would otherwise
    carry in its peak memory from start-up, logins or not."""
    return _hasher.hash(secrets.token_hex(16))


class AccountError(ValueError):
    """A kind sentence for the person creating or changing an account."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"密碼至少需要 {MIN_PASSWORD_LENGTH} 個字元")


def create_account(
    session: Session, email: str, role: str, name: str | None, password: str, now: dt.datetime
) -> StaffAccount:
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError("請輸入有效的電子郵件")
    if role not in Role.ALL:
        raise AccountError(f"角色必須是 {', '.join(Role.ALL)}")
    if find_account(session, email) is not None:
        raise AccountError(f"{email} 已經有帳號")
    check_password_rules(password)
    account = StaffAccount(
        email=email,
        name=(name or email.split("@")[0])[:100],
        role=role,
        password_hash=_hasher.hash(password),
        session_version=1,
        is_active=True,
        created_at=now,
    )
    session.add(account)
    session.flush()
    return account


def find_account(session: Session, email: str) -> StaffAccount | None:
    return session.scalar(select(StaffAccount).where(StaffAccount.email == normalise_email(email)))


def set_password(account: StaffAccount, password: str) -> None:
    """New password; every open session of the account ends."""
    check_password_rules(password)
    account.password_hash = _hasher.hash(password)
    account.session_version += 1


def disable_account(account: StaffAccount) -> None:
    account.is_active = False
    account.session_version += 1


def verify_login(session: Session, email: str, password: str) -> StaffAccount | None:
    """The active account if the password matches; the same work is done when it does not exist."""
    account = find_account(session, email)
    try:
        _hasher.verify(account.password_hash if account else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if account is None or not account.is_active:
        return None
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = _hasher.hash(password)
    return account


def is_locked_out(session: Session, email: str, ip: str, now: dt.datetime) -> bool:
    """10 failures in 15 minutes for this account or from this IP: refuse for a while."""
    since = now - LOCKOUT_WINDOW
    recent = LoginFailure.at >= since
    by_email = session.scalar(
        select(func.count()).where(recent, LoginFailure.email == normalise_email(email)[:254])
    )
    by_ip = session.scalar(select(func.count()).where(recent, LoginFailure.ip == ip[:64]))
    return max(by_email or 0, by_ip or 0) >= LOCKOUT_FAILURES


def record_failure(session: Session, email: str, ip: str, now: dt.datetime) -> None:
    session.add(LoginFailure(at=now, email=normalise_email(email)[:254], ip=ip[:64]))
    session.execute(delete(LoginFailure).where(LoginFailure.at < now - FAILURES_KEPT))


def clear_failures(session: Session, email: str, ip: str) -> None:
    session.execute(
        delete(LoginFailure).where(
            or_(LoginFailure.email == normalise_email(email), LoginFailure.ip == ip)
        )
    )


class ConsoleUser(UserMixin):
    """The logged-in account as Flask-Login sees it; its id carries the session version."""

    def __init__(self, account: StaffAccount):
        self.account_id = account.id
        self.email = account.email
        self.name = account.name
        self.role = account.role
        self.session_version = account.session_version

    def get_id(self) -> str:
        return f"{self.account_id}:{self.session_version}"

    @property
    def role_label(self) -> str:
        return Role.LABELS.get(self.role, self.role)

    def can(self, *roles: str) -> bool:
        return self.role in roles


def load_user(session: Session, user_id: str) -> ConsoleUser | None:
    number, _, version = user_id.partition(":")
    if not number.isdigit() or not version.isdigit():
        return None
    account = session.get(StaffAccount, int(number))
    if account is None or not account.is_active or account.session_version != int(version):
        return None
    return ConsoleUser(account)
