"""LINE Official Account bot for 波士頓醫美診所: Flask app factory.

`create_app()` builds the app from the environment (or given settings). It does not start the
inbox worker: the WSGI entry point (`linebot_app.wsgi`) does, so CLI commands stay quiet.
"""

from __future__ import annotations

import logging
import sys

from flask import Flask

from linebot_app.bot import Bot, build_bot
from linebot_app.clock import Clock
from linebot_app.content.yaml_config import ConfigError
from linebot_app.delivery.worker import InboxWorker
from linebot_app.logs import configure_logging
from linebot_app.settings import Settings, SettingsError, load_settings

log = logging.getLogger(__name__)


class StartupRefused(SystemExit):
    """Settings, config or content are invalid; every problem has been printed, one per line.

    A SystemExit, so gunicorn and the flask CLI stop with a clear list instead of a traceback.
    """

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(2)


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> Flask:
    configure_logging()
    try:
        settings = settings or load_settings()
        bot = build_bot(settings, clock or Clock())
    except (SettingsError, ConfigError) as error:
        print(f"The bot cannot start: {len(error.problems)} problem(s):", file=sys.stderr)
        for problem in error.problems:
            print(f"- {problem}", file=sys.stderr)
        raise StartupRefused(error.problems) from error
    for warning in settings.warnings:
        log.warning(warning)

    from linebot_app.features import register_handlers

    register_handlers(bot)

    app = Flask(__name__, instance_relative_config=False)
    app.config["SETTINGS"] = settings
    app.config["MAX_CONTENT_LENGTH"] = None  # the webhook enforces its own limit (413)
    app.extensions["bot"] = bot

    from linebot_app import metrics
    from linebot_app.delivery.health import health
    from linebot_app.delivery.webhook import webhook

    app.register_blueprint(webhook)
    app.register_blueprint(health)
    metrics.init_app(app)
    if settings.sandbox:
        from linebot_app.sandbox import register_sandbox

        register_sandbox(app)

    from linebot_app import console, review

    console.init_app(app)
    review.init_app(app)

    from linebot_app.cli import register_cli

    register_cli(app)
    return app


def start_worker(app: Flask) -> InboxWorker:
    """Start draining the inbox in this process (idempotent)."""
    worker = app.extensions.get("inbox_worker")
    if worker is None:
        worker = InboxWorker(app.extensions["bot"]).start()
        app.extensions["inbox_worker"] = worker
    return worker


__all__ = ["Bot", "create_app", "start_worker"]
