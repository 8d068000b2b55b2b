"""A separate bot process that handles the shared inbox until SIGTERM (the teaching test's
"other worker"). Settings come from the environment, exactly as in production; it prints
`ready` once its worker runs."""

from __future__ import annotations

import signal
import sys
import threading

from linebot_app import create_app, start_worker


def main() -> int:
    app = create_app()
    worker = start_worker(app)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("ready", flush=True)
    stop.wait()
    worker.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
