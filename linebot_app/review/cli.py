"""Review from a terminal:

flask --app linebot_app content status                 every card and its review state
flask --app linebot_app content review TOPIC --by EMAIL a physician signs a card off
flask --app linebot_app content export [--dir DIR]      console FAQ cards as replies/*.yaml,
                                                        taught phrases as replies/_taught.yaml
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from linebot_app.console.audit import AuditActor
from linebot_app.review.faq import export_all
from linebot_app.review.models import Decision
from linebot_app.review.state import (
    ReviewRefused,
    card_states,
    physician_account,
    record_decision,
    waiting_medical_cards,
)
from linebot_app.review.teaching import TAUGHT_FILE, export_taught_file, taught_rows

content_cli = AppGroup("content", help="Physician review of the reply cards.")


def _bot():
    return current_app.extensions["bot"]


def review_lines(bot) -> list[str]:
    """'topic  kind  state' for every card, from the database."""
    with bot.db.session() as session:
        states = card_states(session, bot.live_cards.review_library(session), bot.clinic)
    width = max((len(s.topic) for s in states), default=5)
    return [f"{s.topic:{width}s}  {s.card.kind:8s} {s.describe(bot.clinic.tz)}" for s in states]


def replace_review_warnings(bot, warnings: list[str]) -> list[str]:
    """check-content: the review state from the database instead of the YAML `review:` fields
    (kept when the database cannot be read, e.g. before `flask db upgrade`)."""
    try:
        with bot.db.session() as session:
            states = card_states(session, bot.live_cards.review_library(session), bot.clinic)
    except Exception as error:
        return [*warnings, f"review state not read from the database ({error.__class__.__name__})"]
    kept = [w for w in warnings if not w.endswith("review: not yet reviewed by the physician")]
    tz = bot.clinic.tz
    return kept + [
        f"replies/{s.topic}.yaml: review: {s.describe(tz)}" for s in states if not s.is_signed_off
    ]


@content_cli.command("status")
def content_status() -> None:
    """Every card: signed off by whom and when, changed since review, sent back, or waiting."""
    bot = _bot()
    for line in review_lines(bot):
        click.echo(line)
    with bot.db.session() as session:
        library = bot.live_cards.review_library(session)
        waiting = waiting_medical_cards(card_states(session, library, bot.clinic))
    required = "on" if bot.settings.content_review_required else "off"
    click.echo(
        f"{len(waiting)} medical card(s) without a valid sign-off "
        f"(CONTENT_REVIEW_REQUIRED is {required})"
    )


@content_cli.command("review")
@click.argument("topic")
@click.option("--by", "email", required=True, help="The physician's console e-mail.")
def content_review(topic: str, email: str) -> None:
    """Sign off TOPIC's current wording as physician EMAIL (an active physician account)."""
    bot = _bot()
    try:
        with bot.db.session() as session:
            account = physician_account(session, email)
            actor = AuditActor(label=account.email, account_id=account.id, via="cli")
            row = record_decision(
                session,
                bot.clock.now(),
                topic=topic,
                library=bot.live_cards.review_library(session),
                clinic=bot.clinic,
                decision=Decision.SIGNED_OFF,
                account=account,
                actor=actor,
            )
    except ReviewRefused as refused:
        raise click.ClickException(f"refused: {refused}") from refused
    bot.services.topics.gate.invalidate()
    bot.live_cards.invalidate()
    click.echo(f"signed off {topic} as {row.reviewer_email} (sha256 {row.content_hash[:12]})")


@content_cli.command("export")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write the YAML files (default: the replies directory in use).",
)
def content_export(directory: Path | None) -> None:
    """Write every console FAQ card as replies/<topic>.yaml (with its sign-off, if valid) and
    the phrasings taught on the Unanswered page into replies/_taught.yaml."""
    bot = _bot()
    directory = directory or bot.settings.replies_dir
    with bot.db.session() as session:
        library = bot.live_cards.review_library(session)
        states = {s.topic: s for s in card_states(session, library, bot.clinic)}
        signed = {
            t: (s.latest.reviewer_email, s.latest.at.astimezone(bot.clinic.tz).date())
            for t, s in states.items()
            if s.is_signed_off
        }
        written = export_all(session, directory, signed)
        taught = taught_rows(session)
        if taught:
            export_taught_file(taught, directory / TAUGHT_FILE)
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(f"{len(written)} FAQ card(s) exported to {directory}")
    if taught:
        click.echo(f"{len(taught)} taught phrase(s) written to {directory / TAUGHT_FILE}")
