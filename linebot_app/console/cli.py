"""Console accounts from the command line (no default accounts exist):

flask --app linebot_app staff add EMAIL --role staff|physician|admin [--name NAME]
flask --app linebot_app staff list
flask --app linebot_app staff disable EMAIL
flask --app linebot_app staff reset-password EMAIL
flask --app linebot_app staff calendar-url [--regenerate] [--base-url https://...]

Passwords come from STAFF_PASSWORD when set, otherwise they are asked twice (hidden).
"""

from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import AppGroup

from linebot_app.console.accounts import (
    AccountError,
    create_account,
    disable_account,
    find_account,
    set_password,
)
from linebot_app.console.audit import AuditActor, record_audit
from linebot_app.console.calendar import active_token, feed_path, regenerate_token
from linebot_app.console.models import Role, StaffAccount

staff_cli = AppGroup("staff", help="Staff console accounts and the calendar feed URL.")
CLI_ACTOR = AuditActor(label="cli", via="cli")


def _bot():
    return current_app.extensions["bot"]


def _password() -> str:
    password = os.environ.get("STAFF_PASSWORD")
    if password is None:
        password = click.prompt(
            "Password (12+ characters)", hide_input=True, confirmation_prompt=True
        )
    return password


@staff_cli.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(Role.ALL), required=True)
@click.option("--name", default=None, help="Shown in the console (default: the e-mail's name).")
def add(email: str, role: str, name: str | None) -> None:
    """Create an account."""
    bot = _bot()
    password = _password()
    now = bot.clock.now()
    try:
        with bot.db.session() as session:
            account = create_account(session, email, role, name, password, now)
            record_audit(session, now, CLI_ACTOR, "account.create", f"account:{account.id}", role)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"created {account.email} ({role})")


@staff_cli.command("list")
def list_accounts() -> None:
    """Every account: e-mail, role, name, active, last login."""
    with _bot().db.session() as session:
        accounts = session.query(StaffAccount).order_by(StaffAccount.id).all()
    for account in accounts:
        state = "active" if account.is_active else "disabled"
        last = account.last_login_at.isoformat(timespec="minutes") if account.last_login_at else "-"
        click.echo(f"{account.email}\t{account.role}\t{account.name}\t{state}\t{last}")
    click.echo(f"{len(accounts)} account(s)", err=True)


def _change(email: str, action: str, change) -> None:
    bot = _bot()
    now = bot.clock.now()
    try:
        with bot.db.session() as session:
            account = find_account(session, email)
            if account is None:
                raise click.ClickException(f"no account {email}")
            change(account)
            record_audit(session, now, CLI_ACTOR, action, f"account:{account.id}")
    except AccountError as error:
        raise click.ClickException(str(error)) from error


@staff_cli.command("disable")
@click.argument("email")
def disable(email: str) -> None:
    """Disable an account (its sessions end at once)."""
    _change(email, "account.disable", disable_account)
    click.echo(f"disabled {email}")


@staff_cli.command("reset-password")
@click.argument("email")
def reset_password(email: str) -> None:
    """Set a new password (its sessions end at once)."""
    password = _password()
    _change(email, "account.reset_password", lambda account: set_password(account, password))
    click.echo(f"new password set for {email}")


@staff_cli.command("calendar-url")
@click.option("--regenerate", is_flag=True, help="Make a new URL; the old one stops working.")
@click.option("--base-url", default=None, help="The console's public address, e.g. https://x.")
def calendar_url(regenerate: bool, base_url: str | None) -> None:
    """Print the confirmed consultations' iCalendar feed URL (made on first use)."""
    bot = _bot()
    now = bot.clock.now()
    with bot.db.session() as session:
        token = active_token(session)
        if token is None or regenerate:
            token = regenerate_token(session, now)
            record_audit(session, now, CLI_ACTOR, "calendar.regenerate", "calendar")
    base = (base_url or f"http://127.0.0.1:{bot.settings.port}").rstrip("/")
    click.echo(base + feed_path(token))
