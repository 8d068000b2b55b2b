"""Profile one load scenario with py-spy: where the gunicorn workers spend their CPU under load.

    .venv/bin/pip install py-spy            # not a project dependency
    .venv/bin/python -m bench.profile ours-sqlite --seconds 8

Repeats the burst load (bounded rounds) while `py-spy record` samples every worker, then prints
the functions with the most samples (inclusive and self) and writes the raw collapsed stacks
(for speedscope or flamegraph.pl) to bench/results/.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from collections import Counter
from contextlib import nullcontext
from pathlib import Path

from bench import webhook_load as load
from bench.databases import throwaway_database
from bench.fake_line import FakeLineProcess
from bench.server import PROJECT_ROOT, Gunicorn, release

SCENARIOS = {
    "ours-sqlite": load.OURS_SQLITE,
    "ours-postgres": load.OURS_POSTGRES,
    "inbox-only-sqlite": load.INBOX_ONLY_SQLITE,
    "inbox-only-postgres": load.INBOX_ONLY_POSTGRES,
    "no-write": load.NO_WRITE,
    "baseline": load.BASELINE,
    "synchronous": load.SYNCHRONOUS,
}
RESULTS = PROJECT_ROOT / "bench" / "results"


def top_frames(collapsed: list[Path], limit: int, include: str = "") -> tuple[list, list, int]:
    """(inclusive, self, total samples) from py-spy's raw (collapsed) output files."""
    inclusive, own, total = Counter(), Counter(), 0
    for path in collapsed:
        for line in path.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack or not count.isdigit():
                continue
            frames = [
                f.split(" (")[0] + " (" + f.split(" (")[-1].split(":")[0].rsplit("/", 1)[-1] + ")"
                if " (" in f
                else f
                for f in stack.split(";")
            ]
            if include and not any(include in f for f in frames):
                continue
            samples = int(count)
            total += samples
            own[frames[-1]] += samples
            for frame in set(frames):
                inclusive[frame] += samples
    return inclusive.most_common(limit), own.most_common(limit), total


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--idle", action="store_true", help="include waiting threads (wall time)")
    parser.add_argument("--gil", action="store_true", help="only threads holding the GIL (CPU)")
    parser.add_argument("--rate", type=float, default=None, help="paced load instead of burst")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--include", default="", help="only stacks through this function")
    args = parser.parse_args(argv)
    py_spy = shutil.which("py-spy", path=str(Path(sys.executable).parent))
    if py_spy is None:
        sys.exit("py-spy is not installed: .venv/bin/pip install py-spy")
    scenario = SCENARIOS[args.scenario]
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    with FakeLineProcess(0.1) as line:
        database = throwaway_database(scenario.database) if scenario.database else nullcontext()
        with database as database_url:
            env = load.gunicorn_env(database_url, line.url)
            if database_url:
                release(env)
            server = Gunicorn.start(scenario.app, env, RESULTS / f"profile-{stamp}.log")
            outputs = []
            try:
                server.wait_settled(int(env["WEB_CONCURRENCY"]))
                recorders = []
                for pid in server.worker_pids():
                    output = RESULTS / f"profile-{args.scenario}-{stamp}-{pid}.txt"
                    command = [
                        py_spy,
                        "record",
                        "-p",
                        str(pid),
                        "-d",
                        str(int(args.seconds)),
                        "-r",
                        "250",
                        "-f",
                        "raw",
                        "-o",
                        str(output),
                        "--threads",
                    ]
                    if args.idle:
                        command.append("--idle")
                    if args.gil:
                        command.append("--gil")
                    recorders.append(
                        subprocess.Popen(
                            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                        )
                    )
                    outputs.append(output)
                deadline, rounds = time.monotonic() + args.seconds, 0
                while time.monotonic() < deadline and rounds < 50:
                    mode = "paced" if args.rate else "burst"
                    load.generate_load(server.url, line.events(50, 20), mode, args.rate, 60)
                    rounds += 1
                for recorder in recorders:
                    recorder.wait(args.seconds + 30)
            finally:
                server.stop()
    inclusive, own, total = top_frames([p for p in outputs if p.exists()], args.top, args.include)
    print(f"{args.scenario}: {rounds} load round(s), {total} samples; stacks in {RESULTS}")
    print("\ninclusive (function (file): % of samples)")
    for frame, samples in inclusive:
        print(f"  {100 * samples / total:5.1f}%  {frame}")
    print("\nself")
    for frame, samples in own:
        print(f"  {100 * samples / total:5.1f}%  {frame}")


if __name__ == "__main__":
    main()
