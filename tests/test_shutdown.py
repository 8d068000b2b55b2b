"""Graceful shutdown: SIGTERM (every deploy, daily restart) loses nothing, answers nothing twice.

The first test runs the production command (the Procfile's web: line, gunicorn) and sends it
SIGTERM the way a platform does (every process of the dyno); the second drives the worker's
stop directly to show that an event which cannot finish in the grace period is given back and
taken at once by the next process, without waiting for the lease.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter

from sqlalchemy import select

from linebot_app.fakeline import WebhookSender
from linebot_app.storage.db import Database
from linebot_app.storage.models import InboxEvent
from tests.conftest import CHANNEL_SECRET, PROJECT_ROOT
from tests.test_outages import answered_tokens, wait_until
from tests.test_processes import _free_port, _procfile_command, _wait_healthy, production_env


def statuses(database_url: str) -> Counter:
    database = Database(database_url)
    try:
        with database.session() as session:
            rows = session.execute(select(InboxEvent.status, InboxEvent.claimed_by)).all()
    finally:
        database.dispose()
    return Counter(status for status, _ in rows)


def test_sigterm_finishes_events_in_flight_and_the_next_process_answers_the_rest(
    database_url, fake_line, tmp_path
):
    platform = fake_line.platform
    port = _free_port()
    env = production_env(
        database_url,
        fake_line.url,
        PORT=str(port),
        WEB_CONCURRENCY="1",
        WORKER_THREADS="2",
        SHUTDOWN_GRACE_SECONDS="8",
    )
    log = tmp_path / "gunicorn.log"

    def start() -> subprocess.Popen:
        return subprocess.Popen(
            _procfile_command("web", port),
            env=env,
            cwd=PROJECT_ROOT,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=open(log, "a"),
        )

    url = f"http://127.0.0.1:{port}"
    server = start()
    try:
        _wait_healthy(url)
        platform.add_latency(1.0)  # each event takes two seconds: two are in flight at once
        events = [platform.text_event(f"U{n:032x}", "你好") for n in range(5)]
        assert WebhookSender(url + "/callback", CHANNEL_SECRET).send(events)[0] == 200
        platform.wait_for(lambda: len(platform.requests("/v2/bot/chat/loading/start")) >= 2)

        stopped_at = time.monotonic()
        os.killpg(server.pid, signal.SIGTERM)
        assert server.wait(30) == 0
        stop_seconds = time.monotonic() - stopped_at
        assert stop_seconds < 15
        # The two in flight were answered before the process left; the others wait unclaimed.
        assert len(answered_tokens(platform)) == 2
        assert statuses(database_url) == Counter(done=2, pending=3)

        platform.add_latency(0)
        server = start()
        platform.wait_for(lambda: len(answered_tokens(platform)) == 5, timeout=20)
        wait_until(lambda: statuses(database_url) == Counter(done=5), what="all done")
        assert answered_tokens(platform) == Counter(e["replyToken"] for e in events)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(30)
    text = log.read_text()
    assert "Traceback" not in text, text[-3000:]
    assert "shutting down: up to 8 s for events in flight" in text


def test_event_that_cannot_finish_in_the_grace_period_is_taken_at_once_by_the_next_process(
    runner,
):
    platform = runner.fake_line.platform
    stopping = runner.start(worker_threads=1)
    platform.add_latency(2.0)  # LINE is slow: the handler cannot even start within the grace
    event = platform.text_event("U" + "d" * 32, "你好")
    assert stopping.send(event)[0] == 200
    wait_until(lambda: statuses(runner.database_url) == Counter(processing=1))

    stopping.worker.stop(timeout=0.2)
    with stopping.bot.db.session() as session:
        row = session.scalar(select(InboxEvent))
        assert (row.status, row.claimed_by) == ("processing", None)  # given back

    platform.add_latency(0)
    started = time.monotonic()
    runner.start()  # the next process (the lease is 60 s: it does not wait for it)
    platform.wait_for_deliveries(1, timeout=10)
    assert time.monotonic() - started < 10
    assert stopping.worker.wait_idle(10)  # the old thread gave up when its claim was gone
    wait_until(lambda: statuses(runner.database_url) == Counter(done=1))
    assert answered_tokens(platform) == Counter([event["replyToken"]])
    assert len(platform.delivered()) == 1
