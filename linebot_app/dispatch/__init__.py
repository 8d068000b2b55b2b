"""Event dispatch: the per-event context, matchers, middleware and the listener registry."""

from linebot_app.dispatch.context import EventContext, Message, NeedsDisplayName, PendingPush
from linebot_app.dispatch.matchers import (
    Matcher,
    command,
    event_type,
    intent,
    media_message,
    message_type,
    one_to_one,
    postback_action,
    text_message,
)
from linebot_app.dispatch.registry import (
    Dispatcher,
    Handler,
    Listener,
    Middleware,
    Next,
    Result,
    UnreachableListeners,
)

__all__ = [
    "Dispatcher",
    "EventContext",
    "Handler",
    "Listener",
    "Matcher",
    "Message",
    "Middleware",
    "NeedsDisplayName",
    "Next",
    "PendingPush",
    "Result",
    "UnreachableListeners",
    "command",
    "event_type",
    "intent",
    "media_message",
    "message_type",
    "one_to_one",
    "postback_action",
    "text_message",
]
