"""The daily job (`flask --app linebot_app send-reminders`): remind patients of tomorrow's
confirmed consultations, once each, then purge personal data that is due to go.

Each reminder is marked sent in the same transaction that queues its push in the outbox (with
its retry key), so running the job twice, or concurrently, never reminds anyone twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import update

from linebot_app.bot import Bot
from linebot_app.content.clinic import when_text
from linebot_app.features.consultation.config import Wording
from linebot_app.features.consultation.models import ConsultationRequest
from linebot_app.features.consultation.privacy import purge_expired_conversations, purge_unfollowed
from linebot_app.features.consultation.requests import confirmed_between
from linebot_app.line import render
from linebot_app.logs import logfmt

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DailyReport:
    reminders_queued: int
    reminders_sent: int
    users_purged: int
    conversations_purged: int


def tomorrow_bounds(now: dt.datetime, tz) -> tuple[dt.datetime, dt.datetime]:
    """Start and end (exclusive) of tomorrow in the clinic's time zone."""
    day = now.astimezone(tz).date() + dt.timedelta(days=1)
    start = dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz)
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0), tzinfo=tz)


def send_reminders(bot: Bot, wording: Wording) -> DailyReport:
    now = bot.clock.now()
    start, end = tomorrow_bounds(now, bot.clinic.tz)
    push_ids = []
    with bot.db.session() as session:
        for request in confirmed_between(session, start, end):
            claimed = session.execute(
                update(ConsultationRequest)
                .where(
                    ConsultationRequest.id == request.id,
                    ConsultationRequest.reminder_sent_at.is_(None),
                )
                .values(reminder_sent_at=now)
            ).rowcount
            if not claimed:
                continue  # another run got it first
            when = when_text(request.appointment_at, bot.clinic.tz)
            message = render.text(wording.say("reminder", when=when))
            push = bot.outbox.enqueue(
                session, request.user_id, [message], now, f"reminder:{request.id}"
            )
            push_ids.append(push.id)
    lease = dt.timedelta(seconds=bot.settings.inbox_lease_seconds)
    sent = bot.outbox.send(bot.outbox.claim(now, lease, push_ids), bot.clock.now) if push_ids else 0
    with bot.db.session() as session:
        users = purge_unfollowed(
            session, now, wording.config.unfollow_grace, bot.settings.staff_group_id
        )
        conversations = purge_expired_conversations(session, now)
    report = DailyReport(len(push_ids), sent, users, conversations)
    log.info(
        logfmt(
            job="send-reminders",
            queued=report.reminders_queued,
            sent=report.reminders_sent,
            purged_users=users,
            purged_conversations=conversations,
        )
    )
    return report
