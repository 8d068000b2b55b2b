"""Listener matchers: named, pure tests of one event.

A matcher reads only the event, the conversation state and the interpretation that the context
loads once per event; it never queries the database itself. Matchers with the same `name` are
the same test, which is what lets the order check see that one listener shadows another.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from linebot_app.dispatch.context import EventContext


@dataclass(frozen=True)
class Matcher:
    name: str
    test: Callable[[EventContext], bool] = field(compare=False, repr=False)

    def __call__(self, ctx: EventContext) -> bool:
        return self.test(ctx)


def event_type(name: str) -> Matcher:
    return Matcher(f"event={name}", lambda ctx: ctx.event_type == name)


def message_type(name: str) -> Matcher:
    return Matcher(
        f"message={name}", lambda ctx: ctx.event_type == "message" and ctx.message_type == name
    )


def postback_action(action: str) -> Matcher:
    return Matcher(
        f"postback.action={action}", lambda ctx: ctx.postback_data.get("action") == action
    )


def command(kind: str) -> Matcher:
    """The patient typed one of the command words of config/consultation.yaml (我的預約 ...)."""
    return Matcher(f"command={kind}", lambda ctx: ctx.interpretation.command == kind)


def intent(name: str) -> Matcher:
    """The understanding step read the text as `name` (docs/understanding.md)."""
    return Matcher(f"intent={name}", lambda ctx: ctx.interpretation.intent == name)


one_to_one = Matcher("one_to_one", lambda ctx: ctx.is_one_to_one)
text_message = message_type("text")
media_message = Matcher(
    "message=sticker|image",
    lambda ctx: ctx.event_type == "message" and ctx.message_type in ("sticker", "image"),
)
