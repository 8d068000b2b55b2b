"""Soak: the production command at a steady webhook rate for a long time (`make soak`).

    SOAK_SECONDS=1200 SOAK_RATE=5 SOAK_DATABASE=sqlite .venv/bin/python -m bench.soak

Prints the worker processes' RSS at the start and the end (a leak shows as growth), the inbox's
oldest pending age over the run (from /healthz) and how many events were answered. Asserts
nothing; it is not part of `make bench` (20 minutes by default).
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.databases import throwaway_database
from bench.fake_line import FakeLineProcess
from bench.server import Gunicorn, _status_kb, release
from bench.webhook_load import CHANNEL_SECRET, REPLY_PATH, gunicorn_env
from linebot_app.fakeline import sign
from linebot_app.fakeline.events import callback_body


def worker_rss_mb(server: Gunicorn) -> list[float]:
    return [round(_status_kb(pid, "VmRSS") / 1024, 1) for pid in server.worker_pids()]


def health(url: str) -> dict:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=5) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        return json.loads(error.read()) | {"http": error.code}
    except OSError as error:
        return {"status": repr(error)}


def post(url: str, events: list[dict]) -> int:
    body = callback_body(events, "U" + "0" * 32)
    request = urllib.request.Request(
        url + "/callback",
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Line-Signature": sign(body, CHANNEL_SECRET),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def soak(seconds: float, rate: float, database: str) -> None:
    statuses: dict[int, int] = {}
    ages: list[float] = []
    with FakeLineProcess(latency=0.1) as line, throwaway_database(database) as database_url:
        env = gunicorn_env(database_url, line.url)
        release(env)
        log_path = Path(tempfile.gettempdir()) / "linebot-soak.log"
        server = Gunicorn.start("linebot_app.wsgi:app", env, log_path)
        try:
            server.wait_settled(int(env["WEB_CONCURRENCY"]))
            rss_start = worker_rss_mb(server)
            since = line.count(REPLY_PATH)[REPLY_PATH]
            print(f"soak: {seconds:.0f} s at {rate:g} events/s on {database}; log {log_path}")
            print(f"worker RSS at start: {rss_start} MB")
            stop = threading.Event()

            def watch() -> None:
                while not stop.wait(5):
                    backlog = health(server.url).get("backlog") or {}
                    ages.append(float(backlog.get("oldest_pending_age_seconds", -1)))

            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
            started = time.monotonic()
            sent = 0
            while time.monotonic() - started < seconds:
                second_start = time.monotonic()
                batch = [user[0] for user in line.events(max(1, int(rate)), 1)]
                for event in batch:  # spread over the second
                    status = post(server.url, [event])
                    statuses[status] = statuses.get(status, 0) + 1
                    sent += 1
                    time.sleep(max(0.0, (1.0 / rate) - 0.001))
                time.sleep(max(0.0, 1.0 - (time.monotonic() - second_start)))
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if line.count(REPLY_PATH)[REPLY_PATH] - since >= sent:
                    break
                time.sleep(0.5)
            stop.set()
            watcher.join(10)
            final = health(server.url)
            rss_end = worker_rss_mb(server)
            answered = line.count(REPLY_PATH)[REPLY_PATH] - since
        finally:
            server.stop()
    print(f"worker RSS at end:   {rss_end} MB")
    print(f"events sent {sent}, webhook statuses {statuses}, reply calls {answered}")
    print(
        "inbox oldest pending age: max "
        f"{max(ages, default=0):.1f} s over {len(ages)} samples; at the end "
        f"{(final.get('backlog') or {}).get('oldest_pending_age_seconds')} s"
    )


def main() -> None:
    soak(
        seconds=float(os.environ.get("SOAK_SECONDS", "1200")),
        rate=float(os.environ.get("SOAK_RATE", "5")),
        database=os.environ.get("SOAK_DATABASE", "sqlite"),
    )


if __name__ == "__main__":
    main()
