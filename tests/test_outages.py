"""Outages as an operator meets them: the database goes away and comes back, SQLite stays locked,
LINE is down, the month's push quota runs out. Nothing is lost and nothing is answered twice.

The PostgreSQL outage is real: the app reaches the machine's server through a TCP proxy on
127.0.0.1 (tests/support/tcp_proxy.py) that is cut and restored; the server itself is never
touched.
"""

from __future__ import annotations

import copy
import json
import logging
import sqlite3
import time
import urllib.request
from collections import Counter
from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from linebot_app.storage.migrate import upgrade
from linebot_app.storage.models import InboxEvent
from tests.conftest import AppRunner, create_postgres_database, drop_postgres_database
from tests.support.tcp_proxy import TcpProxy

# Small retry settings so an outage of a second or two is enough.
FAST = dict(
    worker_retry_initial_seconds=0.05,
    worker_retry_max_seconds=0.3,
    database_lock_timeout_seconds=2.0,
)


def wait_until(condition: Callable[[], object], timeout: float = 15.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"not met within {timeout}s: {what or condition}")


def healthz(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def redelivered(event: dict) -> dict:
    """What LINE sends again after a failed delivery: same webhookEventId, isRedelivery true."""
    again = copy.deepcopy(event)
    again["deliveryContext"]["isRedelivery"] = True
    return again


def answered_tokens(platform) -> Counter:
    replies = platform.requests(path="/v2/bot/message/reply")
    return Counter(r.json["replyToken"] for r in replies if r.status == 200)


def inbox_statuses(running) -> Counter:
    with running.bot.db.session() as session:
        return Counter(session.scalars(select(InboxEvent.status)).all())


def outage_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "linebot_app.delivery.outage"]


def tracebacks(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.exc_info and r.name.startswith("linebot")]


def _ride_out(running, caplog, cut: Callable[[], None], restore: Callable[[], None]) -> float:
    """The common story: answered before, one chat mid-way when it starts, webhooks refused
    during it and redelivered after; returns the outage's length in seconds."""
    platform = running.platform
    before = [platform.text_event(f"U{n:032x}", "你好") for n in range(5)]
    assert running.send(*before)[0] == 200
    platform.wait_for_deliveries(5, timeout=20)
    running.wait_idle()

    # One patient writes three times; the first is being handled when the outage starts and
    # the other two wait in the inbox behind it (a chat is answered in order).
    platform.add_latency(0.3)
    patient = "U" + "e" * 32
    burst = [platform.text_event(patient, f"外泌體 question {n}") for n in range(3)]
    assert running.send(*burst)[0] == 200
    caplog.clear()
    cut()
    started = time.monotonic()
    platform.add_latency(0)

    during = [platform.text_event(f"U{n + 100:032x}", "外泌體有副作用嗎") for n in range(5)]
    assert [running.send(event)[0] for event in during] == [500] * 5
    assert healthz(running.url)[0] == 503
    wait_until(lambda: running.worker.polls_failed >= 6, what="the worker kept retrying")
    restore()
    length = time.monotonic() - started

    # LINE redelivers; the very first request after recovery is stored (pool_pre_ping).
    assert [running.send(redelivered(event))[0] for event in during] == [200] * 5
    platform.wait_for_deliveries(13, timeout=30)
    wait_until(lambda: healthz(running.url)[0] == 200, what="/healthz back to 200")
    wait_until(lambda: inbox_statuses(running) == Counter(done=13), what="every event done")

    expected = Counter(e["replyToken"] for e in before + burst + during)
    assert answered_tokens(platform) == expected  # every event answered, and only once
    order = [r.json["replyToken"] for r in platform.requests(path="/v2/bot/message/reply")]
    assert [t for t in order if t in {e["replyToken"] for e in burst}] == [
        e["replyToken"] for e in burst
    ]
    lines = outage_lines(caplog)
    assert len(lines) == 2, lines  # one when it started, one when it ended
    assert "unavailable" in lines[0] and "is back after" in lines[1]
    assert tracebacks(caplog) == []
    return length


