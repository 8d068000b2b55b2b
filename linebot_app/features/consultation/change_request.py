"""取消 / 改時間 by words: 「取消預約」「那天不能去了」「可以改到別天嗎」.

With an open request the patient sees it with 取消 (the 我的預約 confirmation, then cancelled
and staff told) and 改時間 (a date picker with the booking's rules: lead time, horizon, opening
hours; starting at the time the patient said in words, if any). A new time updates the request,
is recorded in its history with who and when (as staff actions are), and is pushed to the staff
group; a confirmed appointment goes back to 待聯繫 until staff confirm the new time. With no open
request the patient is told so and offered a booking.
"""

from __future__ import annotations

import datetime as dt
import logging

from linebot_app.content.wording import say
from linebot_app.dispatch import (
    Dispatcher,
    EventContext,
    Matcher,
    Message,
    one_to_one,
    postback_action,
    text_message,
)
from linebot_app.features.consultation.booking_prefill import first_open_from
from linebot_app.features.consultation.desk import Desk
from linebot_app.features.consultation.models import (
    ConsultationRequest,
    RequestStatus,
    StatusChange,
)
from linebot_app.features.consultation.requests import lock_request, requests_of
from linebot_app.features.consultation.slots import booking_window, check_preferred_time
from linebot_app.line import render
from linebot_app.logs import logfmt

log = logging.getLogger(__name__)
ACTION = "change"
SHOWN = 3
CHANGE_INTENTS = ("cancel_request", "move_request")

asks_to_cancel_or_move = Matcher(
    "intent=cancel_request|move_request",
    lambda ctx: ctx.interpretation.intent in CHANGE_INTENTS,
)
__all__ = ["asks_to_cancel_or_move", "move_request", "on_button", "on_words", "register"]


def register(dispatcher: Dispatcher, desk: Desk) -> None:
    dispatcher.add(
        "requests.change_by_words",
        lambda ctx: on_words(desk, ctx),
        one_to_one,
        text_message,
        asks_to_cancel_or_move,
    )
    dispatcher.add(
        "requests.change_button", lambda ctx: on_button(desk, ctx), postback_action(ACTION)
    )


def _texts(ctx: EventContext):
    return ctx.services.understanding.config.texts


def _say(desk: Desk, ctx: EventContext, key: str, **values: object) -> str:
    return say(getattr(_texts(ctx), key), desk.clinic, **values)


def open_requests(ctx: EventContext) -> list[ConsultationRequest]:
    if not ctx.user_id:
        return []
    return [r for r in requests_of(ctx.session, ctx.user_id, limit=20) if r.is_active][:SHOWN]


def on_words(desk: Desk, ctx: EventContext) -> list[Message]:
    found = open_requests(ctx)
    if not found:
        return [render.text(_say(desk, ctx, "no_open_request"), [desk.book_button()])]
    said = ctx.interpretation.entities.when.picker_initial(desk.clinic.tz)
    said = first_open_from(said, desk.clinic) if said is not None else None
    bubbles = [_bubble(desk, ctx, request, said) for request in found]
    alt = _say(desk, ctx, "open_request_alt", id=found[0].id)
    if len(bubbles) == 1:
        return [render.flex(alt, bubbles[0])]
    return [render.carousel(alt, bubbles)]


def _bubble(
    desk: Desk, ctx: EventContext, request: ConsultationRequest, said: dt.datetime | None
) -> dict:
    fields, texts = desk.config.fields, _texts(ctx)
    rows = [
        (fields.service, request.service_label),
        (fields.time, desk.when(request.appointment_at or request.preferred_at)),
        (fields.status, desk.config.status_label(request.status)),
    ]
    cancel = render.postback(
        texts.cancel_button,
        render.data(action="my_requests", op="cancel", req=request.id),
        texts.cancel_button,
    )
    move = _picker(desk, ctx, request, texts.move_button, said)
    return render.bubble(_say(desk, ctx, "open_request_title", id=request.id), rows, [cancel, move])


def _picker(
    desk: Desk,
    ctx: EventContext,
    request: ConsultationRequest,
    label: str,
    said: dt.datetime | None = None,
) -> dict:
    """The booking's date picker for a new time, starting where the patient said (if they
    did and it is bookable), else at the first open slot."""
    window = booking_window(ctx.clock.now(), desk.clinic, desk.config)
    initial = window.initial
    if said is not None and window.earliest <= said <= window.latest:
        initial = said
    return render.picker(
        label,
        render.data(action=ACTION, op="move", req=request.id),
        initial=initial,
        earliest=window.earliest,
        latest=window.latest,
    )


def on_button(desk: Desk, ctx: EventContext) -> list[Message]:
    """`action=change&op=move&req=<id>` with the picker's time: move the patient's request."""
    number = ctx.postback_data.get("req", "")
    request = lock_request(ctx.session, int(number)) if number.isdigit() else None
    if request is None or not ctx.user_id or request.user_id != ctx.user_id:
        return [render.text(desk.say("not_your_request"))]
    if not request.is_active:
        status = desk.config.status_label(request.status)
        return [render.text(_say(desk, ctx, "cannot_move", id=request.id, status=status))]
    now = ctx.clock.now()
    check = check_preferred_time(
        ctx.postback_params.get("datetime", ""), now, desk.clinic, desk.config
    )
    if check.moment is None:
        again = _picker(desk, ctx, request, desk.config.buttons.pick_time)
        return [render.text(desk.say(check.problem, **check.values), [again])]
    before = request.appointment_at or request.preferred_at
    move_request(ctx, request, check.moment, now)
    when = desk.when(check.moment)
    ctx.notify_staff(
        [
            render.text(
                _say(desk, ctx, "staff_moved", id=request.id, when=when, before=desk.when(before))
            )
        ]
    )
    return [
        render.text(_say(desk, ctx, "moved", id=request.id, when=when), [desk.my_requests_button()])
    ]


def move_request(
    ctx: EventContext, request: ConsultationRequest, moment: dt.datetime, now: dt.datetime
) -> StatusChange:
    """The new preferred time, recorded like a staff action (who, when, from where, what)."""
    before = request.appointment_at or request.preferred_at
    to_status = RequestStatus.OPEN if request.status == RequestStatus.CONFIRMED else request.status
    change = StatusChange(
        request=request,
        from_status=request.status,
        to_status=to_status,
        actor_kind="patient",
        actor_id=ctx.user_id,
        via="line",
        note=f"moved {before.isoformat()} -> {moment.isoformat()}"[:200],
        at=now,
    )
    ctx.session.add(change)
    request.status = to_status
    request.preferred_at = moment
    request.appointment_at = None
    request.reminder_sent_at = None
    request.updated_at = now
    log.info(logfmt(request_moved=request.id))
    return change
