"""Baseline listeners, registered last: unfollow bookkeeping and a short answer to text in a
group or room (the topic listeners answer 1:1 chats; a follow gets the greeting card there)."""

from __future__ import annotations

from collections.abc import Callable

from linebot_app.dispatch import Dispatcher, EventContext, Message, event_type, text_message
from linebot_app.features.users import mark_unfollowed


def register(dispatcher: Dispatcher, placeholder_text: Callable[[], str]) -> None:
    def unfollowed(ctx: EventContext) -> list[Message]:
        mark_unfollowed(ctx)
        return []

    def placeholder(ctx: EventContext) -> list[Message]:
        return [{"type": "text", "text": placeholder_text()}]

    dispatcher.add("unfollowed", unfollowed, event_type("unfollow"))
    dispatcher.add("placeholder", placeholder, text_message)
