"""Confirmed consultations as an iCalendar feed that Google, Apple and Outlook subscribe to by
URL (/console/calendar/<token>.ics). The long random token is the only key: regenerating it
revokes the previous URL. Events carry the service, the request number and the patient's
name, never the phone.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from linebot_app.console.models import CalendarToken
from linebot_app.features.consultation.models import ConsultationRequest, RequestStatus

TOKEN_BYTES = 32
CONSULTATION_LENGTH = dt.timedelta(minutes=30)
FEED_PAST = dt.timedelta(days=30)


def feed_path(token: str) -> str:
    return f"/console/calendar/{token}.ics"


def active_token(session: Session) -> str | None:
    return session.scalar(
        select(CalendarToken.token)
        .where(CalendarToken.revoked_at.is_(None))
        .order_by(CalendarToken.id.desc())
        .limit(1)
    )


def regenerate_token(session: Session, now: dt.datetime) -> str:
    session.execute(
        update(CalendarToken).where(CalendarToken.revoked_at.is_(None)).values(revoked_at=now)
    )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(CalendarToken(token=token, created_at=now))
    session.flush()
    return token


def token_is_valid(session: Session, offered: str) -> bool:
    current = active_token(session)
    return current is not None and hmac.compare_digest(current.encode(), offered.encode())


def build_feed(session: Session, now: dt.datetime, clinic_name: str, tz_name: str) -> bytes:
    # Imported here: icalendar costs every worker 3.6 MiB, and only a subscribed calendar reads it.
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//Boston clinic LINE bot//console//ZH-TW")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{clinic_name} 諮詢預約")
    calendar.add("x-wr-timezone", tz_name)
    found = session.scalars(
        select(ConsultationRequest)
        .where(
            ConsultationRequest.status == RequestStatus.CONFIRMED,
            ConsultationRequest.appointment_at >= now - FEED_PAST,
        )
        .order_by(ConsultationRequest.appointment_at)
    )
    for request in found:
        event = Event()
        event.add("uid", f"consultation-{request.id}@linebot-console")
        event.add("dtstamp", request.updated_at)
        event.add("dtstart", request.appointment_at)
        event.add("dtend", request.appointment_at + CONSULTATION_LENGTH)
        name = request.patient_name or "（已刪除）"
        event.add("summary", f"#{request.id} {request.service_label}：{name}")
        event.add("description", f"諮詢預約 #{request.id}，{request.service_label}")
        calendar.add_component(event)
    return calendar.to_ical()
