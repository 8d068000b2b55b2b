"""Consultation requests in the database: creating one exactly once, status changes with an
audit row each, and the queries the chat, the staff and the CLI need.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from linebot_app.features.consultation.models import (
    ConsultationRequest,
    RequestStatus,
    StatusChange,
)

# Which status may follow which; confirmed → confirmed is a new time.
TRANSITIONS = {
    RequestStatus.OPEN: {RequestStatus.CONTACTED, RequestStatus.CONFIRMED, RequestStatus.CANCELLED},
    RequestStatus.CONTACTED: {RequestStatus.CONFIRMED, RequestStatus.CANCELLED},
    RequestStatus.CONFIRMED: {RequestStatus.CONFIRMED, RequestStatus.CANCELLED},
    RequestStatus.CANCELLED: set(),
}


@dataclass(frozen=True)
class Actor:
    """Who changed a request: kind patient|staff|system, their LINE user ID, and from where."""

    kind: str
    user_id: str | None = None
    via: str | None = None


@dataclass(frozen=True)
class NewRequest:
    flow_token: str
    user_id: str
    service_key: str
    service_label: str
    preferred_at: dt.datetime
    patient_name: str
    phone: str
    consent_at: dt.datetime


def find_by_token(session: Session, flow_token: str) -> ConsultationRequest | None:
    return session.scalar(
        select(ConsultationRequest).where(ConsultationRequest.flow_token == flow_token)
    )


def create_request(session: Session, new: NewRequest, now: dt.datetime) -> ConsultationRequest:
    """Insert the request and its first history row; the flow token is unique, so a second
    submit of the same conversation cannot add a row (the caller checks `find_by_token` first)."""
    request = ConsultationRequest(
        flow_token=new.flow_token,
        user_id=new.user_id,
        service_key=new.service_key,
        service_label=new.service_label,
        preferred_at=new.preferred_at,
        patient_name=new.patient_name,
        phone=new.phone,
        consent_at=new.consent_at,
        status=RequestStatus.OPEN,
        created_at=now,
        updated_at=now,
    )
    session.add(request)
    session.add(
        StatusChange(
            request=request,
            from_status=None,
            to_status=RequestStatus.OPEN,
            actor_kind="patient",
            actor_id=new.user_id,
            via="line",
            at=now,
        )
    )
    session.flush()
    return request


def lock_request(session: Session, request_id: int) -> ConsultationRequest | None:
    """The request, locked for this transaction on PostgreSQL (a patient cancelling while staff
    confirm are serialised); SQLite serialises writers anyway."""
    query = select(ConsultationRequest).where(ConsultationRequest.id == request_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.scalar(query)


def can_change(request: ConsultationRequest, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(request.status, set())


def change_status(
    session: Session,
    request: ConsultationRequest,
    to_status: str,
    actor: Actor,
    now: dt.datetime,
    *,
    appointment_at: dt.datetime | None = None,
    note: str | None = None,
) -> StatusChange:
    """Move the request (the caller checked `can_change`) and record who did it and when."""
    change = StatusChange(
        request=request,
        from_status=request.status,
        to_status=to_status,
        actor_kind=actor.kind,
        actor_id=actor.user_id,
        via=actor.via,
        note=note,
        at=now,
    )
    session.add(change)
    request.status = to_status
    request.updated_at = now
    if appointment_at is not None and appointment_at != request.appointment_at:
        request.appointment_at = appointment_at
        request.reminder_sent_at = None
    return change


def requests_of(session: Session, user_id: str, limit: int = 10) -> list[ConsultationRequest]:
    return list(
        session.scalars(
            select(ConsultationRequest)
            .where(ConsultationRequest.user_id == user_id)
            .order_by(ConsultationRequest.id.desc())
            .limit(limit)
        )
    )


def requests_since(
    session: Session, since: dt.datetime | None, status: str | None = None
) -> list[ConsultationRequest]:
    query = select(ConsultationRequest).order_by(ConsultationRequest.id)
    if since is not None:
        query = query.where(ConsultationRequest.created_at >= since)
    if status is not None:
        query = query.where(ConsultationRequest.status == status)
    return list(session.scalars(query))


def confirmed_between(
    session: Session, start: dt.datetime, end: dt.datetime
) -> list[ConsultationRequest]:
    """Confirmed requests with a patient to remind, appointment in [start, end), not reminded."""
    return list(
        session.scalars(
            select(ConsultationRequest)
            .where(
                ConsultationRequest.status == RequestStatus.CONFIRMED,
                ConsultationRequest.appointment_at >= start,
                ConsultationRequest.appointment_at < end,
                ConsultationRequest.reminder_sent_at.is_(None),
                ConsultationRequest.user_id.is_not(None),
            )
            .order_by(ConsultationRequest.appointment_at)
        )
    )
