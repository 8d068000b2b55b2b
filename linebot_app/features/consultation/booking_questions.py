"""What each state of the booking conversation asks, as LINE messages (the buttons carry the
flow's token, so a button from an earlier booking is recognised as old)."""

from __future__ import annotations

import datetime as dt

from linebot_app.content.clinic import day_text, when_text
from linebot_app.dispatch import EventContext, Message
from linebot_app.features.consultation.conversation import Flow
from linebot_app.features.consultation.desk import Desk
from linebot_app.features.consultation.patient_input import display_phone
from linebot_app.features.consultation.slots import booking_window
from linebot_app.line import render

SERVICE, TIME, NAME, PHONE, CONSENT, REVIEW, EDIT = (
    "service",
    "time",
    "name",
    "phone",
    "consent",
    "review",
    "edit",
)
TIME_HINT = "time_hint"  # flow data: where the date picker opens (ISO), not an answer
ASKED_IN_ORDER = (SERVICE, TIME, NAME, PHONE, CONSENT)  # each of these stores data[state]
EDITABLE = (SERVICE, TIME, NAME, PHONE)


def next_state(data: dict) -> str:
    """The first answer still missing; the review once all are in."""
    return next((state for state in ASKED_IN_ORDER if not data.get(state)), REVIEW)


def prompt(
    desk: Desk, ctx: EventContext, flow: Flow, state: str, first: bool = False
) -> list[Message]:
    ask = _ASK[state]
    messages = ask(desk, ctx, flow)
    if first:
        closed = desk.closed_note(ctx.clock.now(), "closed_now")
        if closed:
            messages.insert(0, render.text(closed))
    return messages


def _button(desk: Desk, flow: Flow, state: str, value: str, label: str) -> dict:
    return render.postback(
        label, render.data(action="booking", step=state, v=value, f=flow.token), label
    )


def _cancel(desk: Desk, flow: Flow) -> dict:
    return desk.cancel_button(render.data(action="booking", op="cancel", f=flow.token))


def _ask_service(desk: Desk, ctx: EventContext, flow: Flow) -> list[Message]:
    options = [_button(desk, flow, SERVICE, s.key, s.label) for s in desk.config.services]
    return [render.text(desk.say("ask_service"), [*options, _cancel(desk, flow)])]


def _ask_time(desk: Desk, ctx: EventContext, flow: Flow) -> list[Message]:
    window = booking_window(ctx.clock.now(), desk.clinic, desk.config)
    tz = desk.clinic.tz
    question = desk.say(
        "ask_time",
        earliest=when_text(window.earliest, tz),
        latest=day_text(window.latest, tz),
        hours="\n".join(desk.clinic.hours_lines()),
    )
    pick = render.picker(
        desk.config.buttons.pick_time,
        render.data(action="booking", step=TIME, f=flow.token),
        initial=picker_initial(flow.data, window),
        earliest=window.earliest,
        latest=window.latest,
    )
    return [render.text(question, [pick, _cancel(desk, flow)])]


def picker_initial(data: dict, window) -> dt.datetime:
    """Where the picker opens: the time the patient said in words (booking_prefill) when it
    lies in the bookable window, else the first open slot."""
    hint = data.get(TIME_HINT)
    if hint:
        moment = dt.datetime.fromisoformat(hint)
        if window.earliest <= moment <= window.latest:
            return moment
    return window.initial


def _ask_name(desk: Desk, ctx: EventContext, flow: Flow) -> list[Message]:
    return [render.text(desk.say("ask_name"), [_cancel(desk, flow)])]


def _ask_phone(desk: Desk, ctx: EventContext, flow: Flow) -> list[Message]:
    return [render.text(desk.say("ask_phone"), [_cancel(desk, flow)])]


def _ask_consent(desk: Desk, ctx: EventContext, flow: Flow) -> list[Message]:
    buttons = desk.config.buttons
    return [
        render.text(
            desk.say("ask_consent"),
            [
                _button(desk, flow, CONSENT, "yes", buttons.agree),
                _button(desk, flow, CONSENT, "no", buttons.disagree),
            ],
        )
    ]


def summary_rows(desk: Desk, data: dict) -> list[tuple[str, str]]:
    fields = desk.config.fields
    service = desk.config.service(data.get(SERVICE, ""))
    moment = dt.datetime.fromisoformat(data[TIME]) if data.get(TIME) else None
    return [
        (fields.service, service.label if service else data.get(SERVICE, "")),
        (fields.time, desk.when(moment) if moment else ""),
        (fields.name, data.get(NAME, "")),
        (fields.phone, display_phone(data.get(PHONE))),
    ]


def _ask_review(desk: Desk, ctx: EventContext, flow: Flow) -> list[Message]:
    buttons = desk.config.buttons
    title = desk.say("review_title")
    actions = [
        _button(desk, flow, REVIEW, "submit", buttons.submit),
        _button(desk, flow, REVIEW, "edit", buttons.edit),
        _cancel(desk, flow),
    ]
    return [render.flex(title, render.bubble(title, summary_rows(desk, flow.data), actions))]


def _ask_edit(desk: Desk, ctx: EventContext, flow: Flow) -> list[Message]:
    fields = desk.config.fields
    options = [_button(desk, flow, EDIT, f, getattr(fields, f)) for f in EDITABLE]
    return [render.text(desk.say("ask_edit"), [*options, _cancel(desk, flow)])]


_ASK = {
    SERVICE: _ask_service,
    TIME: _ask_time,
    NAME: _ask_name,
    PHONE: _ask_phone,
    CONSENT: _ask_consent,
    REVIEW: _ask_review,
    EDIT: _ask_edit,
}
