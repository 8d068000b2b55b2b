"""Who holds SQLite's write lock under the webhook load, and for how long.

    .venv/bin/python -m bench.sqlite_locks

Runs the load once against this bot on SQLite with the write lock timed per call site
(bench/apps/sqlite_lock_trace.py) and prints, per kind of transaction, how often it ran, how
long it held the lock and how long it waited for it. On SQLite every write transaction holds the
one write lock of the file, so a long holder delays every webhook acknowledgement behind it.
"""

from __future__ import annotations

import json
from pathlib import Path

from bench import webhook_load as wl
from bench.fake_line import FakeLineProcess
from bench.stats import percentile

RESULTS = Path(__file__).resolve().parent / "results"
TRACED = wl.Scenario(
    "ours (SQLite, lock trace)", "bench.apps.sqlite_lock_trace:app", "sqlite", True
)


def main() -> None:
    RESULTS.mkdir(exist_ok=True)
    for old in RESULTS.glob("sqlite-locks-*.json"):
        old.unlink()
    with FakeLineProcess() as line:
        result = wl.run_scenario(TRACED, line, wl.Load(), log_dir=RESULTS)
    print(
        f"{result.events_per_s:,.0f} events/s, ack p99 {result.ack_p99_ms:.1f} ms, "
        f"at 50/s {result.probe_p99_ms:.1f} ms\n"
    )
    merged: dict[str, dict[str, list[float]]] = {}
    for path in RESULTS.glob("sqlite-locks-*.json"):
        for site, data in json.loads(path.read_text()).items():
            entry = merged.setdefault(site, {"hold_ms": [], "wait_ms": []})
            entry["hold_ms"] += data["hold_ms"]
            entry["wait_ms"] += data["wait_ms"]
    print(
        "| transaction (call site) | count | hold mean ms | hold p99 ms | hold total s "
        "| wait p99 ms |\n|:--|--:|--:|--:|--:|--:|"
    )
    for site, data in sorted(merged.items(), key=lambda kv: -sum(kv[1]["hold_ms"])):
        holds, waits = sorted(data["hold_ms"]), sorted(data["wait_ms"]) or [0.0]
        print(
            f"| {site} | {len(holds)} | {sum(holds) / len(holds):.1f} | "
            f"{percentile(holds, 99):.1f} | {sum(holds) / 1000:.1f} | "
            f"{percentile(waits, 99):.1f} |"
        )


if __name__ == "__main__":
    main()
