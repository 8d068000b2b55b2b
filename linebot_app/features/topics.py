"""Topic cards: what a patient asks (text or a topic button) answered with the article's cards.

Listeners: text in a 1:1 chat → the topics it asks (one card, or a carousel in the order asked),
a question back when the understanding step is unsure (handlers/clarify.py), or the fallback;
postback `action=topic&topic=<name>` → that card (`topic=a,b` → a carousel);
follow → greeting (with the patient's name when LINE gives it); sticker or image → a short
reply with the topic menu.

Booking and hand-over answer their topics themselves: `ctx.services.topic_actions` holds their
entry points, and they reply instead of the static 預約 / 真人 cards.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from linebot_app import metrics
from linebot_app.console.stats import count_event
from linebot_app.content.cards import ReplyLibrary
from linebot_app.content.clinic import ClinicConfig
from linebot_app.content.render import (
    render_fallback,
    render_media_reply,
    render_topic,
    render_topics,
)
from linebot_app.dispatch import (
    Dispatcher,
    EventContext,
    Message,
    event_type,
    media_message,
    one_to_one,
    postback_action,
    text_message,
)
from linebot_app.features import clarify
from linebot_app.features.users import mark_followed
from linebot_app.line import render
from linebot_app.line.limits import MAX_MESSAGES
from linebot_app.review.gate import ReviewGate
from linebot_app.understanding.unmatched import record_unmatched

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TopicCards:
    """The reply library with the clinic's details: cards for topics, in the order asked."""

    library: ReplyLibrary
    clinic: ClinicConfig
    # Holds back medical cards without a valid physician sign-off (linebot_app/review/gate.py).
    gate: ReviewGate | None = None

    def answer(
        self,
        topics: list[str] | tuple[str, ...],
        ctx: EventContext | None = None,
        *,
        with_actions: bool = True,
    ) -> list[Message]:
        """Answers in the order asked. With a context, a feature that answers a topic itself
        (booking, hand-over) replaces its static card; the remaining cards share one carousel,
        placed where the first of them was asked. Without one (or `with_actions=False`), static
        cards only. Every card passes the review gate here, whichever way it was asked."""
        parts: list[list[Message] | None] = []
        static: list[str] = []
        for topic in topics:
            action = (
                ctx.services.topic_actions.for_topic(topic)
                if ctx is not None and with_actions
                else None
            )
            if action is not None:
                parts.append(list(action(ctx) or []))
            else:
                if not static:
                    parts.append(None)  # where the cards go
                static.append(topic)
        held: list[str] = []
        if self.gate is not None and ctx is not None and static:
            static, held = self.gate.split(static, ctx)
        messages: list[Message] = []
        for part in parts:
            if part is not None:
                messages.extend(part)
                continue
            if static == ["greeting"] and ctx is not None:
                messages.extend(
                    render_topic("greeting", self.library, self.clinic, ctx.prefetched_display_name)
                )
            elif static:
                messages.extend(render_topics(static, self.library, self.clinic))
            if held:
                messages.extend(self.gate.held_reply())
        if len(messages) > MAX_MESSAGES:
            log.warning(
                "answer to %s cut from %d to %d messages", topics, len(messages), MAX_MESSAGES
            )
        return messages[:MAX_MESSAGES]

    def fallback(self, text: str | None = None) -> list[Message]:
        """「我還無法理解」 (or `text`) with the topic menu (counted in the metrics)."""
        metrics.count_routing_fallback()
        return render_fallback(self.library, self.clinic, text)


def fallback_text(seen, texts) -> str | None:
    """The fallback's sentence: for a message understood but beyond the article, the
    physician's call (own condition), 「只涵蓋外泌體」 (another treatment) or the physician's
    aftercare instructions (makeup, exercise … after a treatment); else the shared
    「我還無法理解」 (None)."""
    return {
        "own_condition": texts.own_condition_reply,
        "other_treatment": texts.other_treatment_reply,
        "aftercare": texts.aftercare_reply,
    }.get(seen.beyond_the_article or "")


def _record_unmatched(ctx: EventContext) -> None:
    """Count the question for staff; a failure is logged and never costs the patient a reply."""
    try:
        with ctx.session.begin_nested():
            record_unmatched(ctx.session, ctx.text, ctx.clock.now())
    except Exception:
        log.exception("could not record an unmatched message")


def register(dispatcher: Dispatcher) -> None:
    """Add the topic listeners. Group chats (the staff group) get no topic answers to text."""

    def topic_question(ctx: EventContext) -> list[Message]:
        """The interpretation's bands: cards (answer), a question back (clarify), or the
        fallback menu; thanks get a short reply."""
        seen = ctx.interpretation
        count_event(ctx, "question")
        if seen.topic_names:
            for topic in seen.topic_names:
                count_event(ctx, "topic", topic)
            return ctx.services.topics.answer(seen.topic_names, ctx)
        if seen.band == "clarify":
            count_event(ctx, "clarify")
            return clarify.ask_back(ctx)
        texts = ctx.services.understanding.config.texts
        if seen.intent == "thanks":
            return [render.text(texts.thanks_reply)]
        count_event(ctx, "fallback")
        _record_unmatched(ctx)
        return ctx.services.topics.fallback(fallback_text(seen, texts))

    def topic_button(ctx: EventContext) -> list[Message]:
        """`topic=<name>`, or several names comma-separated (a carousel, like typing them);
        `&clarify=<id>`: a tap under 「您是想問…嗎？」, recorded (都不是 → the menu)."""
        cards = ctx.services.topics
        if ctx.postback_data.get("clarify"):
            clarify.record_answer(ctx, ctx.postback_data.get("topic", ""))
            if ctx.postback_data.get("topic") == clarify.NONE_OF_THESE:
                return cards.fallback()
        asked = [t for t in ctx.postback_data.get("topic", "").split(",") if t]
        known = [t for t in dict.fromkeys(asked) if t in cards.library.topics]
        if not known or len(known) != len(asked):
            log.info("topic button names unknown topics: %r", asked)
        if not known:
            return cards.fallback()
        return cards.answer(known, ctx)

    def greet_new_friend(ctx: EventContext) -> list[Message]:
        mark_followed(ctx)
        cards = ctx.services.topics
        return render_topic("greeting", cards.library, cards.clinic, ctx.prefetched_display_name)

    def media_received(ctx: EventContext) -> list[Message]:
        return render_media_reply(ctx.services.topics.library, ctx.services.topics.clinic)

    dispatcher.add("topics.question", topic_question, one_to_one, text_message)
    dispatcher.add("topics.button", topic_button, postback_action("topic"))
    dispatcher.add("topics.greeting", greet_new_friend, event_type("follow"))
    dispatcher.add("topics.media", media_received, one_to_one, media_message)
