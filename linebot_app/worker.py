"""The in-process worker pool that drains the inbox off the request thread.

One loop thread claims events (woken by the webhook, or every `poll_seconds` to pick up
events stored by other processes and ones left behind by a crash) and hands them to a
thread pool. Claims are bounded by free threads, so nothing is claimed that cannot start.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.exc import SQLAlchemyError

from linebot_app.bot import Bot
from linebot_app.processing import process_event

log = logging.getLogger(__name__)


class InboxWorker:
    def __init__(self, bot: Bot, threads: int | None = None, poll_seconds: float = 1.0):
        self.bot = bot
        self.threads = threads or bot.settings.worker_threads
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._free = threading.Semaphore(self.threads)
        self._pool: ThreadPoolExecutor | None = None
        self._loop: threading.Thread | None = None
        self._idle = threading.Condition()
        self._in_flight = 0
        self._next_push_sweep = 0.0

    @property
    def lease(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.bot.settings.inbox_lease_seconds)

    def start(self) -> InboxWorker:
        if self._loop is not None:
            return self
        released = self.bot.inbox.release_dead_local_claims()
        if released:
            log.warning("re-queued %d event(s) left in flight by a stopped process", released)
        self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="inbox")
        self._loop = threading.Thread(target=self._run, name="inbox-loop", daemon=True)
        self._loop.start()
        self.notify()
        return self

    def notify(self) -> None:
        """Called by the webhook after storing events: claim them now rather than at next poll."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._loop is not None:
            self._loop.join(timeout)
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=False)
        self._loop = None

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Tests and benchmarks: wait until no event is being handled."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout)

    # --- loop ---------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.poll_seconds)
            self._wake.clear()
            try:
                while not self._stop.is_set() and self._claim_and_submit():
                    pass
                if time.monotonic() >= self._next_push_sweep:  # not on every wake: a write
                    self._next_push_sweep = time.monotonic() + self.poll_seconds  # transaction
                    self._resend_orphaned_pushes()
            except SQLAlchemyError:
                log.exception("inbox claim failed; retrying in %.1fs", self.poll_seconds)
            except Exception:
                log.exception("inbox loop error")

    def _claim_and_submit(self) -> bool:
        """Claim as many events as there are free threads; True if any were claimed."""
        slots = 0
        while self._free.acquire(blocking=False):
            slots += 1
        if slots == 0:
            return False
        claimed = self.bot.inbox.claim(slots, self.bot.clock.now(), self.lease)
        for _ in range(slots - len(claimed)):
            self._free.release()
        for item in claimed:
            with self._idle:
                self._in_flight += 1
            self._pool.submit(self._handle, item)
        return bool(claimed)

    def _handle(self, item) -> None:
        try:
            process_event(self.bot, item)
        finally:
            self._free.release()
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()
            self._wake.set()  # a later event of the same chat may now be claimable

    def _resend_orphaned_pushes(self) -> None:
        """Pushes committed by a handler whose process died before sending them."""
        claimed = self.bot.outbox.claim(self.bot.clock.now(), self.lease)
        if claimed:
            self.bot.outbox.send(claimed, self.bot.clock.now)
