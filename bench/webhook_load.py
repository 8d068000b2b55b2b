"""Measure 1 (webhook load), 3 (memory, start-up) and 4 (inbox durability cost).

One scenario = one app started as in production (Procfile web command, same gunicorn settings)
on a throwaway database, one bounded load from `bench.load`, then a bounded wait until the fake
LINE platform has received a reply for every event (for the apps that answer).
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.databases import throwaway_database
from bench.fake_line import FakeLineProcess
from bench.server import (
    PROJECT_ROOT,
    Gunicorn,
    machine_cpu_ticks,
    postgres_backend_pids,
    process_cpu_seconds,
    release,
)
from bench.stats import percentile
from linebot_app.fakeline.events import callback_body

CHANNEL_SECRET = "0123456789abcdef" * 2
ACCESS_TOKEN = "bench-access-token"
STAFF_GROUP_ID = "C" + "5b" * 16
REPLY_PATH = "/v2/bot/message/reply"
GUNICORN_DEFAULTS = {"WEB_CONCURRENCY": "2", "GUNICORN_THREADS": "8"}


@dataclass(frozen=True)
class Scenario:
    name: str
    app: str
    database: str | None = None  # "sqlite" or "postgresql": a throwaway one, migrated
    answers: bool = False  # wait for a reply to every event at the fake LINE platform
    description: str = ""


OURS_SQLITE = Scenario(
    "ours (SQLite)", "linebot_app.wsgi:app", "sqlite", True, "this bot, Procfile command, SQLite"
)
OURS_POSTGRES = Scenario(
    "ours (PostgreSQL)",
    "linebot_app.wsgi:app",
    "postgresql",
    True,
    "this bot, Procfile command, PostgreSQL",
)
BASELINE = Scenario(
    "bare baseline", "bench.apps.baseline:app", None, False, "Flask: verify signature, 200"
)
SYNCHRONOUS = Scenario(
    "synchronous (SDK example)",
    "bench.apps.synchronous:app",
    None,
    True,
    "reply inside the webhook handler",
)
INBOX_ONLY_SQLITE = Scenario(
    "durable write only (SQLite)",
    "bench.apps.inbox_only:app",
    "sqlite",
    False,
    "our webhook, inbox worker not started",
)
INBOX_ONLY_POSTGRES = Scenario(
    "durable write only (PostgreSQL)",
    "bench.apps.inbox_only:app",
    "postgresql",
    False,
    "our webhook, inbox worker not started",
)
NO_WRITE = Scenario(
    "webhook without the write",
    "bench.apps.no_write:app",
    "sqlite",
    False,
    "our webhook, inbox store replaced by a no-op",
)


@dataclass
class LoadResult:
    scenario: str
    events: int  # burst + probe
    acked: int = 0
    status_5xx: int = 0
    other_failures: int = 0
    # burst: every user sends back to back (closed loop), the most the app can take
    events_per_s: float = 0.0
    ack_p50_ms: float = 0.0
    ack_p95_ms: float = 0.0
    ack_p99_ms: float = 0.0
    ack_max_ms: float = 0.0
    # probe: right after the burst, a paced load while the backlog is being answered
    probe_p50_ms: float = 0.0
    probe_p95_ms: float = 0.0
    probe_p99_ms: float = 0.0
    answered: int | None = None
    answered_twice: int | None = None
    answer_all_s: float | None = None  # first webhook sent → last reply received by LINE
    startup_s: float = 0.0
    peak_rss_mb: float = 0.0
    machine_cpu_pct: float = 0.0  # during the burst, of all cores (100 = every core busy)
    background_cpu_pct: float = 0.0  # just before the run: other work on the machine
    cpu_ms_per_event: dict[str, float] = field(default_factory=dict)  # during the burst
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)


def gunicorn_env(database_url: str | None, line_url: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LINE_", "SANDBOX", "DATABASE_URL", "PORT"))
    }
    for name, value in GUNICORN_DEFAULTS.items():
        env.setdefault(name, value)
    env.update(
        LINE_CHANNEL_SECRET=CHANNEL_SECRET,
        LINE_CHANNEL_ACCESS_TOKEN=ACCESS_TOKEN,
        LINE_API_BASE_URL=line_url,
        LINE_DATA_API_BASE_URL=line_url,
        LINE_STAFF_GROUP_ID=STAFF_GROUP_ID,
        SANDBOX="0",
        SECRET_KEY="bench-" + "0" * 58,
        PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])),
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def gunicorn_settings() -> str:
    values = {name: os.environ.get(name, default) for name, default in GUNICORN_DEFAULTS.items()}
    return f"gthread, {values['WEB_CONCURRENCY']} workers × {values['GUNICORN_THREADS']} threads"


def generate_load(
    url: str, users: list[list[dict]], mode: str, rate: float | None, deadline_s: float
) -> dict:
    spec = {
        "url": url + "/callback",
        "secret": CHANNEL_SECRET,
        "mode": mode,
        "rate": rate,
        "deadline_s": deadline_s,
        "timeout_s": 15,
        "users": [
            [callback_body([event], "U" + "0" * 32).decode() for event in user] for user in users
        ],
    }
    done = subprocess.run(
        [sys.executable, "-m", "bench.load"],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=deadline_s + 60,
    )
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout)


def wait_for_quiet(max_busy_pct: float = 25.0, window: float = 1.0, timeout: float = 60.0) -> float:
    """Wait (bounded) until the machine is mostly idle; returns the last busy % measured."""
    deadline = time.monotonic() + timeout
    busy_pct = 100.0
    while time.monotonic() < deadline:
        busy_before, total_before = machine_cpu_ticks()
        time.sleep(window)
        busy_after, total_after = machine_cpu_ticks()
        busy_pct = 100 * (busy_after - busy_before) / max(1, total_after - total_before)
        if busy_pct <= max_busy_pct:
            break
    return busy_pct


def wait_for_answers(
    line: FakeLineProcess,
    since: int,
    tokens: set[str],
    first_send: float,
    timeout: float,
    stall: float = 20.0,
) -> tuple[int, int, float | None]:
    """(answered, answered twice, seconds from first send to last reply); bounded in time."""
    deadline = time.monotonic() + timeout
    progress_at, answered_before = time.monotonic(), -1
    seen: list = []
    while time.monotonic() < deadline:
        seen = [r for r in line.replies(since) if r.token in tokens]
        answered = len({r.token for r in seen if r.status == 200})
        if answered >= len(tokens):
            break
        if answered != answered_before:
            progress_at, answered_before = time.monotonic(), answered
        elif time.monotonic() - progress_at > stall:
            break
        time.sleep(0.25)
    ok = Counter(r.token for r in seen if r.status == 200)
    last = max((r.at_ms for r in seen if r.status == 200), default=None)
    return (
        len(ok),
        sum(1 for n in ok.values() if n > 1),
        (None if last is None else last / 1000 - first_send),
    )


@dataclass(frozen=True)
class Load:
    users: int = 50
    per_user: int = 20
    probe_users: int = 50
    probe_per_user: int = 2
    probe_rate: float = 50.0  # events/s

    @property
    def events(self) -> int:
        return self.users * self.per_user + self.probe_users * self.probe_per_user


def run_scenario(
    scenario: Scenario,
    line: FakeLineProcess,
    load: Load,
    *,
    log_dir: Path,
    answer_timeout: float = 120.0,
) -> LoadResult:
    background = wait_for_quiet()
    database = throwaway_database(scenario.database) if scenario.database else nullcontext()
    with database as database_url:
        env = gunicorn_env(database_url, line.url)
        if database_url:
            release(env)
        log_path = log_dir / (re.sub(r"\W+", "_", scenario.name).strip("_") + ".log")
        server = Gunicorn.start(scenario.app, env, log_path)
        try:
            server.wait_settled(int(env["WEB_CONCURRENCY"]))
            since = line.count(REPLY_PATH)[REPLY_PATH]
            events = line.events(load.users, load.per_user)
            groups = {
                "app workers": server.worker_pids(),
                "postgres": postgres_backend_pids(),
                "fake LINE": [line.pid],
            }
            cpu_before = {name: process_cpu_seconds(pids) for name, pids in groups.items()}
            burst = generate_load(server.url, events, "burst", None, deadline_s=120)
            groups["postgres"] = postgres_backend_pids()
            cpu = {
                name: process_cpu_seconds(pids) - cpu_before.get(name, 0.0)
                for name, pids in groups.items()
            }
            cpu["load generator"] = burst["cpu_s"]
            probe_events = line.events(load.probe_users, load.probe_per_user)
            probe = generate_load(server.url, probe_events, "paced", load.probe_rate, 60)
            result = summarise(scenario, load, burst, probe)
            result.background_cpu_pct = background
            result.machine_cpu_pct = burst["machine_busy_pct"]
            result.cpu_ms_per_event = {
                name: 1000 * seconds / max(1, len(burst["latencies_ms"]))
                for name, seconds in cpu.items()
            }
            if scenario.answers:
                tokens = {e["replyToken"] for user in events + probe_events for e in user}
                result.answered, result.answered_twice, result.answer_all_s = wait_for_answers(
                    line, since, tokens, burst["first_send_epoch"], answer_timeout
                )
            result.startup_s = server.started_in_s
            result.peak_rss_mb = server.peak_rss_mb()
        finally:
            server.stop()
    return result


def _latencies(load: dict) -> list[float]:
    return sorted(load["latencies_ms"])


def summarise(scenario: Scenario, load: Load, burst: dict, probe: dict) -> LoadResult:
    result = LoadResult(scenario=scenario.name, events=load.events)
    for phase in (burst, probe):
        statuses = Counter({int(k): v for k, v in phase["statuses"].items()})
        result.acked += sum(n for status, n in statuses.items() if 200 <= status < 300)
        result.status_5xx += sum(n for status, n in statuses.items() if status >= 500)
        result.other_failures += sum(phase["errors"].values()) + sum(
            n for status, n in statuses.items() if status < 200 or 300 <= status < 500
        )
        for error, count in phase["errors"].items():
            result.notes.append(f"client error {error}×{count}")
    latencies = _latencies(burst)
    if latencies:
        result.ack_p50_ms, result.ack_p95_ms, result.ack_p99_ms = (
            percentile(latencies, p) for p in (50, 95, 99)
        )
        result.ack_max_ms = latencies[-1]
        result.events_per_s = len(latencies) / burst["wall_s"]
    latencies = _latencies(probe)
    if latencies:
        result.probe_p50_ms, result.probe_p95_ms, result.probe_p99_ms = (
            percentile(latencies, p) for p in (50, 95, 99)
        )
    return result


MEDIAN_FIELDS = (
    "events_per_s",
    "ack_p50_ms",
    "ack_p95_ms",
    "ack_p99_ms",
    "ack_max_ms",
    "probe_p50_ms",
    "probe_p95_ms",
    "probe_p99_ms",
    "answer_all_s",
    "startup_s",
    "peak_rss_mb",
    "machine_cpu_pct",
    "background_cpu_pct",
)


def median_result(results: list[LoadResult]) -> LoadResult:
    """Field-wise medians of several runs; counts of failures are the worst run's, so a failure
    is never hidden by the median."""
    first = results[0]
    merged = LoadResult(scenario=first.scenario, events=first.events)
    for name in MEDIAN_FIELDS:
        values = [getattr(r, name) for r in results if getattr(r, name) is not None]
        setattr(merged, name, statistics.median(values) if values else None)
    merged.acked = min(r.acked for r in results)
    merged.status_5xx = max(r.status_5xx for r in results)
    merged.other_failures = max(r.other_failures for r in results)
    if first.answered is not None:
        merged.answered = min(r.answered or 0 for r in results)
        merged.answered_twice = max(r.answered_twice or 0 for r in results)
    for name in first.cpu_ms_per_event:
        merged.cpu_ms_per_event[name] = statistics.median(
            r.cpu_ms_per_event.get(name, 0.0) for r in results
        )
    merged.notes = sorted({note for r in results for note in r.notes})
    return merged
