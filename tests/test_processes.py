"""Several processes on one database, and the production command surviving a SIGKILL."""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from linebot_app.fakeline import WebhookSender
from linebot_app.storage.models import InboxEvent
from tests.conftest import CHANNEL_SECRET, PROJECT_ROOT, SECRET_KEY, STAFF_GROUP_ID


def production_env(database_url: str, line_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "SANDBOX"))}
    env.update(
        LINE_CHANNEL_SECRET=CHANNEL_SECRET,
        LINE_CHANNEL_ACCESS_TOKEN="test-access-token",
        LINE_API_BASE_URL=line_url,
        LINE_DATA_API_BASE_URL=line_url,
        LINE_STAFF_GROUP_ID=STAFF_GROUP_ID,
        DATABASE_URL=database_url,
        LINE_BACKOFF_SECONDS="0.01",
        SECRET_KEY=SECRET_KEY,
        PYTHONPATH=str(PROJECT_ROOT),
    )
    env.update(extra)
    return env


def test_two_processes_draining_one_inbox_handle_each_event_once(runner):
    receiver = runner.start(worker=False)
    platform = receiver.platform
    users = [f"U{n:032x}" for n in range(10)]
    events = [platform.text_event(user, f"message {n}") for n in range(4) for user in users]
    assert receiver.send(*events)[0] == 200
    runner.stop(receiver)
    platform.add_latency(0.25)  # enough work that both processes are up before it is done

    env = production_env(runner.database_url, runner.fake_line.url)
    command = [sys.executable, "-m", "tests.support.drain_process"]
    processes = [subprocess.Popen(command, env=env, cwd=PROJECT_ROOT) for _ in range(2)]
    for process in processes:
        assert process.wait(timeout=90) == 0

    replies = platform.requests(path="/v2/bot/message/reply")
    tokens = Counter(r.json["replyToken"] for r in replies if r.status == 200)
    assert tokens == Counter(e["replyToken"] for e in events)  # every event answered exactly once
    for user in users:  # and each patient's messages in the order sent
        sent = [e["replyToken"] for e in events if e["source"]["userId"] == user]
        answered = [r.json["replyToken"] for r in replies if r.json["replyToken"] in set(sent)]
        assert answered == sent
    from linebot_app.storage.db import Database

    database = Database(runner.database_url)
    with database.session() as session:
        rows = session.scalars(select(InboxEvent)).all()
        claimers = {row.claimed_by for row in rows}
    database.dispose()
    assert {row.status for row in rows} == {"done"}
    assert len(claimers) == 2, "both processes should have taken part"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _procfile_command(kind: str, port: int) -> list[str]:
    for line in (PROJECT_ROOT / "Procfile").read_text().splitlines():
        if line.startswith(kind + ":"):
            command = line.split(":", 1)[1].strip().replace("$PORT", str(port))
            return [
                str(Path(sys.executable).parent / part) if i == 0 else part
                for i, part in enumerate(shlex.split(command))
            ]
    raise AssertionError(f"Procfile has no {kind}: line")


def _wait_healthy(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError("the app did not become healthy")


def test_procfile_web_serves_signed_webhooks_and_survives_sigkill(
    database_url, fake_line, tmp_path
):
    platform = fake_line.platform
    port = _free_port()
    env = production_env(database_url, fake_line.url, PORT=str(port), WEB_CONCURRENCY="2")
    release = subprocess.run(
        _procfile_command("release", port),
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert release.returncode == 0, release.stderr

    def start():
        return subprocess.Popen(
            _procfile_command("web", port),
            env=env,
            cwd=PROJECT_ROOT,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=open(tmp_path / "gunicorn.log", "a"),
        )

    url = f"http://127.0.0.1:{port}"
    sender = WebhookSender(url + "/callback", CHANNEL_SECRET)
    server = start()
    try:
        _wait_healthy(url)
        first = platform.text_event("U" + "b" * 32, "hello")
        assert sender.send([first])[0] == 200
        platform.wait_for_deliveries(1, chat_id="U" + "b" * 32, timeout=15)

        platform.add_latency(1.0)  # the next event is still being handled when the kill comes
        user = "U" + "c" * 32
        event = platform.text_event(user, "acknowledged just before the kill")
        assert sender.send([event])[0] == 200
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(10)

        platform.add_latency(0)
        server = start()
        _wait_healthy(url)
        platform.wait_for_deliveries(1, chat_id=user, timeout=30)
        time.sleep(0.5)
        assert len(platform.delivered(user)) == 1
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(20)
