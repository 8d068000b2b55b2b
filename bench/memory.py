"""Where one worker's memory goes: resident memory after each group of imports, in the order a
worker loads them, then after building the app and starting its inbox worker.

    .venv/bin/python -m bench.memory [sqlite|postgresql]

Runs in a fresh interpreter (a subprocess), so nothing else is loaded; prints a table and, with
--json, the raw numbers. The total matches a gunicorn worker before any load.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# (label, modules); each step's cost is what it adds to everything loaded before it.
STEPS = [
    ("Flask (+ Werkzeug, Jinja2, click)", ["flask"]),
    ("SQLAlchemy 2 (core + ORM)", ["sqlalchemy", "sqlalchemy.orm"]),
    ("pydantic, PyYAML", ["pydantic", "yaml"]),
    ("psycopg 3 (PostgreSQL only)", ["psycopg"]),
    (
        "line-bot-sdk v3 messaging (+ legacy v2 package, requests, aiohttp)",
        ["linebot.v3.messaging"],
    ),
    ("line-bot-sdk v3 webhooks", ["linebot.v3.webhooks"]),
    ("phonenumbers, opencc, pyahocorasick", ["phonenumbers", "opencc", "ahocorasick"]),
    ("the rest of linebot_app", ["linebot_app", "linebot_app.features"]),
]


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure(database: str) -> list[tuple[str, float, float]]:
    """In this process: [(step, MiB added, MiB total)]."""
    rows = [("Python interpreter", _rss_mb(), _rss_mb())]
    for label, modules in STEPS:
        if database == "sqlite" and modules == ["psycopg"]:
            continue
        before = _rss_mb()
        for module in modules:
            importlib.import_module(module)
        rows.append((label, _rss_mb() - before, _rss_mb()))
    from linebot_app import create_app, start_worker
    from linebot_app.storage.migrate import upgrade

    before = _rss_mb()
    app = create_app()
    rows.append(
        ("create_app(): config, reply cards, handlers, engine", _rss_mb() - before, _rss_mb())
    )
    upgrade(app.config["SETTINGS"].database_url)
    before = _rss_mb()
    start_worker(app).stop(timeout=5)
    rows.append(("inbox worker started (threads, first queries)", _rss_mb() - before, _rss_mb()))
    return rows


def run(database: str = "sqlite") -> list[tuple[str, float, float]]:
    """Measure in a fresh interpreter (the only honest way to see import costs)."""
    from bench.databases import throwaway_database
    from bench.webhook_load import gunicorn_env

    with throwaway_database(database) as url:
        env = gunicorn_env(url, "http://127.0.0.1:9")
        done = subprocess.run(
            [sys.executable, "-m", "bench.memory", "--child", database],
            env=env,
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    if done.returncode != 0:
        raise RuntimeError(f"memory measurement failed:\n{done.stderr[-2000:]}")
    return [tuple(row) for row in json.loads(done.stdout.splitlines()[-1])]


def table(rows: list[tuple[str, float, float]]) -> list[str]:
    lines = ["| loaded | adds MiB | RSS MiB |", "|:--|--:|--:|"]
    lines += [f"| {label} | {added:.1f} | {total:.1f} |" for label, added, total in rows]
    return lines


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        os.chdir(tempfile.gettempdir())
        print(json.dumps(measure(sys.argv[2])))
        return
    database = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    print("\n".join(table(run(database))))


if __name__ == "__main__":
    main()
