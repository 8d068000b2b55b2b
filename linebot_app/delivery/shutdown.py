"""Graceful shutdown under gunicorn (hooks in gunicorn.conf.py): every deploy and daily restart.

SIGTERM → the inbox worker stops claiming at once and LINE retries are cut short, while
gunicorn finishes the open webhook requests; then, in `worker_exit`, in-flight events get up to
SHUTDOWN_GRACE_SECONDS to finish and the ones whose handler has not committed are given back,
so the next process answers them at once instead of after the lease. Events not yet claimed
simply stay in the inbox. Nothing is answered twice: a given-back event's handler can no
longer commit here (inbox.mark_replying checks the claim).
"""

from __future__ import annotations

import logging
import signal
import sys

log = logging.getLogger(__name__)


def inbox_worker_of(gunicorn_worker=None):
    app = getattr(gunicorn_worker, "wsgi", None)
    extensions = getattr(app, "extensions", None)
    if extensions is None:  # the app is not the Flask app itself: use the WSGI module's
        module = sys.modules.get("linebot_app.wsgi")
        extensions = getattr(getattr(module, "app", None), "extensions", None) or {}
    return extensions.get("inbox_worker")


def install_sigterm_handler(gunicorn_worker) -> None:
    """Chain a handler before gunicorn's own SIGTERM handler (post_worker_init hook)."""
    previous = signal.getsignal(signal.SIGTERM)

    def on_sigterm(signum, frame) -> None:
        inbox = inbox_worker_of(gunicorn_worker)
        if inbox is not None:
            inbox.begin_shutdown()
        if callable(previous):
            previous(signum, frame)

    signal.signal(signal.SIGTERM, on_sigterm)
    signal.siginterrupt(signal.SIGTERM, False)  # as gunicorn has it: do not break open calls


def drain(gunicorn_worker) -> None:
    """worker_exit hook: let in-flight events finish within the grace period, give back the rest."""
    inbox = inbox_worker_of(gunicorn_worker)
    if inbox is None:
        return
    grace = inbox.bot.settings.shutdown_grace_seconds
    log.info("shutting down: up to %.0f s for events in flight", grace)
    inbox.stop(timeout=grace)
    inbox.bot.db.dispose()
