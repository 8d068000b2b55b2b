"""A separate bot process that drains the shared inbox, then exits (used by the multi-process test).

Settings come from the environment, exactly as in production.
"""

from __future__ import annotations

import sys
import time

from linebot_app import create_app, start_worker


def main(timeout: float = 60.0) -> int:
    app = create_app()
    worker = start_worker(app)
    inbox = app.extensions["bot"].inbox
    deadline = time.monotonic() + timeout
    idle_since = None
    while time.monotonic() < deadline:
        counts = inbox.counts()
        busy = sum(counts.get(s, 0) for s in ("pending", "processing", "replying"))
        if busy == 0:
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since > 0.5:
                break
        else:
            idle_since = None
        time.sleep(0.05)
    worker.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
