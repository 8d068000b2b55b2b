"""What the console's pages show, read from the consultation tables (no writes here)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from linebot_app.console.models import StaffAccount
from linebot_app.features.consultation.models import (
    ConsultationRequest,
    HumanHandoff,
    RequestStatus,
    StatusChange,
)
from linebot_app.features.consultation.patient_input import display_phone
from linebot_app.storage.models import LineUser
from linebot_app.understanding.unmatched import UnmatchedMessage

PAGE_SIZE = 200


def mask_phone(phone: str | None) -> str:
    """0912 345 678 → 0912 ••• 678, 06 2527 333 → 06 •••• 333: enough to recognise a call
    back, not to read the number."""
    shown = display_phone(phone)
    digits = [i for i, c in enumerate(shown) if c.isdigit()]
    keep = 4 if len(digits) >= 10 else 2
    hidden = set(digits[keep:-3])
    return "".join("•" if i in hidden else c for i, c in enumerate(shown))


def local_day_start(day: dt.date, tz) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz)


@dataclass
class Today:
    new: list[ConsultationRequest]
    to_contact: list[ConsultationRequest]
    confirmed_today: list[ConsultationRequest]
    confirmed_tomorrow: list[ConsultationRequest]
    handoffs: list[tuple[HumanHandoff, str | None]]
    unanswered: int = 0  # distinct questions no card answered, not yet taught or dismissed


def today(session: Session, now: dt.datetime, tz) -> Today:
    start = local_day_start(now.astimezone(tz).date(), tz)
    tomorrow, after = start + dt.timedelta(days=1), start + dt.timedelta(days=2)
    req = ConsultationRequest
    new = session.scalars(
        select(req).where(req.created_at >= now - dt.timedelta(hours=24)).order_by(req.id.desc())
    ).all()
    to_contact = session.scalars(
        select(req).where(req.status == RequestStatus.OPEN).order_by(req.preferred_at)
    ).all()
    confirmed = session.scalars(
        select(req)
        .where(
            req.status == RequestStatus.CONFIRMED,
            req.appointment_at >= start,
            req.appointment_at < after,
        )
        .order_by(req.appointment_at)
    ).all()
    return Today(
        new=list(new),
        to_contact=list(to_contact),
        confirmed_today=[r for r in confirmed if r.appointment_at < tomorrow],
        confirmed_tomorrow=[r for r in confirmed if r.appointment_at >= tomorrow],
        handoffs=waiting_handoffs(session, now),
        unanswered=session.scalar(
            select(func.count())
            .select_from(UnmatchedMessage)
            .where(UnmatchedMessage.resolved_at.is_(None))
        )
        or 0,
    )


def waiting_handoffs(session: Session, now: dt.datetime) -> list[tuple[HumanHandoff, str | None]]:
    """Patients the bot is silent for, longest waiting first, with their LINE name."""
    rows = session.execute(
        select(HumanHandoff, LineUser.display_name)
        .outerjoin(LineUser, LineUser.user_id == HumanHandoff.user_id)
        .where(HumanHandoff.ended_at.is_(None), HumanHandoff.silent_until > now)
        .order_by(HumanHandoff.started_at)
    ).all()
    return [(handoff, name) for handoff, name in rows]


def find_requests(
    session: Session,
    *,
    status: str | None,
    first: dt.datetime | None,
    last: dt.datetime | None,
    text: str | None,
) -> list[ConsultationRequest]:
    req = ConsultationRequest
    query = select(req).order_by(req.id.desc()).limit(PAGE_SIZE)
    if status in RequestStatus.ALL:
        query = query.where(req.status == status)
    if first is not None:
        query = query.where(req.created_at >= first)
    if last is not None:
        query = query.where(req.created_at < last)
    if text:
        conditions = [req.patient_name.contains(text, autoescape=True)]
        digits = "".join(c for c in text if c.isdigit()).lstrip("0")
        if len(digits) >= 3:
            conditions.append(req.phone.contains(digits, autoescape=True))
        if text.lstrip("#").isdigit():
            conditions.append(req.id == int(text.lstrip("#")))
        query = query.where(or_(*conditions))
    return list(session.scalars(query))


def actor_labels(session: Session, changes: list[StatusChange]) -> dict[int, str]:
    """Who made each change, for people: 病患, a console account's name, a LINE staff member."""
    ids = {
        int(c.actor_id.split(":", 1)[1])
        for c in changes
        if c.actor_id and c.actor_id.startswith("console:") and c.actor_id[8:].isdigit()
    }
    names = {}
    if ids:
        names = dict(
            session.execute(
                select(StaffAccount.id, StaffAccount.name).where(StaffAccount.id.in_(ids))
            ).all()
        )
    labels = {}
    for change in changes:
        if change.actor_kind == "patient":
            labels[change.id] = "病患"
        elif change.actor_kind == "system":
            labels[change.id] = "系統"
        elif change.actor_id and change.actor_id.startswith("console:"):
            number = change.actor_id[8:]
            name = names.get(int(number)) if number.isdigit() else None
            labels[change.id] = f"{name or '帳號 ' + number}（管理介面）"
        else:
            labels[change.id] = f"LINE 群組（{(change.actor_id or '-')[:6]}…）"
    return labels