@pytest.mark.postgres
def test_postgres_outage_every_event_is_answered_once_after_it(postgres_server, fake_line, caplog):
    caplog.set_level(logging.INFO)
    url = create_postgres_database(postgres_server)
    upgrade(url)
    server = make_url(url)
    proxy = TcpProxy(server.host or "127.0.0.1", server.port or 5432).start()
    runner = AppRunner(server.set(port=proxy.port).render_as_string(hide_password=False), fake_line)
    try:
        running = runner.start(**FAST)
        length = _ride_out(running, caplog, proxy.cut, proxy.restore)
        assert length < 10
        assert running.worker.alive
    finally:
        runner.stop_all()
        proxy.cut()
        drop_postgres_database(url)


def test_sqlite_lock_held_past_the_timeout_every_event_is_answered_once_after_it(
    tmp_path, fake_line, caplog
):
    caplog.set_level(logging.INFO)
    path = tmp_path / "bot.sqlite3"
    upgrade(f"sqlite:///{path}")
    runner = AppRunner(f"sqlite:///{path}", fake_line)
    holder = sqlite3.connect(path, isolation_level=None, timeout=5)

    def lock() -> None:  # another process's long write transaction
        holder.execute("BEGIN IMMEDIATE")

    def unlock() -> None:
        holder.execute("ROLLBACK")

    try:
        running = runner.start(**{**FAST, "database_lock_timeout_seconds": 0.3})
        _ride_out(running, caplog, lock, unlock)
        assert running.worker.alive
    finally:
        holder.close()
        runner.stop_all()


# --- /healthz tells the truth --------------------------------------------------------------
def _sqlite_app(tmp_path, fake_line, **overrides):
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    upgrade(url)
    runner = AppRunner(url, fake_line)
    return runner, runner.start(**{**FAST, **overrides})


def test_healthz_fails_while_events_wait_and_the_worker_makes_no_progress(tmp_path, fake_line):
    runner, running = _sqlite_app(tmp_path, fake_line, health_backlog_seconds=0.5)
    worker = running.worker
    try:
        status, body = healthz(running.url)
        assert (status, body["worker"], body["backlog"]["pending"]) == (200, "running", 0)
        for _ in range(worker.threads):  # what the old permit leak did: alive, claiming nothing
            worker._free.acquire()
        event = running.platform.text_event("U" + "7" * 32, "你好")
        assert running.send(event)[0] == 200
        wait_until(lambda: healthz(running.url)[0] == 503, what="/healthz 503 on a stuck worker")
        status, body = healthz(running.url)
        assert body["backlog"]["pending"] == 1
        assert body["backlog"]["oldest_pending_age_seconds"] >= 0.5
        assert "no progress" in body["problems"][0]

        for _ in range(worker.threads):
            worker._free.release()
        running.platform.wait_for_deliveries(1, timeout=10)
        wait_until(lambda: healthz(running.url)[0] == 200, what="/healthz back to 200")
    finally:
        runner.stop_all()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_healthz_fails_when_the_worker_loop_thread_has_died(tmp_path, fake_line, monkeypatch):
    runner, running = _sqlite_app(tmp_path, fake_line)
    try:

        def dies(*args, **kwargs):
            raise SystemExit("the loop thread ends")  # not an Exception: nothing catches it

        monkeypatch.setattr(running.bot.inbox, "claim", dies)
        running.worker.notify()
        wait_until(lambda: not running.worker.alive, what="the loop thread died")
        status, body = healthz(running.url)
        assert (status, body["worker"]) == (503, "dead")
    finally:
        monkeypatch.undo()
        runner.stop_all()


def test_a_bug_in_the_loop_is_logged_once_and_retried_with_backoff(
    tmp_path, fake_line, monkeypatch, caplog
):
    runner, running = _sqlite_app(tmp_path, fake_line)
    real_claim = running.bot.inbox.claim
    try:

        def broken(*args, **kwargs):
            raise KeyError("a bug")

        monkeypatch.setattr(running.bot.inbox, "claim", broken)
        event = running.platform.text_event("U" + "8" * 32, "你好")
        assert running.send(event)[0] == 200
        wait_until(lambda: running.worker.polls_failed >= 4, what="polls failing")
        assert len(tracebacks(caplog)) == 1
        monkeypatch.setattr(running.bot.inbox, "claim", real_claim)
        running.platform.wait_for_deliveries(1, timeout=10)
        assert running.worker.alive
    finally:
        monkeypatch.undo()
        runner.stop_all()
