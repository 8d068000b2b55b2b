"""This bot (linebot_app.wsgi) with the SQLite write lock timed per call site: how long each kind
of transaction waited for it and held it. Writes bench/results/sqlite-locks-<pid>.json every
2 s (bench only; see bench/sqlite_locks.py)."""

from __future__ import annotations

import json
import os
import threading
import time
import traceback
from collections import defaultdict
from pathlib import Path

from linebot_app.storage import db

RESULTS = Path(__file__).resolve().parent.parent / "results"
_holds: dict[str, list[float]] = defaultdict(list)
_waits: dict[str, list[float]] = defaultdict(list)
_begin, _release = db._SQLiteWriteGate.begin, db._SQLiteWriteGate.release


def _call_site() -> str:
    frames = [
        f
        for f in traceback.extract_stack(limit=40)
        if "linebot_app" in f.filename and not f.filename.endswith(("db.py", __file__))
    ]
    return " < ".join(f"{Path(f.filename).name}:{f.name}" for f in frames[-3:][::-1])


def _traced_begin(gate, connection, execute) -> None:
    started = time.perf_counter()
    _begin(gate, connection, execute)
    connection.trace = (_call_site(), time.perf_counter())
    _waits[connection.trace[0]].append(time.perf_counter() - started)


def _traced_release(gate, connection) -> None:
    if connection.gate is not None and getattr(connection, "trace", None):
        site, since = connection.trace
        _holds[site].append(time.perf_counter() - since)
    _release(gate, connection)


def _dump_every_two_seconds() -> None:
    while True:
        time.sleep(2)
        summary = {
            site: {
                "transactions": len(holds),
                "hold_ms": [1000 * h for h in holds],
                "wait_ms": [1000 * w for w in _waits.get(site, [])],
            }
            for site, holds in list(_holds.items())
        }
        (RESULTS / f"sqlite-locks-{os.getpid()}.json").write_text(json.dumps(summary))


db._SQLiteWriteGate.begin = _traced_begin
db._SQLiteWriteGate.release = _traced_release
RESULTS.mkdir(exist_ok=True)
threading.Thread(target=_dump_every_two_seconds, daemon=True).start()

from linebot_app.wsgi import app  # noqa: E402  (after the gate is wrapped)

__all__ = ["app"]
