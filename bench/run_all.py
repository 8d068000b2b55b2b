"""All benchmarks of issue 7 in one bounded run (`make bench`); prints tables, asserts nothing.

    .venv/bin/python -m bench.run_all                # 3 runs of each load, medians (~6 min)
    .venv/bin/python -m bench.run_all --runs 1       # one run (~2 min)
    .venv/bin/python -m bench.run_all --update-docs  # also rewrite the tables in the docs

1. webhook load (this bot on SQLite and PostgreSQL, the bare baseline, the synchronous SDK
   pattern), 3. memory and start-up, 4. durable-write cost: bench.webhook_load;
2. routing scale: bench.routing_bench (run as its own process, output parsed).
Scenarios run round-robin (one run of each, then the next round), so noise from other work on
the machine spreads over all of them; each run first waits (bounded) for a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from bench import memory, report
from bench import webhook_load as wl
from bench.databases import POSTGRES_URL, postgres_unavailable
from bench.fake_line import FakeLineProcess, calibrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RESULTS = PROJECT_ROOT / "bench" / "results"
DOCS = PROJECT_ROOT / "docs" / "benchmarks.md"
DOCS_BEGIN, DOCS_END = "<!-- bench:results:begin -->", "<!-- bench:results:end -->"
LOAD_SCENARIOS = [wl.BASELINE, wl.SYNCHRONOUS, wl.OURS_SQLITE, wl.OURS_POSTGRES]
COST_SCENARIOS = [wl.NO_WRITE, wl.INBOX_ONLY_SQLITE, wl.INBOX_ONLY_POSTGRES]
LINE_LATENCY = 0.1


@dataclass
class Routing:
    controlled: dict[int, float]  # keywords → normalise + match µs per message
    shipped: dict[int, float]
    output: str

    def ratio(self, rows: dict[int, float]) -> float | None:
        return rows[2000] / rows[20] if 20 in rows and 2000 in rows else None


def run_routing() -> Routing:
    done = subprocess.run(
        [sys.executable, "-m", "bench.routing_bench"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = done.stdout + (
        f"\n(routing bench failed: {done.stderr[-1000:]})" if done.returncode else ""
    )
    return parse_routing(output)


def parse_routing(output: str) -> Routing:
    """The per-size rows of bench.routing_bench's sections 1 (controlled) and 2 (shipped)."""
    sections = re.split(r"\n(?=\d\. )", output)

    def rows(prefix: str) -> dict[int, float]:
        section = next((s for s in sections if s.startswith(prefix)), "")
        found = re.findall(r"^\s*(\d+)\s+([\d.]+)\s+([\d.]+)\s+\d+\s+\d+\s*$", section, re.M)
        return {int(size): float(route) for size, _match, route in found}

    return Routing(rows("1."), rows("2."), output)


def postgres_version() -> str | None:
    from sqlalchemy import create_engine, text

    from linebot_app.settings import normalise_database_url

    try:
        engine = create_engine(normalise_database_url(POSTGRES_URL))
        with engine.connect() as connection:
            version = connection.execute(text("SHOW server_version")).scalar()
        engine.dispose()
        return f"PostgreSQL {version}"
    except Exception:
        return None


def goals(by_name: dict[str, wl.LoadResult], routing: Routing | None) -> list[report.Goal]:
    ours = [r for name, r in by_name.items() if name.startswith("ours")]
    baseline, synchronous = by_name.get(wl.BASELINE.name), by_name.get(wl.SYNCHRONOUS.name)

    def database(r: wl.LoadResult) -> str:
        return r.scenario.split("(")[1].rstrip(")")

    def goal(text: str, measure, ok) -> report.Goal:
        return report.Goal(
            text,
            "; ".join(f"{database(r)}: {measure(r)}" for r in ours),
            {database(r): bool(ok(r)) for r in ours},
        )

    found = [
        goal(
            "every event acknowledged and answered, zero 5xx",
            lambda r: (
                f"{r.acked}/{r.events} acked, {r.answered}/{r.events} answered, {r.status_5xx} 5xx"
            ),
            lambda r: (
                r.acked == r.events == r.answered and not r.status_5xx and not r.other_failures
            ),
        ),
        goal(
            "ack p99 ≤ 25 ms (burst: 50 users sending back to back)",
            lambda r: f"{r.ack_p99_ms:.1f} ms",
            lambda r: r.ack_p99_ms <= 25,
        ),
        goal(
            "ack p99 ≤ 25 ms (50 events/s while the burst is being answered)",
            lambda r: f"{r.probe_p99_ms:.1f} ms",
            lambda r: r.probe_p99_ms <= 25,
        ),
    ]
    if baseline:
        found.append(
            goal(
                "throughput ≥ 50% of the bare baseline",
                lambda r: f"{100 * r.events_per_s / baseline.events_per_s:.0f}%",
                lambda r: r.events_per_s >= 0.5 * baseline.events_per_s,
            )
        )
    if synchronous:
        found.append(
            goal(
                "≥ 5× the synchronous pattern's throughput (same workers)",
                lambda r: f"{r.events_per_s / synchronous.events_per_s:.1f}×",
                lambda r: r.events_per_s >= 5 * synchronous.events_per_s,
            )
        )
    if routing is not None:
        rows = routing.controlled
        ratio = routing.ratio(rows)
        found.append(
            report.Goal(
                "routing ≤ 100 µs/message at 2,000 keywords, ≤ 1.5× the time at 20",
                f"{rows.get(2000, float('nan')):.1f} µs at 2,000; {ratio or float('nan'):.2f}× "
                f"the time at 20 (controlled set)",
                None if ratio is None else rows[2000] <= 100 and ratio <= 1.5,
            )
        )
    found += [
        goal(
            "one worker ≤ 120 MB RSS (peak, after the load)",
            lambda r: f"{r.peak_rss_mb:.0f} MB",
            lambda r: r.peak_rss_mb <= 120,
        ),
        goal(
            "start to healthy ≤ 3 s", lambda r: f"{r.startup_s:.2f} s", lambda r: r.startup_s <= 3
        ),
    ]
    return found


def ratio_lines(by_name: dict[str, wl.LoadResult]) -> list[str]:
    baseline, synchronous = by_name.get(wl.BASELINE.name), by_name.get(wl.SYNCHRONOUS.name)
    lines = []
    for name, r in by_name.items():
        if not name.startswith("ours"):
            continue
        parts = []
        if baseline:
            parts.append(f"throughput ours/baseline {r.events_per_s / baseline.events_per_s:.2f}")
        if synchronous:
            parts.append(
                f"throughput ours/synchronous {r.events_per_s / synchronous.events_per_s:.1f}"
            )
            parts.append(
                f"ack p99 ours/synchronous {r.ack_p99_ms / synchronous.ack_p99_ms:.2f} "
                f"(at 50/s: {r.probe_p99_ms / synchronous.probe_p99_ms:.2f})"
            )
        lines.append(f"- {name}: " + ", ".join(parts))
    return lines


def render(
    info,
    calibration,
    load: wl.Load,
    runs: int,
    load_results,
    cost_results,
    routing: Routing | None,
    memory_rows: dict[str, list],
) -> str:
    by_name = {r.scenario: r for r in load_results}
    lines = [
        f"Measured {info['date']}; medians of {runs} run(s) of each.",
        "",
        "**Machine**",
        "",
        *report.machine_lines(info),
        "",
        f"**Load**: {load.users} users × {load.per_user} text messages, each user sending its "
        f"next message as soon as the previous one is acknowledged (burst), then "
        f"{load.probe_users} users × {load.probe_per_user} more at a steady "
        f"{load.probe_rate:.0f} events/s while the backlog is being answered. One event per "
        f"signed webhook. Fake LINE API ({calibration['server']}) in its own process adding "
        f"{LINE_LATENCY * 1000:.0f} ms to every call; its own answers: "
        + ", ".join(
            f"p50 {c['p50_ms']:.0f} ms / p99 {c['p99_ms']:.0f} ms at "
            f"{c['concurrency']} calls in flight"
            + (" on new connections" if c["new_connections"] else "")
            for c in calibration["checks"]
        )
        + ".",
        "",
        "### 1, 3. Webhook load, memory, start-up",
        "",
        *report.load_table(load_results),
        "",
        *ratio_lines(by_name),
        "",
    ]
    for database, rows in memory_rows.items():
        lines += [
            f"### 3b. Where one worker's memory goes ({database}, bench/memory.py)",
            "",
            *memory.table(rows),
            "",
        ]
    if cost_results:
        lines += [
            "### 4. Where the acknowledgement time goes (durable write on and off)",
            "",
            *report.cost_table(
                [
                    by_name.get(wl.BASELINE.name),
                    *cost_results,
                    *(r for r in load_results if r.scenario.startswith("ours")),
                ]
                if wl.BASELINE.name in by_name
                else cost_results
            ),
            "",
        ]
    if routing is not None:
        lines += [
            "### 2. Routing scale (bench/routing_bench.py)",
            "",
            *report._table(
                ["keywords", "µs/message (controlled)", "µs/message (shipped)"],
                [
                    [
                        f"{size:,}",
                        f"{routing.controlled.get(size, float('nan')):.2f}",
                        f"{routing.shipped.get(size, float('nan')):.2f}",
                    ]
                    for size in sorted(routing.controlled)
                ],
                "lrr",
            ),
            "",
        ]
    lines += ["### Goals", "", *report.goals_table(goals(by_name, routing)), ""]
    return "\n".join(lines)


