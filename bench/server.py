"""Starting an app exactly as the Procfile does (gunicorn + gunicorn.conf.py), on 127.0.0.1.

Also the release phase (schema migrations), start-up time (process start → /healthz 200) and the
peak RSS of the worker processes, read from /proc.
"""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PRODUCTION_APP = "linebot_app.wsgi:app"


def procfile_command(kind: str, port: int, app: str = PRODUCTION_APP) -> list[str]:
    """The Procfile's `kind:` line with $PORT filled in, bound to 127.0.0.1, serving `app`."""
    for line in (PROJECT_ROOT / "Procfile").read_text().splitlines():
        if line.startswith(kind + ":"):
            command = line.split(":", 1)[1].strip().replace("$PORT", str(port))
            command = command.replace("0.0.0.0:", "127.0.0.1:").replace(PRODUCTION_APP, app)
            parts = shlex.split(command)
            return [str(BIN / parts[0]), *parts[1:]]
    raise RuntimeError(f"Procfile has no {kind}: line")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def release(env: dict[str, str]) -> None:
    """The Procfile's release phase: `flask --app linebot_app db upgrade`."""
    done = subprocess.run(
        procfile_command("release", 0),
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"release phase failed:\n{done.stderr[-2000:]}")


def http_status(url: str, timeout: float = 2.0) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as failed:
        return failed.code
    except OSError:
        return None


@dataclass
class Gunicorn:
    """One gunicorn master (started in its own session) and what was measured about it."""

    process: subprocess.Popen
    url: str
    started_in_s: float

    @classmethod
    def start(cls, app: str, env: dict[str, str], log_path: Path, timeout: float = 30.0):
        port = free_port()
        env = {**env, "PORT": str(port)}
        with open(log_path, "ab") as log:
            started = time.perf_counter()
            process = subprocess.Popen(
                procfile_command("web", port, app),
                env=env,
                cwd=PROJECT_ROOT,
                start_new_session=True,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        url = f"http://127.0.0.1:{port}"
        deadline = started + timeout
        while time.perf_counter() < deadline:
            if http_status(url + "/healthz", timeout=1.0) == 200:
                return cls(process, url, time.perf_counter() - started)
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}; see {log_path}")
            time.sleep(0.01)
        cls(process, url, timeout).stop()
        raise RuntimeError(f"{app} was not healthy within {timeout} s; see {log_path}")

    def worker_pids(self) -> list[int]:
        children = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                children.append(int(entry.name))
        return sorted(children)

    def wait_settled(self, workers: int, timeout: float = 20.0) -> float:
        """Wait until `workers` workers run and are idle (the first healthy answer may come
        while the others are still importing); returns the seconds waited."""
        started = time.perf_counter()
        previous = None
        while time.perf_counter() - started < timeout:
            pids = self.worker_pids()
            cpu = [process_cpu_seconds([pid]) for pid in pids]
            if (
                len(pids) >= workers
                and previous is not None
                and len(previous) == len(cpu)
                and all(b - a < 0.02 for a, b in zip(previous, cpu, strict=True))
            ):
                break
            previous = cpu
            time.sleep(0.2)
        return time.perf_counter() - started

    def peak_rss_mb(self) -> float:
        """The largest peak resident set (VmHWM) among the worker processes, in MiB."""
        return max((_status_kb(pid, "VmHWM") for pid in self.worker_pids()), default=0) / 1024

    def stop(self, timeout: float = 20.0) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def process_cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of the given processes so far (from /proc/<pid>/stat)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def machine_cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies over all CPUs since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def postgres_backend_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids
