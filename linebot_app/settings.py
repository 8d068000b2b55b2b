"""Process settings from the environment, validated once at start-up.

Every problem is reported (one line each) rather than the first only, so a deployer fixes them
all in one go. Without LINE credentials the app runs as a local sandbox (see README).
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "instance" / "linebot.sqlite3"
CREDENTIALS_HELP = (
    "Create a Messaging API channel in the LINE Developers console "
    "(https://developers.line.biz/console/), then copy 'Channel secret' (Basic settings tab) "
    "into LINE_CHANNEL_SECRET and issue a 'Channel access token (long-lived)' "
    "(Messaging API tab) into LINE_CHANNEL_ACCESS_TOKEN."
)
_GROUP_ID = re.compile(r"^[CR][0-9a-f]{32}$")
SECRET_KEY_HELP = 'make one with: python -c "import secrets; print(secrets.token_hex(32))"'
MIN_SECRET_KEY_LENGTH = 32
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class SettingsError(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid settings:\n" + "\n".join(f"- {p}" for p in problems))


@dataclass(frozen=True)
class Settings:
    channel_secret: str
    channel_access_token: str
    api_base_url: str = "https://api.line.me"
    data_api_base_url: str = "https://api-data.line.me"
    staff_group_id: str | None = None
    database_url: str = f"sqlite:///{DEFAULT_SQLITE_PATH}"
    port: int = 8000
    sandbox: bool = False
    config_dir: Path = PROJECT_ROOT / "config"
    replies_dir: Path = PROJECT_ROOT / "replies"
    # Inbox worker
    worker_threads: int = 4
    reply_token_ttl_seconds: float = 50.0
    push_when_reply_token_expired: bool = False
    inbox_lease_seconds: float = 60.0
    # LINE API client
    line_timeout_seconds: float = 5.0
    line_max_attempts: int = 4
    line_backoff_seconds: float = 0.5
    # Outages (see docs/operations.md)
    database_lock_timeout_seconds: float = 10.0
    worker_retry_initial_seconds: float = 0.5
    worker_retry_max_seconds: float = 5.0
    health_backlog_seconds: float = 30.0
    shutdown_grace_seconds: float = 10.0
    line_outage_retry_seconds: float = 10.0
    quota_check_seconds: float = 300.0
    quota_hold_hours: float = 24.0
    metrics_token: str | None = None
    # Staff console: signs session cookies and CSRF tokens (generated in the sandbox).
    secret_key: str = field(default="", repr=False)
    # A local demo console account is created (sandbox without LINE credentials only).
    console_demo_account: bool = False
    warnings: tuple[str, ...] = field(default=(), compare=False)


def _flag(env: Mapping[str, str], name: str, default: bool, problems: list[str]) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    problems.append(f"{name}: '{raw}' is not a yes/no value (use 1 or 0)")
    return default


def _number(env: Mapping[str, str], name: str, default, kind, problems: list[str], minimum=0):
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = kind(raw)
    except ValueError:
        problems.append(f"{name}: '{raw}' is not a number")
        return default
    if value < minimum:
        problems.append(f"{name}: must be at least {minimum}, got {raw}")
        return default
    return value


def _url(env: Mapping[str, str], name: str, default: str, problems: list[str]) -> str:
    raw = (env.get(name) or default).strip().rstrip("/")
    parsed = urlparse(raw)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        problems.append(f"{name}: '{raw}' is not an http(s) URL")
    return raw


def normalise_database_url(raw: str) -> str:
    """Accept Heroku-style postgres:// URLs and pick the psycopg 3 driver for PostgreSQL."""
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate settings; raises SettingsError listing every problem."""
    env = os.environ if env is None else env
    problems: list[str] = []
    warnings: list[str] = []

    secret = (env.get("LINE_CHANNEL_SECRET") or "").strip()
    token = (env.get("LINE_CHANNEL_ACCESS_TOKEN") or "").strip()
    has_credentials = bool(secret and token)
    sandbox = _flag(env, "SANDBOX", default=not has_credentials, problems=problems)

    if bool(secret) != bool(token):
        missing = "LINE_CHANNEL_ACCESS_TOKEN" if secret else "LINE_CHANNEL_SECRET"
        problems.append(
            f"{missing}: missing (the other LINE credential is set). {CREDENTIALS_HELP}"
        )
    elif not has_credentials and not sandbox:
        for name in ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN"):
            problems.append(f"{name}: missing (SANDBOX=0). {CREDENTIALS_HELP}")
    if secret and not re.fullmatch(r"[0-9a-f]{32}", secret):
        problems.append("LINE_CHANNEL_SECRET: expected 32 hexadecimal characters")

    port = _number(env, "PORT", 8000, int, problems, minimum=1)
    api_base = _url(env, "LINE_API_BASE_URL", "https://api.line.me", problems)
    data_base = _url(env, "LINE_DATA_API_BASE_URL", "https://api-data.line.me", problems)

    staff_group = (env.get("LINE_STAFF_GROUP_ID") or "").strip() or None
    if staff_group and not _GROUP_ID.match(staff_group):
        problems.append(
            "LINE_STAFF_GROUP_ID: expected a group ID like C followed by 32 hex characters "
            "(invite the bot to the staff group; the join event's source.groupId is logged)"
        )

    if sandbox:
        if not has_credentials:
            secret = secrets.token_hex(16)
            token = "sandbox-" + secrets.token_hex(16)
            warnings.append(
                "LINE credentials are not set, so the bot runs as a local sandbox (no LINE "
                "account needed). To connect it to LINE: " + CREDENTIALS_HELP
            )
        else:
            warnings.append("SANDBOX=1 with real LINE credentials: the sandbox pages are enabled")
        if env.get("LINE_API_BASE_URL") is None:
            api_base = f"http://127.0.0.1:{port}/sandbox/line"
        if env.get("LINE_DATA_API_BASE_URL") is None:
            data_base = f"http://127.0.0.1:{port}/sandbox/line"
        staff_group = staff_group or "C" + "5a" * 16
    elif not staff_group:
        problems.append(
            "LINE_STAFF_GROUP_ID: missing; staff notifications need the staff LINE group's ID "
            "(invite the bot to the group; the join event's source.groupId is logged)"
        )

    secret_key = (env.get("SECRET_KEY") or "").strip()
    if not secret_key and has_credentials:
        problems.append(
            "SECRET_KEY: missing; the staff console signs its session cookies with it "
            f"(at least {MIN_SECRET_KEY_LENGTH} characters), {SECRET_KEY_HELP}"
        )
    elif secret_key and len(secret_key) < MIN_SECRET_KEY_LENGTH:
        problems.append(
            f"SECRET_KEY: too short (at least {MIN_SECRET_KEY_LENGTH} characters); "
            + SECRET_KEY_HELP
        )
    elif not secret_key:
        secret_key = secrets.token_hex(32)  # sandbox: sessions last as long as the process

    database_url = normalise_database_url(
        (env.get("DATABASE_URL") or "").strip() or f"sqlite:///{DEFAULT_SQLITE_PATH}"
    )
    if not re.match(r"^(sqlite|postgresql)(\+\w+)?://", database_url):
        problems.append("DATABASE_URL: only sqlite:/// and postgresql:// URLs are supported")

    settings = Settings(
        channel_secret=secret,
        channel_access_token=token,
        api_base_url=api_base,
        data_api_base_url=data_base,
        staff_group_id=staff_group,
        database_url=database_url,
        port=port,
        sandbox=sandbox,
        config_dir=Path(env.get("CLINIC_CONFIG_DIR") or PROJECT_ROOT / "config"),
        replies_dir=Path(env.get("REPLIES_DIR") or PROJECT_ROOT / "replies"),
        worker_threads=_number(env, "WORKER_THREADS", 4, int, problems, minimum=1),
        reply_token_ttl_seconds=_number(env, "REPLY_TOKEN_TTL_SECONDS", 50.0, float, problems),
        push_when_reply_token_expired=_flag(env, "PUSH_WHEN_REPLY_EXPIRED", False, problems),
        inbox_lease_seconds=_number(env, "INBOX_LEASE_SECONDS", 60.0, float, problems, minimum=1),
        line_timeout_seconds=_number(env, "LINE_TIMEOUT_SECONDS", 5.0, float, problems),
        line_max_attempts=_number(env, "LINE_MAX_ATTEMPTS", 4, int, problems, minimum=1),
        line_backoff_seconds=_number(env, "LINE_BACKOFF_SECONDS", 0.5, float, problems),
        database_lock_timeout_seconds=_number(
            env, "DATABASE_LOCK_TIMEOUT_SECONDS", 10.0, float, problems, minimum=0.01
        ),
        worker_retry_initial_seconds=_number(
            env, "WORKER_RETRY_INITIAL_SECONDS", 0.5, float, problems, minimum=0.001
        ),
        worker_retry_max_seconds=_number(
            env, "WORKER_RETRY_MAX_SECONDS", 5.0, float, problems, minimum=0.001
        ),
        health_backlog_seconds=_number(env, "HEALTH_BACKLOG_SECONDS", 30.0, float, problems),
        shutdown_grace_seconds=_number(env, "SHUTDOWN_GRACE_SECONDS", 10.0, float, problems),
        line_outage_retry_seconds=_number(env, "LINE_OUTAGE_RETRY_SECONDS", 10.0, float, problems),
        quota_check_seconds=_number(env, "QUOTA_CHECK_SECONDS", 300.0, float, problems),
        quota_hold_hours=_number(env, "QUOTA_HOLD_HOURS", 24.0, float, problems),
        metrics_token=(env.get("METRICS_TOKEN") or "").strip() or None,
        secret_key=secret_key,
        console_demo_account=sandbox and not has_credentials,
        warnings=tuple(warnings),
    )
    if problems:
        raise SettingsError(problems)
    return settings
