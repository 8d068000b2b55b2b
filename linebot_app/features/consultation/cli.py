"""Staff and scheduler commands:

flask --app linebot_app requests list [--since YYYY-MM-DD] [--status open]
flask --app linebot_app requests export [--since YYYY-MM-DD] [--output FILE]   (CSV, UTF-8 BOM)
flask --app linebot_app requests history ID
flask --app linebot_app requests purge
flask --app linebot_app send-reminders        (daily, from the platform's scheduler)
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from linebot_app.features.consultation.config import Wording
from linebot_app.features.consultation.models import ConsultationRequest, RequestStatus
from linebot_app.features.consultation.patient_input import display_phone
from linebot_app.features.consultation.privacy import purge_expired_conversations, purge_unfollowed
from linebot_app.features.consultation.reminders import send_reminders
from linebot_app.features.consultation.requests import requests_since

requests_cli = AppGroup("requests", help="Consultation requests (預約諮詢).")
CSV_COLUMNS = [
    "id",
    "created",
    "status",
    "service",
    "preferred_time",
    "confirmed_time",
    "name",
    "phone",
    "reminder_sent",
    "personal_data_deleted",
]


def _bot():
    return current_app.extensions["bot"]


def _wording() -> Wording:
    bot = _bot()
    return Wording(bot.consultation, bot.clinic)


def _since(value: dt.date | None) -> dt.datetime | None:
    if value is None:
        return None
    return dt.datetime.combine(value, dt.time(0, 0), tzinfo=_bot().clinic.tz)


def _local(moment: dt.datetime | None) -> str:
    return moment.astimezone(_bot().clinic.tz).strftime("%Y-%m-%d %H:%M") if moment else ""


def _row(request: ConsultationRequest, wording: Wording) -> list[str]:
    return [
        str(request.id),
        _local(request.created_at),
        wording.config.status_label(request.status),
        request.service_label,
        _local(request.preferred_at),
        _local(request.appointment_at),
        request.patient_name or "",
        display_phone(request.phone),
        _local(request.reminder_sent_at),
        _local(request.personal_data_deleted_at),
    ]


def requests_csv(found: list[ConsultationRequest]) -> str:
    """The export: UTF-8 text with a BOM, so Excel shows the Chinese (the console uses it too)."""
    wording = _wording()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_row(request, wording) for request in found)
    return "\ufeff" + buffer.getvalue()


def _selected(since: dt.date | None, status: str | None) -> list[ConsultationRequest]:
    with _bot().db.session() as session:
        return requests_since(session, _since(since), status)


since_option = click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Only requests sent on or after this day (clinic time).",
)


@requests_cli.command("list")
@since_option
@click.option("--status", type=click.Choice(RequestStatus.ALL), default=None)
def list_requests(since: dt.datetime | None, status: str | None) -> None:
    """Print requests, one per line (tab-separated)."""
    wording = _wording()
    found = _selected(since.date() if since else None, status)
    click.echo("\t".join(CSV_COLUMNS))
    for request in found:
        click.echo("\t".join(_row(request, wording)))
    click.echo(f"{len(found)} request(s)", err=True)


@requests_cli.command("export")
@since_option
@click.option("--status", type=click.Choice(RequestStatus.ALL), default=None)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="CSV file to write (default: consultation-requests-<today>.csv; - for stdout).",
)
def export_requests(since: dt.datetime | None, status: str | None, output: str | None) -> None:
    """Write requests as CSV in UTF-8 with a BOM, so Excel shows the Chinese correctly."""
    found = _selected(since.date() if since else None, status)
    data = requests_csv(found)
    if output == "-":
        sys.stdout.buffer.write(data.encode("utf-8"))
        return
    today = _bot().clock.now().astimezone(_bot().clinic.tz).date()
    path = output or f"consultation-requests-{today:%Y%m%d}.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(data)
    click.echo(f"wrote {len(found)} request(s) to {path}")


@requests_cli.command("history")
@click.argument("request_id", type=int)
def request_history(request_id: int) -> None:
    """Every status change of one request: when, from → to, who."""
    with _bot().db.session() as session:
        request = session.get(ConsultationRequest, request_id)
        if request is None:
            raise click.ClickException(f"no request #{request_id}")
        for change in request.history:
            who = " ".join(x for x in (change.actor_kind, change.actor_id, change.via) if x)
            note = f" ({change.note})" if change.note else ""
            click.echo(
                f"{_local(change.at)}\t{change.from_status or '-'} → {change.to_status}"
                f"\t{who}{note}"
            )


@requests_cli.command("purge")
def purge() -> None:
    """Delete personal data that is due to go (unfollowed past the grace period, abandoned
    bookings). `send-reminders` does this too."""
    bot, wording = _bot(), _wording()
    now = bot.clock.now()
    with bot.db.session() as session:
        users = purge_unfollowed(
            session, now, wording.config.unfollow_grace, bot.settings.staff_group_id
        )
        conversations = purge_expired_conversations(session, now)
    click.echo(f"purged {users} patient(s) and {conversations} abandoned booking(s)")


@click.command("send-reminders")
@with_appcontext
def send_reminders_command() -> None:
    """Remind patients of tomorrow's confirmed consultations (once each); run daily."""
    report = send_reminders(_bot(), _wording())
    click.echo(
        f"reminders: {report.reminders_sent} sent of {report.reminders_queued} due; "
        f"purged {report.users_purged} patient(s), "
        f"{report.conversations_purged} abandoned booking(s)"
    )
    if report.reminders_sent < report.reminders_queued:
        raise click.ClickException(
            "some reminders were not accepted by LINE; they are retried by the running app's outbox"
        )


def register_cli(app: Flask) -> None:
    app.cli.add_command(requests_cli)
    app.cli.add_command(send_reminders_command)
