"""Event dispatch: a small ordered registry of (matcher → handler), in the spirit of Bolt listeners.

A handler is a plain function `handler(ctx: EventContext) -> list[dict] | None`. It returns the
LINE message objects (JSON dicts, camelCase, at most 5) to reply with, or None/[] for no reply.
It never talks HTTP: pushes (to staff, to a patient) are queued with `ctx.push(...)` and sent by
the worker after the handler's database work has been committed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from linebot_app.clinic import ClinicConfig
    from linebot_app.clock import Clock
    from linebot_app.settings import Settings

log = logging.getLogger(__name__)

Message = dict[str, Any]
Handler = Callable[["EventContext"], "list[Message] | None"]
Matcher = Callable[["EventContext"], bool]


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
    services: dict[str, Any] = field(default_factory=dict)
    pushes: list[PendingPush] = field(default_factory=list)
    # The patient's LINE name when it was fetched before the handler's transaction (follow events):
    # a LINE API call inside the transaction would hold SQLite's write lock for its latency.
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


# --- matchers --------------------------------------------------------------------------------
def event_type(name: str) -> Matcher:
    return lambda ctx: ctx.event_type == name


def message_type(name: str) -> Matcher:
    return lambda ctx: ctx.event_type == "message" and ctx.message_type == name


def postback_action(action: str) -> Matcher:
    return lambda ctx: ctx.postback_data.get("action") == action


@dataclass
class Listener:
    name: str
    matcher: Matcher
    handler: Handler


class Dispatcher:
    """Ordered listeners; the first whose matcher accepts the event handles it."""

    def __init__(self) -> None:
        self.listeners: list[Listener] = []

    def add(self, matcher: Matcher, handler: Handler, name: str | None = None) -> None:
        self.listeners.append(Listener(name or handler.__name__, matcher, handler))

    def on(self, matcher: Matcher) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.add(matcher, handler)
            return handler

        return register

    def find(self, ctx: EventContext) -> Listener | None:
        return next((lst for lst in self.listeners if lst.matcher(ctx)), None)

    def dispatch(self, ctx: EventContext) -> tuple[str, list[Message]]:
        """Run the matching handler; returns (listener name or 'unhandled', reply messages)."""
        listener = self.find(ctx)
        if listener is None:
            log.info("no handler for event type=%s; acknowledged", ctx.event_type)
            return "unhandled", []
        return listener.name, list(listener.handler(ctx) or [])
