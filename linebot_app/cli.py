"""Command-line tools on `flask --app linebot_app ...`."""

from __future__ import annotations

import importlib

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

db_cli = AppGroup("db", help="Database schema.")


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply all schema migrations (run by the Procfile's release phase)."""
    from linebot_app.storage.migrate import upgrade

    settings = current_app.config["SETTINGS"]
    upgrade(settings.database_url)
    click.echo(f"database schema is up to date ({current_app.extensions['bot'].db.dialect})")


inbox_cli = AppGroup("inbox", help="The webhook inbox and push outbox.")


@inbox_cli.command("prune")
@click.option(
    "--days",
    default=30,
    show_default=True,
    type=click.IntRange(min=0),
    help="Keep handled events and sent pushes this many days.",
)
def inbox_prune(days: int) -> None:
    """Delete handled webhook events and sent pushes older than --days (run daily)."""
    import datetime as dt

    from linebot_app.delivery.retention import prune

    bot = current_app.extensions["bot"]
    result = prune(bot.db, bot.clock.now() - dt.timedelta(days=days))
    click.echo(
        f"deleted {result.events} handled event(s) and {result.pushes} push(es) "
        f"older than {days} day(s)"
    )


@inbox_cli.command("status")
def inbox_status() -> None:
    """Count inbox events by status (pending, processing, done, expired, failed...) and pushes
    (pending, retry, sent, failed, quota: not sent for the monthly quota)."""
    bot = current_app.extensions["bot"]
    counts = bot.inbox.counts()
    for status, count in sorted(counts.items()):
        click.echo(f"{status:12s} {count}")
    if not counts:
        click.echo("the inbox is empty")
    from linebot_app.delivery.backlog import outbox_counts
    from linebot_app.delivery.quota import NOT_SENT_QUOTA

    for status, count in sorted(outbox_counts(bot.db).items()):
        note = "  (not sent: monthly message quota used up)" if status == NOT_SENT_QUOTA else ""
        click.echo(f"push {status:7s} {count}{note}")


@click.command("check-content")
def check_content_command() -> None:
    """Validate config/ and replies/: schema, LINE limits, banned wording, review status.

    The app refuses to start with errors, so reaching this command means there are none;
    it then lists the warnings (e.g. cards not yet reviewed by the clinic physician).
    """
    from linebot_app.content import check_content

    bot = current_app.extensions["bot"]
    settings = bot.settings
    errors, warnings = check_content(settings.replies_dir, settings.config_dir, bot.clinic)
    from linebot_app.review.cli import replace_review_warnings

    warnings = replace_review_warnings(bot, warnings)
    for line in errors:
        click.echo(f"error: {line}", err=True)
    for line in warnings:
        click.echo(f"warning: {line}")
    if errors:
        raise SystemExit(1)
    click.echo(f"content OK: {len(bot.replies.topics)} topics, {len(warnings)} warning(s)")


@click.command("listeners")
@with_appcontext
def listeners_command() -> None:
    """The dispatcher's final order: middleware for every event, then listeners (first match
    wins; every matcher of a listener must pass)."""
    for line in current_app.extensions["bot"].dispatcher.describe():
        click.echo(line)


@click.command("unmatched")
@click.option("--limit", default=50, show_default=True, help="How many questions to list.")
def unmatched_command(limit: int) -> None:
    """What patients asked that no topic answered (masked), most frequent first."""
    from linebot_app.understanding.unmatched import most_asked

    bot = current_app.extensions["bot"]
    with bot.db.session() as session:
        rows = most_asked(session, limit)
        if not rows:
            click.echo("no unmatched messages recorded")
        for row in rows:
            local = bot.clinic.local(row.last_seen)
            click.echo(f"{row.count:5d}  {local:%Y-%m-%d %H:%M}  {row.sample_text}")
        _clarified(bot, session, limit)


def _clarified(bot, session, limit: int) -> None:
    """Clarifying questions and the topic the patient tapped: examples to add to replies/."""
    from linebot_app.understanding.clarifications import answered_questions

    answered = answered_questions(session, limit)
    if not answered:
        return
    click.echo("\nasked back (您是想問…嗎？) and what the patient tapped: candidate examples")
    for row in answered:
        local = bot.clinic.local(row.chosen_at)
        click.echo(f"{row.chosen_topic:>13}  {local:%Y-%m-%d %H:%M}  {row.sample_text}")


class LazyGroup(click.Group):
    """A command group imported only when used, so web workers never load its dependencies
    (the rich menu's Pillow renderer)."""

    def __init__(self, name: str, import_path: str, help: str):
        super().__init__(name, help=help)
        self._import_path = import_path

    def _group(self) -> click.Group:
        module, attribute = self._import_path.split(":")
        return getattr(importlib.import_module(module), attribute)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._group().list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self._group().get_command(ctx, name)


def register_cli(app: Flask) -> None:
    from linebot_app.features.consultation.cli import register_cli as register_consultation_cli

    app.cli.add_command(
        LazyGroup(
            "richmenu",
            "linebot_app.richmenu.cli:richmenu_cli",
            help="Render and publish the clinic's LINE rich menu.",
        )
    )
    app.cli.add_command(db_cli)
    app.cli.add_command(inbox_cli)
    app.cli.add_command(check_content_command)
    app.cli.add_command(unmatched_command)
    app.cli.add_command(
        LazyGroup(
            "understanding",
            "linebot_app.understanding.cli:understanding_cli",
            help="The understanding step: train the topic classifier.",
        )
    )
    app.cli.add_command(listeners_command)
    register_consultation_cli(app)
