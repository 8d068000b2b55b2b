"""Staff side: the card each new request pushes to the staff group, and its buttons
(已聯繫, 確認時段, 取消, and 恢復自動回覆 on hand-over cards).

Buttons count only from the staff group or a staff user listed in config; from anyone else
they change nothing. Every change is recorded with who pressed and when.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from linebot_app.console.audit import AuditActor, record_audit
from linebot_app.console.stats import count_stat
from linebot_app.dispatch import EventContext, Message, Middleware, Next, PendingPush, Result
from linebot_app.features.consultation.desk import Desk
from linebot_app.features.consultation.handoff import resume_replies
from linebot_app.features.consultation.models import ConsultationRequest, RequestStatus
from linebot_app.features.consultation.patient_input import display_phone, tel_uri
from linebot_app.features.consultation.requests import (
    Actor,
    can_change,
    change_status,
    lock_request,
)
from linebot_app.line import render
from linebot_app.logs import logfmt, short_id

log = logging.getLogger(__name__)
EXTRA_DAYS_FOR_STAFF = 90


def request_card(
    desk: Desk, request: ConsultationRequest, display_name: str | None, now: dt.datetime
) -> Message:
    """The staff group's card for a new request: details, a tel: button and the actions."""
    fields, buttons = desk.config.fields, desk.config.buttons
    rows = [
        (fields.service, request.service_label),
        (fields.time, desk.when(request.preferred_at)),
        (fields.name, request.patient_name or ""),
        (fields.phone, display_phone(request.phone)),
        (fields.display_name, display_name or "-"),
    ]
    tz = desk.clinic.tz
    earliest = now.astimezone(tz).replace(second=0, microsecond=0)
    latest = earliest + desk.config.horizon + dt.timedelta(days=EXTRA_DAYS_FOR_STAFF)
    initial = min(max(request.preferred_at.astimezone(tz), earliest), latest)
    actions = [
        render.uri(display_phone(request.phone), tel_uri(request.phone)),
        render.postback(buttons.staff_contacted, _data("contacted", request)),
        render.picker(
            buttons.staff_confirm,
            _data("confirm", request),
            initial=initial,
            earliest=earliest,
            latest=latest,
        ),
        render.postback(buttons.staff_cancel, _data("cancel", request)),
    ]
    title = desk.say("staff_card_title", id=request.id)
    alt = desk.say(
        "staff_card_alt",
        id=request.id,
        service=request.service_label,
        when=desk.when(request.preferred_at),
    )
    return render.flex(alt, render.bubble(title, rows, actions))


def _data(op: str, request: ConsultationRequest) -> str:
    return render.data(action="staff", op=op, req=request.id)


@dataclass
class StaffActionResult:
    """What a staff action did: the sentence for whoever pressed, pushes to queue, and whether
    the request changed. The caller queues `pushes` in the same transaction (outbox)."""

    reply: str
    changed: bool = False
    pushes: list[PendingPush] = field(default_factory=list)
    problem: str | None = None  # unknown | no_change | time_past | empty
    detail: str | None = None  # for the audit log (never personal data)


def staff_action(desk: Desk, ctx: EventContext) -> list[Message]:
    """`action=staff&op=...`: act on a request (or a hand-over) for a staff member."""
    op = ctx.postback_data.get("op", "")
    if not desk.is_staff(ctx):
        log.warning(
            logfmt(
                staff_action="refused",
                op=op,
                chat=short_id(ctx.chat_id),
                user=short_id(ctx.user_id),
            )
        )
        return [render.text(desk.say("staff_not_allowed"))]
    actor = Actor("staff", ctx.user_id, ctx.source.get("groupId") or "line")
    audit = AuditActor(label=f"LINE {short_id(ctx.user_id)}", via=actor.via)
    if op == "resume":
        return resume_replies(desk, ctx, ctx.postback_data.get("handoff", ""), audit)
    number = ctx.postback_data.get("req", "")
    if op not in LINE_OPS:
        return [render.text(desk.say("staff_unknown_request", id=number))]
    picked = _picked(desk, ctx.postback_params.get("datetime")) if op == "confirm" else None
    result = apply_staff_action(
        desk,
        ctx.session,
        int(number) if number.isdigit() else None,
        op,
        actor,
        ctx.clock.now(),
        audit,
        picked=picked,
    )
    ctx.pushes.extend(result.pushes)
    return [render.text(result.reply)]


