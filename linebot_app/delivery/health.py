"""GET /healthz: the liveness check a platform restarts the process on.

200 while this process can do its job; 503 when the database does not answer, when the inbox
worker's loop thread has died, or when events have waited longer than HEALTH_BACKLOG_SECONDS
while the worker made no progress (no claim and no event finished in that time), i.e. a
worker that is alive but stuck. The JSON reports the backlog either way.
"""

from __future__ import annotations

import logging
import time

from flask import Blueprint, current_app, jsonify

from linebot_app.delivery.backlog import inbox_backlog
from linebot_app.delivery.outage import DATABASE_ERRORS, describe_error

log = logging.getLogger(__name__)

health = Blueprint("health", __name__)


def _worker_state(worker) -> tuple[str, float | None]:
    if worker is None:
        return "not started", None
    if worker.stopping:
        return "stopping", time.monotonic() - worker.last_progress
    if not worker.alive:
        return "dead", None
    return "running", time.monotonic() - worker.last_progress


@health.get("/healthz")
def healthz():
    bot = current_app.extensions["bot"]
    worker = current_app.extensions.get("inbox_worker")
    state, idle_for = _worker_state(worker)
    try:
        bot.db.ping()
        backlog = inbox_backlog(bot.db, bot.clock.now())
    except DATABASE_ERRORS as exc:
        log.info("health check: database unavailable: %s", describe_error(exc))
        return jsonify({"status": "unavailable", "database": "error", "worker": state}), 503
    threshold = bot.settings.health_backlog_seconds
    problems = []
    if state == "dead":
        problems.append("the inbox worker's loop thread has died")
    stuck = (
        idle_for is not None
        and backlog.pending
        and backlog.oldest_pending_age_seconds > threshold
        and idle_for > threshold
    )
    if stuck:
        problems.append(
            f"events have waited {backlog.oldest_pending_age_seconds:.0f} s and the worker "
            f"has made no progress for {idle_for:.0f} s"
        )
    body = {
        "status": "unavailable" if problems else "ok",
        "database": bot.db.dialect,
        "worker": state,
        "sandbox": bot.settings.sandbox,
        "backlog": {
            "pending": backlog.pending,
            "in_flight": backlog.in_flight,
            "oldest_pending_age_seconds": round(backlog.oldest_pending_age_seconds, 1),
            "threshold_seconds": threshold,
        },
        "worker_idle_seconds": None if idle_for is None else round(idle_for, 1),
        "unrecorded_events": worker.unfinished if worker is not None else 0,
        "push_quota": "used up" if bot.quota.blocked else "ok",
    }
    if problems:
        body["problems"] = problems
        log.warning("health check failing: %s", "; ".join(problems))
        return jsonify(body), 503
    return jsonify(body)
