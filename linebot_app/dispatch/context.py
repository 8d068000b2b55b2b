"""The context one event is handled in: the raw event, the open session, typed services, and
what is loaded once per event (the conversation state, an active hand-over, the interpretation).

A handler is a plain function `handler(ctx: EventContext) -> list[dict] | None`. It returns the
LINE message objects (JSON dicts, camelCase, at most 5) to reply with, or None/[] for no reply.
It never talks HTTP: pushes (to staff, to a patient) are queued with `ctx.push(...)` and sent by
the worker after the handler's database work has been committed. LINE is never called inside
the handler's transaction (the LINE client refuses): what a handler needs from LINE, such as the
patient's display name, is fetched before (see `display_name()`).
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from linebot_app.clock import Clock
    from linebot_app.content.clinic import ClinicConfig
    from linebot_app.services import Services
    from linebot_app.settings import Settings

log = logging.getLogger(__name__)

Message = dict[str, Any]


class NeedsDisplayName(Exception):
    """Raised inside a handler that needs the patient's LINE name when it is not known yet: the
    worker rolls the transaction back, asks LINE outside it, and runs the handler again. Ask
    for the name before inserting anything (a rolled-back insert still spends a PostgreSQL
    sequence number, and a request number would be skipped)."""


@dataclass
class PendingPush:
    to: str
    messages: list[Message]


@dataclass
class EventContext:
    """Everything a handler may use. `event` is the raw webhook event (webhook.yml shape)."""

    event: dict[str, Any]
    session: Session
    clinic: ClinicConfig
    settings: Settings
    clock: Clock
    services: Services
    pushes: list[PendingPush] = field(default_factory=list)
    # The patient's LINE name when it was fetched before the handler's transaction: a LINE API
    # call inside the transaction would hold SQLite's write lock for its latency.
    prefetched_display_name: str | None = None
    display_name_prefetched: bool = False  # True even when LINE gave no name: do not ask again

    # --- what happened -------------------------------------------------------------------
    @property
    def event_type(self) -> str:
        return self.event.get("type", "")

    @property
    def message_type(self) -> str | None:
        return (self.event.get("message") or {}).get("type")

    @property
    def source(self) -> dict[str, Any]:
        return self.event.get("source") or {}

    @property
    def source_type(self) -> str:
        return self.source.get("type", "")

    @property
    def user_id(self) -> str | None:
        return self.source.get("userId")

    @property
    def chat_id(self) -> str | None:
        """Where a push answering this event goes: the group, room or user."""
        return self.source.get("groupId") or self.source.get("roomId") or self.source.get("userId")

    @property
    def is_one_to_one(self) -> bool:
        return self.source_type == "user"

    @property
    def text(self) -> str:
        if self.event_type == "message" and self.message_type == "text":
            return self.event["message"].get("text", "")
        return ""

    @property
    def postback_data(self) -> dict[str, str]:
        """Postback data parsed as a query string, e.g. 'action=topic&topic=safety'."""
        if self.event_type != "postback":
            return {}
        return dict(parse_qsl(self.event.get("postback", {}).get("data", "")))

    @property
    def postback_params(self) -> dict[str, str]:
        """Datetimepicker results: {'datetime': 'YYYY-MM-DDThh:mm'} (or date/time)."""
        if self.event_type != "postback":
            return {}
        return self.event.get("postback", {}).get("params") or {}

    # --- loaded once per event -------------------------------------------------------------
    @functools.cached_property
    def conversation_state(self):
        """The chat's ConversationState row (a conversation in progress), or None."""
        from linebot_app.storage.models import ConversationState

        return self.session.get(ConversationState, self.chat_id) if self.chat_id else None

    @functools.cached_property
    def handoff(self):
        """The patient's hand-over that keeps the bot silent now, or None."""
        from linebot_app.features.consultation.handoff import active_handoff

        return active_handoff(self)

    @functools.cached_property
    def interpretation(self):
        """What the patient's text means (see linebot_app.understanding), computed once."""
        state = self.conversation_state.state if self.conversation_state is not None else None
        return self.services.understanding.interpret(self.text, self.clock.now(), state)

    def display_name(self) -> str | None:
        """The patient's LINE name (personal data, never logged): the one fetched before the
        transaction, else the one stored on their LineUser row; raises NeedsDisplayName when
        neither is known, so the worker fetches it outside the transaction and runs again."""
        from linebot_app.storage.models import LineUser

        if not self.user_id:
            return None
        user = self.session.get(LineUser, self.user_id)
        if self.display_name_prefetched:
            if user is not None and self.prefetched_display_name:
                user.display_name = self.prefetched_display_name
            return self.prefetched_display_name or (user.display_name if user else None)
        if user is not None and user.display_name:
            return user.display_name
        raise NeedsDisplayName(self.user_id)

    # --- what to do besides replying ------------------------------------------------------
    def push(self, to: str, messages: list[Message]) -> None:
        self.pushes.append(PendingPush(to=to, messages=messages))

    def notify_staff(self, messages: list[Message]) -> bool:
        """Queue a push to the staff group; False when no staff group is configured."""
        if not self.settings.staff_group_id:
            log.warning("staff notification dropped: LINE_STAFF_GROUP_ID is not set")
            return False
        self.push(self.settings.staff_group_id, messages)
        return True