@dataclass
class Patient:
    """A patient, known to the console's URLs only by one of their records (`ref`: r12 for the
    patient of request 12, h3 for hand-over 3), so no LINE user ID reaches an access log."""

    user_id: str
    name: str | None
    line_name: str | None
    requests: list[ConsultationRequest]
    handoffs: list[HumanHandoff]
    ref: str = ""


def user_of(session: Session, ref: str) -> str | None:
    kind, number = ref[:1], ref[1:]
    if not number.isdigit() or kind not in ("r", "h"):
        return None
    table = ConsultationRequest if kind == "r" else HumanHandoff
    return session.scalar(select(table.user_id).where(table.id == int(number)))


def patient(session: Session, ref: str) -> Patient | None:
    user_id = user_of(session, ref)
    if user_id is None:
        return None
    requests = list(
        session.scalars(
            select(ConsultationRequest)
            .where(ConsultationRequest.user_id == user_id)
            .order_by(ConsultationRequest.id.desc())
        )
    )
    handoffs = list(
        session.scalars(
            select(HumanHandoff)
            .where(HumanHandoff.user_id == user_id)
            .order_by(HumanHandoff.id.desc())
        )
    )
    user = session.get(LineUser, user_id)
    if not requests and not handoffs and user is None:
        return None
    name = next((r.patient_name for r in requests if r.patient_name), None)
    line_name = user.display_name if user else None
    return Patient(user_id, name, line_name, requests, handoffs, ref)


def patients(session: Session, text: str | None) -> list[Patient]:
    """Patients with requests (newest first), or only those whose name or phone matches."""
    found = find_requests(session, status=None, first=None, last=None, text=text or None)
    seen: dict[str, Patient] = {}
    for request in found:
        if request.user_id and request.user_id not in seen:
            seen[request.user_id] = Patient(
                request.user_id, request.patient_name, None, [], [], f"r{request.id}"
            )
        if request.user_id:
            seen[request.user_id].requests.append(request)
    if not text:
        for handoff, line_name in session.execute(
            select(HumanHandoff, LineUser.display_name)
            .outerjoin(LineUser, LineUser.user_id == HumanHandoff.user_id)
            .order_by(HumanHandoff.id.desc())
            .limit(PAGE_SIZE)
        ).all():
            entry = seen.setdefault(
                handoff.user_id, Patient(handoff.user_id, None, line_name, [], [], f"h{handoff.id}")
            )
            entry.handoffs.append(handoff)
    return list(seen.values())


def median_minutes_to_contact(session: Session, first: dt.datetime, last: dt.datetime):
    """Median minutes from a request to its first 已聯繫 (or confirmation), requests sent in
    [first, last); None without any."""
    first_contact = (
        select(
            StatusChange.request_id,
            func.min(StatusChange.at).label("at"),
        )
        .where(
            StatusChange.actor_kind == "staff",
            StatusChange.to_status.in_((RequestStatus.CONTACTED, RequestStatus.CONFIRMED)),
        )
        .group_by(StatusChange.request_id)
        .subquery()
    )
    rows = session.execute(
        select(ConsultationRequest.created_at, first_contact.c.at)
        .join(first_contact, first_contact.c.request_id == ConsultationRequest.id)
        .where(ConsultationRequest.created_at >= first, ConsultationRequest.created_at < last)
    ).all()
    minutes = sorted(_minutes(contacted, created) for created, contacted in rows)
    if not minutes:
        return None
    middle = len(minutes) // 2
    if len(minutes) % 2:
        return minutes[middle]
    return (minutes[middle - 1] + minutes[middle]) / 2


def _minutes(later, earlier) -> float:
    if later.tzinfo is None:
        later = later.replace(tzinfo=dt.UTC)
    if earlier.tzinfo is None:
        earlier = earlier.replace(tzinfo=dt.UTC)
    return round((later - earlier).total_seconds() / 60, 1)
