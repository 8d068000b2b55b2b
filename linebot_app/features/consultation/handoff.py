"""真人客服: a patient asks for a person. Staff get a card in their group, and the bot stays
silent for that patient (no automatic replies to what they type) until the silence runs out
or staff press 恢復自動回覆. Urgent words always get an answer and alert staff.

The silence is counted from when staff are next in, so a request at night lasts into the
morning. Buttons the patient presses (預約諮詢, 我的預約, ...) still work while silent.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from linebot_app.console.audit import AuditActor, record_audit
from linebot_app.console.stats import count_stat
from linebot_app.dispatch import (
    Dispatcher,
    EventContext,
    Message,
    Middleware,
    Next,
    Result,
    postback_action,
)
from linebot_app.features.consultation.desk import Desk
from linebot_app.features.consultation.models import HumanHandoff
from linebot_app.line import render
from linebot_app.logs import logfmt, short_id

log = logging.getLogger(__name__)


def active_handoff(ctx: EventContext) -> HumanHandoff | None:
    """The patient's hand-over that still silences the bot, if any."""
    if not ctx.user_id:
        return None
    now = ctx.clock.now()
    return ctx.session.scalar(
        select(HumanHandoff)
        .where(
            HumanHandoff.user_id == ctx.user_id,
            HumanHandoff.ended_at.is_(None),
            HumanHandoff.silent_until > now,
        )
        .order_by(HumanHandoff.id.desc())
        .limit(1)
    )


# --- rules for every event (middleware) ---------------------------------------------------
# Commands the patient types that still work while the bot is silent for them.
WORKS_WHILE_SILENT = ("my_requests", "delete_data")


def urgent_words_are_always_answered(desk: Desk) -> Middleware:
    """Urgent words in a 1:1 chat: the phone number and 119, staff alerted, whatever else is
    going on (a booking, a hand-over)."""

    def urgent_words(ctx: EventContext, next_: Next) -> Result:
        word = ctx.interpretation.urgent_word if ctx.is_one_to_one else None
        if word:
            return "handoff.urgent", answer_urgent(desk, ctx, word)
        return next_()

    return urgent_words


def silence_while_handed_over(ctx: EventContext, next_: Next) -> Result:
    """A patient handed over to staff gets no automatic answers to what they type, except
    their own commands (我的預約, 刪除我的資料) and a booking they started since. Buttons they
    press still work."""
    silenced = (
        ctx.is_one_to_one
        and ctx.event_type == "message"
        and ctx.handoff is not None
        and ctx.interpretation.command not in WORKS_WHILE_SILENT
        and ctx.conversation_state is None
    )
    if not silenced:
        return next_()
    log.info(logfmt(handoff="silent", chat=short_id(ctx.user_id)))
    return "handoff.silent", []


# --- listeners ------------------------------------------------------------------------------
def register(dispatcher: Dispatcher, desk: Desk) -> None:
    def handoff_by_button(ctx: EventContext) -> list[Message]:
        return start_handoff(desk, ctx, "button")

    dispatcher.add("handoff.start", handoff_by_button, postback_action("human"))


def hand_over_by_words(desk: Desk):
    """The `human` topic's action: typing 真人 hands over like the button does."""
    return lambda ctx: start_handoff(desk, ctx, "words")


def start_handoff(desk: Desk, ctx: EventContext, reason: str) -> list[Message]:
    """Tell the patient staff will answer, alert staff (once per hand-over), go silent."""
    if not ctx.is_one_to_one:
        return [render.text(desk.say("one_to_one_only"))]
    desk.end_conversations(ctx)
    if active_handoff(ctx) is not None:
        return [render.text(desk.say("handoff_already"))]
    display_name = desk.display_name(ctx)  # before any insert: it may need a rerun
    handoff = _open_handoff(desk, ctx, reason)
    ctx.notify_staff(
        [
            _staff_card(
                desk,
                handoff,
                display_name,
                desk.say("staff_handoff_title"),
                desk.say("staff_handoff_alt"),
            )
        ]
    )
    lines = [desk.say("handoff_started")]
    closed = desk.closed_note(ctx.clock.now(), "handoff_closed_now")
    if closed:
        lines.append(closed)
    return [render.text("\n".join(lines))]


def answer_urgent(desk: Desk, ctx: EventContext, word: str) -> list[Message]:
    """Never ignored: the patient is told to call (or 119), staff are alerted every time."""
    desk.end_conversations(ctx)
    display_name = desk.display_name(ctx)  # before any insert: it may need a rerun
    handoff = active_handoff(ctx) or _open_handoff(desk, ctx, "urgent")
    title = desk.say("staff_urgent", word=word)
    ctx.notify_staff([_staff_card(desk, handoff, display_name, title, title)])
    log.warning(logfmt(handoff="urgent", chat=short_id(ctx.user_id), handoff_id=handoff.id))
    return [render.text(desk.say("urgent_reply"))]


def resume_replies(
    desk: Desk, ctx: EventContext, handoff_id: str, audit: AuditActor | None = None
) -> list[Message]:
    """Staff pressed 恢復自動回覆 (the caller checked they are staff)."""
    audit = audit or AuditActor(label=f"LINE {short_id(ctx.user_id)}", via=ctx.chat_id)
    number = int(handoff_id) if handoff_id.isdigit() else None
    if not end_handoff(ctx.session, number, ctx.user_id or ctx.chat_id, ctx.clock.now(), audit):
        return [render.text(desk.say("staff_resume_already"))]
    return [render.text(desk.say("staff_resumed"))]


def end_handoff(
    session: Session, handoff_id: int | None, by: str | None, now: dt.datetime, audit: AuditActor
) -> bool:
    """恢復自動回覆, from the LINE group or the console: False if it had already ended."""
    handoff = session.get(HumanHandoff, handoff_id) if handoff_id is not None else None
    if handoff is None or not handoff.is_silencing(now):
        return False
    handoff.ended_at = now
    handoff.ended_by = (by or audit.label)[:64]
    record_audit(session, now, audit, "handoff.resume", f"handoff:{handoff.id}")
    log.info(logfmt(handoff="resumed", handoff_id=handoff.id, by=short_id(by)))
    return True


def _open_handoff(desk: Desk, ctx: EventContext, reason: str) -> HumanHandoff:
    now = ctx.clock.now()
    staff_in = desk.clinic.next_opening(now) or now
    handoff = HumanHandoff(
        user_id=ctx.user_id,
        reason=reason,
        started_at=now,
        silent_until=max(now, staff_in) + desk.config.handoff_silence,
    )
    ctx.session.add(handoff)
    ctx.session.flush()
    count_stat(ctx.session, "handoff_started", reason, at=now, tz=desk.clinic.tz)
    log.info(
        logfmt(handoff="started", reason=reason, chat=short_id(ctx.user_id), handoff_id=handoff.id)
    )
    return handoff


def _staff_card(
    desk: Desk, handoff: HumanHandoff, display_name: str | None, title: str, alt_text: str
) -> Message:
    fields, buttons = desk.config.fields, desk.config.buttons
    rows = [
        (fields.display_name, display_name or "-"),
        (fields.silent_until, desk.when(handoff.silent_until)),
    ]
    resume = render.postback(
        buttons.staff_resume, render.data(action="staff", op="resume", handoff=handoff.id)
    )
    return render.flex(alt_text, render.bubble(title, rows, [resume]))
