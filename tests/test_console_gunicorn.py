"""The login lockout is durable: with real gunicorn running two worker processes on one
database, failures counted by one worker lock the account out on the other too."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

from linebot_app.console.accounts import LOCKOUT_FAILURES
from tests.support.console_client import PASSWORD, ConsoleClient
from tests.test_processes import _free_port, _procfile_command, _wait_healthy, production_env

EMAIL = "desk@clinic.example"


def attempt(url: str, password: str) -> int:
    """One login from a fresh browser (new connection, new session)."""
    return ConsoleClient(url).login(EMAIL, password).status_code


def served_by(log_path, status: int) -> set[str]:
    """PIDs of the workers that answered POST /console/login with `status`."""
    pattern = re.compile(rf'^<(\d+)> "POST /console/login[^"]*" {status}$')
    return {m.group(1) for line in log_path.read_text().splitlines() if (m := pattern.match(line))}


def test_lockout_holds_across_two_gunicorn_workers(database_url, fake_line, tmp_path):
    port = _free_port()
    access_log = tmp_path / "access.log"
    env = production_env(
        database_url,
        fake_line.url,
        PORT=str(port),
        WEB_CONCURRENCY="2",
        GUNICORN_ACCESS_LOG=str(access_log),
        STAFF_PASSWORD=PASSWORD,
    )
    added = subprocess.run(
        [*_procfile_command("release", port)[:3], "staff", "add", EMAIL, "--role", "staff"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert added.returncode == 0, added.stderr
    command = [*_procfile_command("web", port), "--access-logformat", '%(p)s "%(r)s" %(s)s']
    server = subprocess.Popen(
        command,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "gunicorn.log", "w"),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url)
        with ThreadPoolExecutor(max_workers=LOCKOUT_FAILURES) as pool:
            failed = list(pool.map(lambda _: attempt(url, "wrong password!"), range(10)))
            assert failed == [401] * LOCKOUT_FAILURES
            deadline = time.monotonic() + 30
            while len(served_by(access_log, 429)) < 2:  # until both workers have refused
                assert time.monotonic() < deadline, "both workers should have answered"
                assert set(pool.map(lambda _: attempt(url, PASSWORD), range(8))) == {429}
        assert len(served_by(access_log, 401) | served_by(access_log, 429)) == 2
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)
