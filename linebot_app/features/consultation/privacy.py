"""Personal data on request (刪除我的資料) and after an unfollow's grace period.

Deleted: the name and phone on every request (the request stays, anonymous, for the clinic's
counts; open ones are cancelled), the LINE user row with its display name, any conversation
in progress, hand-overs, the chat's stored webhook events and replies, and the stored copies
of pushes that carried the data. Messages already delivered in LINE chats cannot be deleted
by the bot: staff are told which requests to clean up by hand.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from linebot_app.dispatch import EventContext, Message
from linebot_app.features.consultation.desk import Desk
from linebot_app.features.consultation.models import (
    ConsultationRequest,
    HumanHandoff,
    RequestStatus,
)
from linebot_app.features.consultation.patient_input import display_phone
from linebot_app.features.consultation.requests import Actor, change_status
from linebot_app.line import render
from linebot_app.logs import logfmt, short_id
from linebot_app.storage.models import (
    ConversationState,
    InboxEvent,
    InboxStatus,
    LineUser,
    OutboxPush,
)

log = logging.getLogger(__name__)
REDACTED_EVENT = '{"redacted": true}'
BOOKING_CONVERSATION = "booking"


@dataclass
class DeletionReport:
    request_ids: list[int] = field(default_factory=list)
    cancelled: int = 0
    profile: bool = False
    conversation: bool = False
    handoffs: int = 0
    messages: int = 0

    @property
    def found_anything(self) -> bool:
        return bool(
            self.request_ids or self.profile or self.conversation or self.handoffs or self.messages
        )


def delete_personal_data(
    session: Session, user_id: str, now: dt.datetime, actor: Actor, staff_group_id: str | None
) -> DeletionReport:
    report = DeletionReport()
    values: set[str] = set()
    for request in session.scalars(
        select(ConsultationRequest).where(ConsultationRequest.user_id == user_id)
    ):
        if request.is_active:
            change_status(
                session, request, RequestStatus.CANCELLED, actor, now, note="personal data deleted"
            )
            report.cancelled += 1
        values.update(
            v for v in (request.patient_name, request.phone, display_phone(request.phone)) if v
        )
        request.patient_name = request.phone = request.user_id = None
        request.personal_data_deleted_at = now
        report.request_ids.append(request.id)
    user = session.get(LineUser, user_id)
    if user is not None:
        if user.display_name:
            values.add(user.display_name)
        session.delete(user)
        report.profile = True
    report.conversation = bool(
        session.execute(
            delete(ConversationState).where(ConversationState.chat_key == user_id)
        ).rowcount
    )
    report.handoffs = session.execute(
        delete(HumanHandoff).where(HumanHandoff.user_id == user_id)
    ).rowcount
    report.messages = session.execute(
        update(InboxEvent)
        .where(
            InboxEvent.chat_key == user_id,
            InboxEvent.status.in_(InboxStatus.FINAL),
            InboxEvent.payload != REDACTED_EVENT,
        )
        .values(payload=REDACTED_EVENT, reply_payload=None)
    ).rowcount
    _redact_pushes(session, user_id, values, staff_group_id)
    session.flush()
    log.info(
        logfmt(
            personal_data="deleted",
            chat=short_id(user_id),
            by=actor.kind,
            requests=len(report.request_ids),
            events=report.messages,
        )
    )
    return report


def _redact_pushes(
    session: Session, user_id: str, values: set[str], staff_group_id: str | None
) -> None:
    """Stored copies of sent pushes: all of the patient's own, and staff ones carrying the data
    (personal values are whole JSON strings in our cards, so they are matched exactly)."""
    done = OutboxPush.status.in_(("sent", "failed"))
    session.execute(update(OutboxPush).where(OutboxPush.to == user_id, done).values(messages="[]"))
    if staff_group_id and values:
        carries = [
            OutboxPush.messages.contains(json.dumps(v, ensure_ascii=False), autoescape=True)
            for v in sorted(values)
        ]
        session.execute(
            update(OutboxPush)
            .where(OutboxPush.to == staff_group_id, done, or_(*carries))
            .values(messages="[]")
        )


def purge_unfollowed(
    session: Session, now: dt.datetime, grace: dt.timedelta, staff_group_id: str | None
) -> int:
    """Delete the personal data of patients who blocked the account more than `grace` ago."""
    cutoff = now - grace
    gone = list(
        session.scalars(
            select(LineUser.user_id).where(
                LineUser.is_following.is_(False), LineUser.unfollowed_at <= cutoff
            )
        )
    )
    for user_id in gone:
        delete_personal_data(session, user_id, now, Actor("system", None, "purge"), staff_group_id)
    return len(gone)


def purge_expired_conversations(session: Session, now: dt.datetime) -> int:
    """Abandoned bookings hold what was typed (maybe a name and phone): drop them."""
    return session.execute(
        delete(ConversationState).where(
            ConversationState.conversation == BOOKING_CONVERSATION,
            ConversationState.expires_at <= now,
        )
    ).rowcount


# --- the chat side ---------------------------------------------------------------------------
def ask_to_delete(desk: Desk, ctx: EventContext) -> list[Message]:
    if not ctx.is_one_to_one:
        return [render.text(desk.say("one_to_one_only"))]
    buttons = desk.config.buttons
    return [
        render.text(
            desk.say("delete_confirm"),
            [
                render.postback(
                    buttons.confirm_delete,
                    render.data(action="privacy", op="delete"),
                    buttons.confirm_delete,
                ),
                render.postback(
                    buttons.keep_data, render.data(action="privacy", op="keep"), buttons.keep_data
                ),
            ],
        )
    ]


def on_button(desk: Desk, ctx: EventContext) -> list[Message]:
    """`action=privacy&op=delete|keep` (op=ask shows the question)."""
    op = ctx.postback_data.get("op")
    if not ctx.is_one_to_one or not ctx.user_id or op == "ask":
        return ask_to_delete(desk, ctx)
    if op != "delete":
        return [render.text(desk.say("delete_kept"))]
    report = delete_personal_data(
        ctx.session,
        ctx.user_id,
        ctx.clock.now(),
        Actor("patient", ctx.user_id, "line"),
        ctx.settings.staff_group_id,
    )
    if report.request_ids:
        ids = "、".join(f"#{number}" for number in report.request_ids)
        ctx.notify_staff([render.text(desk.say("staff_deletion", ids=ids))])
    return [render.text(desk.say("deleted", items="\n".join(_items(desk, report))))]


def _items(desk: Desk, report: DeletionReport) -> list[str]:
    if not report.found_anything:
        return [desk.say("deleted_nothing")]
    items = []
    if report.request_ids:
        items.append(desk.say("deleted_requests", count=len(report.request_ids)))
    if report.cancelled:
        items.append(desk.say("deleted_cancelled", count=report.cancelled))
    if report.profile:
        items.append(desk.say("deleted_profile"))
    if report.conversation:
        items.append(desk.say("deleted_conversation"))
    if report.handoffs:
        items.append(desk.say("deleted_handoffs", count=report.handoffs))
    if report.messages:
        items.append(desk.say("deleted_messages", count=report.messages))
    return items
