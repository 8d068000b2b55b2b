"""我的預約: a patient's requests with their status, and cancelling one that is still open."""

from __future__ import annotations

from linebot_app.dispatch import EventContext, Message
from linebot_app.features.consultation.desk import Desk
from linebot_app.features.consultation.models import ConsultationRequest, RequestStatus
from linebot_app.features.consultation.requests import (
    Actor,
    can_change,
    change_status,
    lock_request,
    requests_of,
)
from linebot_app.line import render

SHOWN = 10


def show_requests(desk: Desk, ctx: EventContext) -> list[Message]:
    if not ctx.is_one_to_one:
        return [render.text(desk.say("one_to_one_only"))]
    found = requests_of(ctx.session, ctx.user_id, limit=SHOWN)
    if not found:
        return [render.text(desk.say("my_requests_empty"), [desk.book_button()])]
    bubbles = [_bubble(desk, request) for request in found]
    return [render.carousel(desk.say("my_requests_alt", count=len(found)), bubbles)]


def _bubble(desk: Desk, request: ConsultationRequest) -> dict:
    fields = desk.config.fields
    rows = [
        (fields.service, request.service_label),
        (fields.time, desk.when(request.preferred_at)),
        (fields.status, desk.config.status_label(request.status)),
    ]
    if request.status == RequestStatus.CONFIRMED and request.appointment_at:
        rows.append((fields.appointment, desk.when(request.appointment_at)))
    buttons = []
    if request.is_active:
        label = desk.config.buttons.cancel_request
        buttons.append(
            render.postback(
                label, render.data(action="my_requests", op="cancel", req=request.id), label
            )
        )
    return render.bubble(desk.say("my_request_title", id=request.id), rows, buttons)


def on_button(desk: Desk, ctx: EventContext) -> list[Message]:
    """`action=my_requests` shows them; `&op=cancel|cancel_yes|keep&req=<id>` acts on one,
    only the patient's own."""
    op, number = ctx.postback_data.get("op", ""), ctx.postback_data.get("req", "")
    if not op:
        return show_requests(desk, ctx)
    request = lock_request(ctx.session, int(number)) if number.isdigit() else None
    if request is None or not ctx.user_id or request.user_id != ctx.user_id:
        return [render.text(desk.say("not_your_request"))]
    when = desk.when(request.appointment_at or request.preferred_at)
    if op == "keep":
        return [render.text(desk.say("request_kept", id=request.id))]
    if not can_change(request, RequestStatus.CANCELLED):
        status = desk.config.status_label(request.status)
        return [render.text(desk.say("cannot_cancel", id=request.id, status=status))]
    if op == "cancel":
        buttons = desk.config.buttons
        yes = render.postback(
            buttons.confirm_cancel_request,
            render.data(action="my_requests", op="cancel_yes", req=request.id),
            buttons.confirm_cancel_request,
        )
        keep = render.postback(
            buttons.keep_request,
            render.data(action="my_requests", op="keep", req=request.id),
            buttons.keep_request,
        )
        return [
            render.text(desk.say("confirm_patient_cancel", id=request.id, when=when), [yes, keep])
        ]
    if op != "cancel_yes":
        return [render.text(desk.say("not_your_request"))]
    now = ctx.clock.now()
    change_status(
        ctx.session, request, RequestStatus.CANCELLED, Actor("patient", ctx.user_id, "line"), now
    )
    ctx.notify_staff([render.text(desk.say("staff_patient_cancelled", id=request.id, when=when))])
    return [render.text(desk.say("patient_cancelled", id=request.id))]
