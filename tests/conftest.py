"""Fixtures: a fake LINE platform on 127.0.0.1, the real app on real HTTP, per-test databases.

Every app-level test runs on SQLite and on PostgreSQL. PostgreSQL tests skip with a reason when
no server answers, except under CI=true, where they must run.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from linebot_app import create_app, start_worker
from linebot_app.clock import Clock, FixedClock
from linebot_app.fakeline import FakeLinePlatform, FakeLineServer, WebhookSender
from linebot_app.settings import Settings, normalise_database_url
from linebot_app.storage.migrate import upgrade

PROJECT_ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() == "true"
CHANNEL_SECRET = "0123456789abcdef0123456789abcdef"
STAFF_GROUP_ID = "C" + "1" * 32
SECRET_KEY = "test-secret-key-" + "0" * 32


def _postgres_admin_engine():
    return create_engine(normalise_database_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")


def _postgres_unavailable_reason() -> str | None:
    try:
        engine = _postgres_admin_engine()
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any reason it cannot be reached
        return f"PostgreSQL not reachable at {POSTGRES_URL} ({exc.__class__.__name__})"


@pytest.fixture(scope="session")
def postgres_server() -> str:
    reason = _postgres_unavailable_reason()
    if reason:
        if IN_CI:
            pytest.fail(f"{reason}; under CI=true the PostgreSQL tests must run")
        pytest.skip(reason)
    return POSTGRES_URL


def create_postgres_database(server_url: str) -> str:
    name = "linebot_test_" + uuid.uuid4().hex[:12]
    engine = _postgres_admin_engine()
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return str(
        make_url(normalise_database_url(server_url))
        .set(database=name)
        .render_as_string(hide_password=False)
    )


def drop_postgres_database(url: str) -> None:
    name = make_url(url).database
    engine = _postgres_admin_engine()
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> Iterator[str]:
    """A fresh, migrated database on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
        upgrade(url)
        yield url
        return
    server = request.getfixturevalue("postgres_server")
    url = create_postgres_database(server)
    upgrade(url)
    yield url
    drop_postgres_database(url)


@pytest.fixture
def fake_line(request) -> Iterator[FakeLineServer]:
    """The fake LINE server. Every body the bot sends is checked against LINE's OpenAPI schema:
    a test fails if any was refused, unless it is marked `sends_invalid_bodies`."""
    platform = FakeLinePlatform()
    with FakeLineServer(platform) as server:
        yield server
    if request.node.get_closest_marker("sends_invalid_bodies") is None:
        assert [str(v) for v in platform.schema_errors] == [], (
            "the bot sent bodies LINE would refuse"
        )


def make_settings(database_url: str, line_url: str, **overrides) -> Settings:
    values = dict(
        channel_secret=CHANNEL_SECRET,
        channel_access_token="test-access-token",
        api_base_url=line_url,
        data_api_base_url=line_url,
        staff_group_id=STAFF_GROUP_ID,
        database_url=database_url,
        line_backoff_seconds=0.01,
        line_timeout_seconds=3.0,
        secret_key=SECRET_KEY,
    )
    values.update(overrides)
    return Settings(**values)


@dataclass
class RunningBot:
    """The real app served over HTTP on 127.0.0.1, with its worker and a signed-webhook sender."""

    app: object
    url: str
    sender: WebhookSender
    platform: FakeLinePlatform
    clock: Clock

    @property
    def bot(self):
        return self.app.extensions["bot"]

    @property
    def worker(self):
        return self.app.extensions.get("inbox_worker")

    def send(self, *events, **kwargs):
        return self.sender.send(list(events), **kwargs)

    def wait_idle(self, timeout: float = 10.0) -> None:
        assert self.worker.wait_idle(timeout), "worker did not finish in time"


class AppRunner:
    """Starts (and restarts) the app against one database and one fake LINE server."""

    def __init__(self, database_url: str, fake_line: FakeLineServer):
        self.database_url = database_url
        self.fake_line = fake_line
        self._running: list[tuple[object, object, threading.Thread]] = []

    def start(self, *, worker: bool = True, clock: Clock | None = None, **overrides) -> RunningBot:
        settings = make_settings(self.database_url, self.fake_line.url, **overrides)
        app = create_app(settings, clock=clock)
        if worker:
            start_worker(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self._running.append((app, server, thread))
        url = f"http://127.0.0.1:{server.server_port}"
        return RunningBot(
            app=app,
            url=url,
            sender=WebhookSender(url + "/callback", settings.channel_secret),
            platform=self.fake_line.platform,
            clock=app.extensions["bot"].clock,
        )

    def stop(self, running: RunningBot) -> None:
        for index, (app, server, thread) in enumerate(self._running):
            if app is running.app:
                self._shutdown(app, server, thread)
                del self._running[index]
                return

    @staticmethod
    def _shutdown(app, server, thread) -> None:
        server.shutdown()
        thread.join(5)
        worker = app.extensions.get("inbox_worker")
        if worker is not None:
            worker.stop()
        app.extensions["bot"].db.dispose()

    def stop_all(self) -> None:
        while self._running:
            self._shutdown(*self._running.pop())


@pytest.fixture
def runner(database_url, fake_line) -> Iterator[AppRunner]:
    runner = AppRunner(database_url, fake_line)
    yield runner
    runner.stop_all()


@pytest.fixture
def running(runner) -> RunningBot:
    """The app with its worker, on a real clock."""
    return runner.start()


@pytest.fixture
def taipei_clock() -> FixedClock:
    """A fixed clock on a Thursday at 10:30 in Taipei (the clinic is open)."""
    return FixedClock(dt.datetime(2026, 12, 3, 2, 30, tzinfo=dt.UTC))


# --- the browser (Debian's Chromium through Playwright) ----------------------------------------
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium for the browser tests; skipped without it, except under CI=true."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (apt-get install chromium, or `make browser-deps`)"
        if IN_CI:
            pytest.fail(f"{reason}; under CI=true the browser tests must run")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()