def apply_staff_action(
    desk: Desk,
    session: Session,
    request_id: int | None,
    op: str,
    actor: Actor,
    now: dt.datetime,
    audit: AuditActor,
    *,
    picked: dt.datetime | None = None,
    note: str | None = None,
) -> StaffActionResult:
    """已聯繫 / 確認時段 / 取消 / a note on one request: the one code path for the LINE group's
    buttons and the console. Records the status change and an audit entry; pushes to the
    patient are returned for the caller to queue in this transaction."""
    request = lock_request(session, request_id) if request_id is not None else None
    if request is None or op not in _OPS:
        shown = request_id if request_id is not None else ""
        return StaffActionResult(desk.say("staff_unknown_request", id=shown), problem="unknown")
    log.info(logfmt(staff_action=op, request=request.id, by=short_id(actor.user_id)))
    result = _OPS[op](desk, session, request, actor, now, picked=picked, note=note)
    if result.changed:
        record_audit(session, now, audit, f"request.{op}", f"request:{request.id}", result.detail)
        if op in _COUNTED:
            count_stat(session, _COUNTED[op], at=now, tz=desk.clinic.tz)
    return result


def _no_change(desk: Desk, request: ConsultationRequest) -> StaffActionResult:
    status = desk.config.status_label(request.status)
    return StaffActionResult(
        desk.say("staff_no_change", id=request.id, status=status), problem="no_change"
    )


def _contacted(desk, session, request, actor, now, **_) -> StaffActionResult:
    if not can_change(request, RequestStatus.CONTACTED):
        return _no_change(desk, request)
    change_status(session, request, RequestStatus.CONTACTED, actor, now)
    return StaffActionResult(desk.say("staff_contacted", id=request.id), changed=True)


def _confirm(desk, session, request, actor, now, *, picked=None, **_) -> StaffActionResult:
    """確認時段: the time staff picked (the picker starts at the patient's preference)."""
    moment = picked or request.preferred_at
    if moment <= now:
        return StaffActionResult(
            desk.say("staff_time_past", id=request.id, when=desk.when(moment)), problem="time_past"
        )
    unchanged = request.status == RequestStatus.CONFIRMED and request.appointment_at == moment
    if unchanged or not can_change(request, RequestStatus.CONFIRMED):
        return _no_change(desk, request)
    change_status(session, request, RequestStatus.CONFIRMED, actor, now, appointment_at=moment)
    when = desk.when(moment)
    pushes = []
    if request.user_id:
        pushes.append(
            PendingPush(request.user_id, [render.text(desk.say("patient_confirmed", when=when))])
        )
    lines = [desk.say("staff_confirmed", id=request.id, when=when)]
    if not desk.clinic.is_open(moment):
        lines.append(desk.say("staff_confirmed_outside_hours", when=when))
    return StaffActionResult(
        "\n".join(lines), changed=True, pushes=pushes, detail=moment.isoformat()
    )


def _cancel(desk, session, request, actor, now, **_) -> StaffActionResult:
    if not can_change(request, RequestStatus.CANCELLED):
        return _no_change(desk, request)
    change_status(session, request, RequestStatus.CANCELLED, actor, now)
    pushes = []
    if request.user_id:
        when = desk.when(request.appointment_at or request.preferred_at)
        pushes.append(
            PendingPush(
                request.user_id,
                [
                    render.text(
                        desk.say("patient_cancelled_by_clinic", id=request.id, when=when),
                        [desk.book_button()],
                    )
                ],
            )
        )
    return StaffActionResult(
        desk.say("staff_cancelled", id=request.id), changed=True, pushes=pushes
    )


def _note(desk, session, request, actor, now, *, note=None, **_) -> StaffActionResult:
    """A staff note in the request's history; the status stays."""
    text = (note or "").strip()[:NOTE_LENGTH]
    if not text:
        return StaffActionResult(desk.say("staff_unknown_request", id=request.id), problem="empty")
    change_status(session, request, request.status, actor, now, note=text)
    return StaffActionResult(f"#{request.id}", changed=True)


def _picked(desk: Desk, value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.strptime(value, render.PICKER_FORMAT).replace(tzinfo=desk.clinic.tz)
    except ValueError:
        return None


NOTE_LENGTH = 200
LINE_OPS = ("contacted", "confirm", "cancel")  # notes are written in the console
_OPS = {"contacted": _contacted, "confirm": _confirm, "cancel": _cancel, "note": _note}
_COUNTED = {
    "contacted": "request_contacted",
    "confirm": "request_confirmed",
    "cancel": "request_cancelled",
}


def staff_group_is_silent(desk: Desk) -> Middleware:
    """The staff group's own chatter is never answered (its button presses still work)."""

    def staff_group(ctx: EventContext, next_: Next) -> Result:
        if ctx.event_type == "message" and desk.is_staff_group(ctx):
            return "staff.group_message", []
        return next_()

    return staff_group
