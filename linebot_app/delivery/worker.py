"""The in-process worker pool that drains the inbox off the request thread.

One loop thread claims events (woken by the webhook, or every `poll_seconds` to pick up
events stored by other processes and ones left behind by a crash) and hands them to a
thread pool. Claims are bounded by free threads, so nothing is claimed that cannot start.

Outages: whatever a poll raises (database down, SQLite locked, a bug), the free-thread permits
it took are given back and the loop tries again with backoff and jitter; the outage is logged
once when it starts and once when it ends (outage.OutageTracker). Writes that failed after an
event was handled (its final status, or giving its claim back) are kept and retried first.

Shutdown (SIGTERM, see gunicorn.conf.py): `begin_shutdown()` stops claiming and cuts LINE
retries short; `stop(grace)` lets in-flight events finish within the grace period and gives
back the claims of those whose handler has not committed, so the next process takes them at
once instead of after the lease.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor

from linebot_app.bot import Bot
from linebot_app.delivery.inbox import ClaimedEvent
from linebot_app.delivery.outage import Backoff, describe_error, is_database_unavailable
from linebot_app.delivery.processing import EventNotFinished, process_event
from linebot_app.delivery.quota import requeue_held_pushes, young_held_pushes_exist

log = logging.getLogger(__name__)


class InboxWorker:
    def __init__(self, bot: Bot, threads: int | None = None, poll_seconds: float = 1.0):
        self.bot = bot
        self.threads = threads or bot.settings.worker_threads
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._db_answered = threading.Event()  # the webhook just stored events: it is back
        self._stop = threading.Event()
        self._stopping = threading.Event()  # no more claims (shutdown under way)
        self._free = threading.Semaphore(self.threads)
        self._pool: ThreadPoolExecutor | None = None
        self._loop: threading.Thread | None = None
        self._idle = threading.Condition()
        self._in_flight = 0
        self._active: dict[int, ClaimedEvent] = {}
        self._unfinished: deque[EventNotFinished] = deque()
        self._unfinished_lock = threading.Lock()
        self._next_push_sweep = 0.0
        self._next_give_up = 0.0
        self._backoff = Backoff(
            bot.settings.worker_retry_initial_seconds, bot.settings.worker_retry_max_seconds
        )
        self._last_bug: str | None = None
        self.polls_failed = 0
        self.last_progress = time.monotonic()  # a successful claim, or an event finished

    @property
    def lease(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.bot.settings.inbox_lease_seconds)

    @property
    def alive(self) -> bool:
        """The loop thread is running (False once stopped, or if it died)."""
        return self._loop is not None and self._loop.is_alive()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    @property
    def unfinished(self) -> int:
        """Handled events whose final write is waiting for the database."""
        return len(self._unfinished)

    def start(self) -> InboxWorker:
        if self._loop is not None:
            return self
        try:
            released = self.bot.inbox.release_dead_local_claims()
        except Exception as error:  # the database may be down at start-up: the loop retries
            self.bot.db_outage.failed(error, "worker start")
            released = 0
        if released:
            log.warning("re-queued %d event(s) left in flight by a stopped process", released)
        self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="inbox")
        self._loop = threading.Thread(target=self._run, name="inbox-loop", daemon=True)
        self._loop.start()
        self.notify()
        return self

    def notify(self) -> None:
        """Called by the webhook after storing events: claim them now rather than at next poll."""
        self._db_answered.set()
        self._wake.set()

    def begin_shutdown(self) -> None:
        """Stop claiming; LINE calls under way finish their attempt but are not retried."""
        if not self._stopping.is_set():
            self._stopping.set()
            self.bot.line.interrupt_retries()
            self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Let in-flight events finish for up to `timeout` seconds, then give back the rest."""
        self.begin_shutdown()
        finished = self.wait_idle(timeout)
        self._stop.set()
        self._wake.set()
        if self._loop is not None:
            self._loop.join(max(1.0, self.bot.settings.worker_retry_max_seconds))
        released = 0 if finished else self._release_active()
        if released:
            log.warning("shutdown: gave back %d event(s) that could not finish in time", released)
        try:
            self._retry_unfinished()
        except Exception as error:
            log.warning(
                "shutdown: %d handled event(s) not recorded (%s); they are taken over after "
                "the lease",
                len(self._unfinished),
                describe_error(error),
            )
        if self._pool is not None:
            self._pool.shutdown(wait=finished, cancel_futures=True)
        self._loop = None

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Tests, benchmarks and shutdown: wait until no event is being handled."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout)

    # --- loop ---------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._loop_until_stopped()
        except BaseException:
            log.critical("the inbox loop thread has died; /healthz now answers 503")
            raise

    def _loop_until_stopped(self) -> None:
        delay = self.poll_seconds
        while not self._stop.is_set():
            self._wait(delay)
            if self._stop.is_set():
                break
            try:
                self._poll()
            except Exception as error:
                self.polls_failed += 1
                self._record_failure(error)
                delay = self._backoff.next_delay()
                continue
            self._backoff.reset()
            self._last_bug = None
            self.bot.db_outage.succeeded()
            delay = self.poll_seconds

    def _wait(self, delay: float) -> None:
        """Sleep until the next poll; while failing, only the webhook's news cuts it short."""
        if not self._backoff.failures:
            self._wake.wait(delay)
            self._wake.clear()
            return
        deadline = time.monotonic() + delay
        self._db_answered.clear()
        while not self._stop.is_set() and not self._db_answered.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self._wake.wait(left)
            self._wake.clear()

    def _record_failure(self, error: Exception) -> None:
        if is_database_unavailable(error):
            self.bot.db_outage.failed(error, "inbox worker")
            return
        described = describe_error(error)
        if described != self._last_bug:  # a bug: its traceback once, not on every poll
            self._last_bug = described
            log.exception("inbox loop error; retrying with backoff")

    def _poll(self) -> None:
        self._retry_unfinished()
        if self._stopping.is_set():
            return
        while not self._stop.is_set() and not self._stopping.is_set():
            if not self._claim_and_submit():
                break
        if time.monotonic() >= self._next_push_sweep:  # not on every wake: a write transaction
            self._next_push_sweep = time.monotonic() + self.poll_seconds
            self._sweep_pushes()

    def _claim_and_submit(self) -> bool:
        """Claim as many events as there are free threads; True if any were claimed.

        Permits not used by a claim are always given back, whatever the claim raises.
        """
        slots = 0
        while self._free.acquire(blocking=False):
            slots += 1
        if slots == 0:
            return False
        claimed: list[ClaimedEvent] = []
        try:
            claimed = self.bot.inbox.claim(slots, self.bot.clock.now(), self.lease)
            self.last_progress = time.monotonic()
        finally:
            for _ in range(slots - len(claimed)):
                self._free.release()
        for index, item in enumerate(claimed):
            with self._idle:
                self._in_flight += 1
                self._active[item.id] = item
            try:
                self._pool.submit(self._handle, item)
            except RuntimeError:  # the pool is shutting down: give these back
                for left in claimed[index:]:
                    self._done(left)
                    self._unfinished.append(
                        EventNotFinished(RuntimeError("shutdown"), _releaser(self.bot, left))
                    )
                raise
        return bool(claimed)

    def _handle(self, item: ClaimedEvent) -> None:
        try:
            process_event(self.bot, item)
        except EventNotFinished as pending:
            self.bot.db_outage.failed(pending.cause, "event " + str(item.id))
            with self._unfinished_lock:
                self._unfinished.append(pending)
        except Exception as error:  # e.g. the database failed while sending its pushes
            if is_database_unavailable(error):
                self.bot.db_outage.failed(error, "pushes of event " + str(item.id))
            else:
                log.exception("event %s: unexpected error after handling", item.id)
        finally:
            self._done(item)

    def _done(self, item: ClaimedEvent) -> None:
        self._free.release()
        self.last_progress = time.monotonic()
        with self._idle:
            self._in_flight -= 1
            self._active.pop(item.id, None)
            self._idle.notify_all()
        self._wake.set()  # a later event of the same chat may now be claimable

    def _retry_unfinished(self) -> None:
        """Write what handled events left unwritten during an outage, oldest first."""
        while True:
            with self._unfinished_lock:
                if not self._unfinished:
                    return
                pending = self._unfinished[0]
            pending.finish()  # raises while the database is still down: retried next poll
            with self._unfinished_lock:
                self._unfinished.popleft()

    def _release_active(self) -> int:
        with self._idle:
            active = list(self._active.values())
        released = 0
        for item in active:
            try:
                released += self.bot.inbox.release(item, only_unanswered=True)
            except Exception as error:
                log.warning("shutdown: could not give back event %s: %s", item.id, error)
        return released

    def _sweep_pushes(self) -> None:
        """Pushes whose sender died, ones LINE could not take, and held ones once quota is back."""
        bot = self.bot
        hours = bot.settings.quota_hold_hours
        if bot.quota.check(lambda: young_held_pushes_exist(bot.db, bot.clock.now(), hours)):
            requeued = requeue_held_pushes(bot.db, bot.clock.now(), hours)
            log.info("re-queued %d push(es) held for the monthly quota", requeued)
        if bot.quota.blocked:
            return
        if time.monotonic() >= self._next_give_up:  # a rare case: once a minute is enough
            self._next_give_up = time.monotonic() + 60
            bot.outbox.give_up_old_retries(bot.clock.now())
        claimed = bot.outbox.claim(bot.clock.now(), self.lease)
        if claimed:
            bot.outbox.send(claimed, bot.clock.now)


def _releaser(bot: Bot, item: ClaimedEvent):
    return lambda: bot.inbox.release(item)
