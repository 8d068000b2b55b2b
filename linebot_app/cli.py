"""Command-line tools on `flask --app linebot_app ...`."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

db_cli = AppGroup("db", help="Database schema.")


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply all schema migrations (run by the Procfile's release phase)."""
    from linebot_app.migrate import upgrade

    settings = current_app.config["SETTINGS"]
    upgrade(settings.database_url)
    click.echo(f"database schema is up to date ({current_app.extensions['bot'].db.dialect})")


@click.command("check-config")
def check_config() -> None:
    """Validate config/ (the app has already loaded it to get here)."""
    bot = current_app.extensions["bot"]
    click.echo(f"config OK: {bot.clinic.name}, {len(bot.clinic.opening_hours)} opening days")


def register_cli(app: Flask) -> None:
    from linebot_app.consultation.cli import register_cli as register_consultation_cli
    from linebot_app.richmenu.cli import register_cli as register_richmenu_cli

    app.cli.add_command(db_cli)
    app.cli.add_command(check_config)
    register_richmenu_cli(app)
    register_consultation_cli(app)
