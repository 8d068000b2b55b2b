"""Topic cards: what a patient asks (text or a topic button) answered with the article's cards.

Listeners (add them after any conversation in progress, before catch-all placeholders):
text in a 1:1 chat → routed topics (one card, or a carousel in the order asked) or the fallback;
postback `action=topic&topic=<name>` → that card (`topic=a,b` → a carousel); `action=book` /
`action=human` → the booking / human topics; follow → greeting (with the patient's name when
LINE gives it); sticker or image → a short reply with the topic menu.

Booking and hand-over belong to other features: they put a callable in `bot.topic_actions`
(reached here as `ctx.services["topic_actions"]`) under the topic's name, and it answers instead
of the static card.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from linebot_app.cards.content import ReplyLibrary
from linebot_app.cards.render import (
    MAX_MESSAGES,
    render_fallback,
    render_media_reply,
    render_topic,
    render_topics,
)
from linebot_app.clinic import ClinicConfig
from linebot_app.console.stats import count_event
from linebot_app.dispatch import Dispatcher, EventContext, event_type, postback_action
from linebot_app.routing.unmatched import record_unmatched
from linebot_app.users import mark_followed

log = logging.getLogger(__name__)

Message = dict
TopicAction = Callable[[EventContext], list[Message]]


def topic_action(ctx: EventContext, topic: str) -> TopicAction | None:
    """The feature that answers `topic` itself (e.g. booking → the consultation flow), if any."""
    return (ctx.services.get("topic_actions") or {}).get(topic)


def display_name(ctx: EventContext) -> str | None:
    """The patient's LINE name for the greeting: fetched before the transaction on follow; a
    greeting typed later (「你好」) goes without it rather than call LINE inside the transaction."""
    return ctx.prefetched_display_name


def answer_topics(
    topics: list[str],
    library: ReplyLibrary,
    clinic: ClinicConfig,
    ctx: EventContext | None = None,
    *,
    run_actions: bool = True,
) -> list[Message]:
    """Answers in the order asked: a registered action replaces a topic's static card; the
    remaining cards share one carousel, placed where the first of them was asked."""
    parts: list[list[Message] | None] = []
    static: list[str] = []
    for topic in topics:
        action = topic_action(ctx, topic) if ctx is not None and run_actions else None
        if action is not None:
            parts.append(list(action(ctx) or []))
        else:
            if not static:
                parts.append(None)  # where the cards go
            static.append(topic)
    messages: list[Message] = []
    for part in parts:
        if part is not None:
            messages.extend(part)
        elif static == ["greeting"] and ctx is not None:
            messages.extend(render_topic("greeting", library, clinic, display_name(ctx)))
        else:
            messages.extend(render_topics(static, library, clinic))
    if len(messages) > MAX_MESSAGES:
        log.warning("answer to %s cut from %d to %d messages", topics, len(messages), MAX_MESSAGES)
    return messages[:MAX_MESSAGES]


def answer_text(
    ctx_or_text: EventContext | str,
    library: ReplyLibrary,
    clinic: ClinicConfig,
    *,
    run_actions: bool = True,
) -> list[Message] | None:
    """Cards for a topic question, or None when the text names no topic.

    For flows that take text themselves (e.g. a consultation in progress) and still want to
    answer 「副作用?」 on the way. Given a plain string, no action runs (static cards only).
    """
    if isinstance(ctx_or_text, str):
        text, ctx = ctx_or_text, None
    else:
        text, ctx = ctx_or_text.text, ctx_or_text
    topics = library.route_topics(text)
    if not topics:
        return None
    return answer_topics(topics, library, clinic, ctx, run_actions=run_actions)


def _record_unmatched(ctx: EventContext) -> None:
    """Count the question for staff; a failure is logged and never costs the patient a reply."""
    try:
        with ctx.session.begin_nested():
            record_unmatched(ctx.session, ctx.text, ctx.clock.now())
    except Exception:
        log.exception("could not record an unmatched message")


def _is_text_in_one_to_one(ctx: EventContext) -> bool:
    return ctx.is_one_to_one and ctx.event_type == "message" and ctx.message_type == "text"


def _is_media_in_one_to_one(ctx: EventContext) -> bool:
    return (
        ctx.is_one_to_one
        and ctx.event_type == "message"
        and ctx.message_type in ("sticker", "image")
    )


def register(dispatcher: Dispatcher, library: ReplyLibrary, clinic: ClinicConfig) -> None:
    """Add the topic listeners. Group chats (the staff group) get no topic answers to text."""

    def topic_question(ctx: EventContext) -> list[Message]:
        answer = answer_text(ctx, library, clinic)
        count_event(ctx, "question")
        if answer is not None:
            for topic in library.route_topics(ctx.text):
                count_event(ctx, "topic", topic)
            return answer
        count_event(ctx, "fallback")
        _record_unmatched(ctx)
        return render_fallback(library, clinic)

    def topic_button(ctx: EventContext) -> list[Message]:
        """`topic=<name>`, or several names comma-separated (a carousel, like typing them)."""
        asked = [t for t in ctx.postback_data.get("topic", "").split(",") if t]
        known = [t for t in dict.fromkeys(asked) if t in library.topics]
        if not known or len(known) != len(asked):
            log.info("topic button names unknown topics: %r", asked)
        if not known:
            return render_fallback(library, clinic)
        return answer_topics(known, library, clinic, ctx)

    def book_button(ctx: EventContext) -> list[Message]:
        return answer_topics(["booking"], library, clinic, ctx)

    def human_button(ctx: EventContext) -> list[Message]:
        return answer_topics(["human"], library, clinic, ctx)

    def greet_new_friend(ctx: EventContext) -> list[Message]:
        mark_followed(ctx)
        return render_topic("greeting", library, clinic, display_name(ctx))

    def media_received(ctx: EventContext) -> list[Message]:
        return render_media_reply(library, clinic)

    dispatcher.add(_is_text_in_one_to_one, topic_question, "topics.question")
    dispatcher.add(postback_action("topic"), topic_button, "topics.button")
    dispatcher.add(postback_action("book"), book_button, "topics.book")
    dispatcher.add(postback_action("human"), human_button, "topics.human")
    dispatcher.add(event_type("follow"), greet_new_friend, "topics.greeting")
    dispatcher.add(_is_media_in_one_to_one, media_received, "topics.media")