def update_docs(markdown: str) -> None:
    text = DOCS.read_text("utf-8") if DOCS.exists() else f"{DOCS_BEGIN}\n{DOCS_END}\n"
    if DOCS_BEGIN not in text or DOCS_END not in text:
        text += f"\n{DOCS_BEGIN}\n{DOCS_END}\n"
    head, rest = text.split(DOCS_BEGIN, 1)
    _, tail = rest.split(DOCS_END, 1)
    DOCS.write_text(f"{head}{DOCS_BEGIN}\n{markdown}\n{DOCS_END}{tail}", "utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run every benchmark; print the tables.")
    parser.add_argument("--runs", type=int, default=3, help="runs of each load (median)")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--messages", type=int, default=20, help="messages per user (burst)")
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=["load", "cost", "routing", "memory", "postgres"],
    )
    parser.add_argument("--update-docs", action="store_true", help=f"rewrite tables in {DOCS}")
    parser.add_argument(
        "--fake-line",
        choices=["asyncio", "werkzeug"],
        default="asyncio",
        help="HTTP server for the fake LINE platform (default: aiohttp)",
    )
    parser.add_argument(
        "--from-json",
        type=Path,
        metavar="FILE",
        help="only print (and with --update-docs publish) a saved latest.json",
    )
    args = parser.parse_args(argv)
    if args.from_json:
        publish(json.loads(args.from_json.read_text("utf-8")), args.update_docs)
        return
    runs = max(1, min(args.runs, 10))
    load = wl.Load(users=args.users, per_user=args.messages)
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()

    unavailable = None if "postgres" in args.skip else postgres_unavailable()
    skip_postgres = "postgres" in args.skip or unavailable is not None
    if unavailable:
        print(f"PostgreSQL runs skipped: {unavailable}")
    scenarios = ([] if "load" in args.skip else LOAD_SCENARIOS) + (
        [] if "cost" in args.skip else COST_SCENARIOS
    )
    scenarios = [s for s in scenarios if not (skip_postgres and s.database == "postgresql")]
    info = report.machine_info(
        None if skip_postgres else postgres_version(), wl.gunicorn_settings()
    )
    print("\n".join(report.machine_lines(info)), flush=True)

    runs_by_scenario: dict[str, list[wl.LoadResult]] = {s.name: [] for s in scenarios}
    with FakeLineProcess(latency=LINE_LATENCY, server=args.fake_line) as line:
        calibration = {
            "server": args.fake_line,
            "checks": [
                calibrate(line.url, calls=160, concurrency=16, new_connections=True),
                calibrate(line.url, calls=320, concurrency=32),
            ],
        }
        for check in calibration["checks"]:
            print(
                f"fake LINE answers: p50 {check['p50_ms']:.0f} ms, p99 {check['p99_ms']:.0f} ms "
                f"at {check['concurrency']} in flight",
                flush=True,
            )
        for round_number in range(1, runs + 1):
            for scenario in scenarios:
                result = wl.run_scenario(scenario, line, load, log_dir=RESULTS)
                runs_by_scenario[scenario.name].append(result)
                print(
                    f"[{time.monotonic() - started:5.0f}s] run {round_number}/{runs} "
                    f"{scenario.name}: {result.events_per_s:,.0f} events/s, ack p99 "
                    f"{result.ack_p99_ms:.1f} ms (at 50/s {result.probe_p99_ms:.1f} ms), "
                    f"5xx {result.status_5xx}, answered {result.answered}, "
                    f"background CPU {result.background_cpu_pct:.0f}%",
                    flush=True,
                )

    routing = None if "routing" in args.skip else run_routing()
    memory_rows = (
        {}
        if "memory" in args.skip
        else {
            database: memory.run(database)
            for database in ("sqlite", "postgresql")
            if not (database == "postgresql" and skip_postgres)
        }
    )
    saved = {
        "machine": info,
        "calibration": calibration,
        "load": asdict(load),
        "runs_each": runs,
        "runs": {
            name: [r.to_json() for r in results] for name, results in runs_by_scenario.items()
        },
        "routing_output": routing.output if routing else None,
        "memory": memory_rows,
    }
    (RESULTS / "latest.json").write_text(json.dumps(saved, indent=1), "utf-8")
    publish(saved, args.update_docs)
    print(
        f"\nbench finished in {time.monotonic() - started:.0f} s; raw runs in "
        f"{RESULTS / 'latest.json'}"
    )


def publish(saved: dict, update: bool) -> None:
    """Medians, tables, goals: printed, written to bench/results/latest.md (and the docs)."""
    runs_by_scenario = {
        name: [wl.LoadResult(**run) for run in runs] for name, runs in saved["runs"].items()
    }
    medians = {
        name: wl.median_result(results) for name, results in runs_by_scenario.items() if results
    }
    load_results = [medians[s.name] for s in LOAD_SCENARIOS if s.name in medians]
    cost_results = [medians[s.name] for s in COST_SCENARIOS if s.name in medians]
    routing = parse_routing(saved["routing_output"]) if saved.get("routing_output") else None
    markdown = render(
        saved["machine"],
        saved["calibration"],
        wl.Load(**saved["load"]),
        saved["runs_each"],
        load_results,
        cost_results,
        routing,
        saved.get("memory") or {},
    )
    print("\n" + markdown)
    (RESULTS / "latest.md").write_text(markdown + "\n", "utf-8")
    if update:
        update_docs(markdown)
        print(f"\n{DOCS} updated")


if __name__ == "__main__":
    main()
