"""The clinic's staff console at /console/: requests, hand-overs, patients, insights and the
calendar feed, behind a login (Flask-Login, Flask-WTF CSRF, argon2 passwords).

`init_app(app)` registers the blueprint, sessions and the `staff` commands. This __init__
stays import-light: `model_registry` imports `console.models`.
"""

from __future__ import annotations

import logging
import secrets

from flask import Flask

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    from linebot_app.console import pages  # noqa: F401  (registers the views)
    from linebot_app.console.blueprint import console, csrf, login_manager
    from linebot_app.console.cli import staff_cli
    from linebot_app.console.demo import create_demo_accounts
    from linebot_app.console.security import configure_sessions

    bot = app.extensions["bot"]
    secret_key = bot.settings.secret_key
    if not secret_key:
        secret_key = secrets.token_hex(32)
        log.warning("console: no SECRET_KEY in the settings; sessions end when the process does")
    configure_sessions(app, secret_key)
    csrf.init_app(app)
    login_manager.init_app(app)
    app.register_blueprint(console)
    app.cli.add_command(staff_cli)
    if bot.settings.console_demo_account:
        create_demo_accounts(bot)
