"""GET /healthz: 200 when the app and its database answer, 503 otherwise."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

health = Blueprint("health", __name__)


@health.get("/healthz")
def healthz():
    bot = current_app.extensions["bot"]
    try:
        bot.db.ping()
    except SQLAlchemyError as exc:
        log.error("health check: database unavailable: %s", exc.__class__.__name__)
        return jsonify({"status": "unavailable", "database": "error"}), 503
    worker = current_app.extensions.get("inbox_worker")
    return jsonify(
        {
            "status": "ok",
            "database": bot.db.dialect,
            "worker": "running" if worker is not None else "not started",
            "sandbox": bot.settings.sandbox,
        }
    )
