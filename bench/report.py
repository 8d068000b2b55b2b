"""Tables for the terminal and for docs/benchmarks.md (the same Markdown serves both)."""

from __future__ import annotations

import datetime as dt
import os
import platform
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench.webhook_load import LoadResult

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def machine_info(postgres_version: str | None, gunicorn: str) -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "?",
    )
    memory_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    os_name = next(
        (
            line.split("=", 1)[1].strip('"')
            for line in Path("/etc/os-release").read_text().splitlines()
            if line.startswith("PRETTY_NAME=")
        ),
        platform.system(),
    )
    commit = (
        subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
        or "?"
    )
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": f"{cpu}, {os.cpu_count()} cores",
        "memory": f"{memory_kb / 1024 / 1024:.0f} GiB",
        "os": f"{os_name}, Linux {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres_version or "not reachable",
        "gunicorn": gunicorn,
        "commit": commit + (" (with uncommitted changes)" if dirty else ""),
    }


def _num(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(header: list[str], rows: list[list[str]], align: str) -> list[str]:
    return [
        _row(header),
        "|" + "|".join(":--" if a == "l" else "--:" for a in align) + "|",
        *(_row(r) for r in rows),
    ]


def load_table(results: list[LoadResult]) -> list[str]:
    header = [
        "app",
        "events/s",
        "ack p50 ms",
        "ack p95 ms",
        "ack p99 ms",
        "ack p99 ms at 50/s",
        "answered",
        "5xx / failed",
        "all answered after s",
        "worker peak RSS MB",
        "start-up s",
    ]
    rows = []
    for r in results:
        answered = (
            "—"
            if r.answered is None
            else f"{r.answered:,}/{r.events:,}"
            + (f" ({r.answered_twice} twice)" if r.answered_twice else "")
        )
        rows.append(
            [
                r.scenario,
                _num(r.events_per_s),
                _num(r.ack_p50_ms, 1),
                _num(r.ack_p95_ms, 1),
                _num(r.ack_p99_ms, 1),
                _num(r.probe_p99_ms, 1),
                answered,
                f"{r.status_5xx} / {r.other_failures}",
                _num(r.answer_all_s, 1),
                _num(r.peak_rss_mb, 0),
                _num(r.startup_s, 2),
            ]
        )
    return _table(header, rows, "lrrrrrrrrrr")


def cost_table(results: list[LoadResult]) -> list[str]:
    header = [
        "code path",
        "events/s",
        "ack p99 ms",
        "app CPU ms/event",
        "PostgreSQL CPU ms/event",
        "load generator CPU ms/event",
        "machine busy %",
    ]
    rows = [
        [
            r.scenario,
            _num(r.events_per_s),
            _num(r.ack_p99_ms, 1),
            _num(r.cpu_ms_per_event.get("app workers"), 2),
            _num(r.cpu_ms_per_event.get("postgres"), 2)
            if r.scenario.endswith("(PostgreSQL)")
            else "—",
            _num(r.cpu_ms_per_event.get("load generator"), 2),
            _num(r.machine_cpu_pct, 0),
        ]
        for r in results
    ]
    return _table(header, rows, "lrrrrrr")


@dataclass
class Goal:
    text: str
    measured: str
    met: bool | dict[str, bool] | None  # per database where it differs; None: not measured

    @property
    def verdict(self) -> str:
        if self.met is None:
            return "—"
        if isinstance(self.met, dict):
            if len(set(self.met.values())) > 1:
                return "; ".join(
                    f"{name}: {'met' if ok else '**missed**'}" for name, ok in self.met.items()
                )
            return "met" if all(self.met.values()) else "**missed**"
        return "met" if self.met else "**missed**"


def goals_table(goals: list[Goal]) -> list[str]:
    rows = [[g.text, g.measured, g.verdict] for g in goals]
    return _table(["goal", "measured (medians)", ""], rows, "lll")


def machine_lines(info: dict[str, str]) -> list[str]:
    return [f"- **{key}**: {value}" for key, value in info.items()]
