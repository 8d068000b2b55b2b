"""「您是想問…嗎？」: when the understanding step is unsure, ask back with its best guesses as
quick replies (and 都不是 → the topic menu with 預約諮詢 and 真人客服), and record the question
and the tap as a labelled example for staff (`understanding.clarifications`)."""

from __future__ import annotations

import logging

from linebot_app.dispatch import EventContext, Message
from linebot_app.line import render
from linebot_app.understanding.clarifications import NONE_OF_THESE, record_question, record_tap

__all__ = ["NONE_OF_THESE", "ask_back", "record_answer"]
from linebot_app.content.wording import say

log = logging.getLogger(__name__)


def ask_back(ctx: EventContext) -> list[Message]:
    cards = ctx.services.topics
    texts = ctx.services.understanding.config.texts
    options = [t for t in ctx.interpretation.clarify_topics if t in cards.library.topics]
    if not options:
        return cards.fallback()
    question_id = _record(ctx, options)
    labels = [cards.library.topics[t].label for t in options]
    sentence = say(
        texts.clarify_question,
        cards.clinic,
        options=texts.clarify_or.join(f"「{label}」" for label in labels),
    )
    quick = [
        render.postback(label, render.data(action="topic", topic=topic, clarify=question_id), label)
        for topic, label in zip(options, labels, strict=True)
    ]
    quick.append(
        render.postback(
            texts.clarify_none,
            render.data(action="topic", topic=NONE_OF_THESE, clarify=question_id),
            texts.clarify_none,
        )
    )
    return [render.text(sentence, quick)]


def _record(ctx: EventContext, options: list[str]) -> int | str:
    """The stored question's id (masked text); a failure is logged and costs no reply."""
    try:
        with ctx.session.begin_nested():
            return record_question(ctx.session, ctx.text, options, ctx.clock.now()).id
    except Exception:
        log.exception("could not record a clarifying question")
        return "0"


def record_answer(ctx: EventContext, topic: str) -> None:
    """The patient tapped `topic` (or 都不是) under a clarifying question."""
    question = ctx.postback_data.get("clarify", "")
    try:
        with ctx.session.begin_nested():
            record_tap(ctx.session, question, topic, ctx.clock.now())
    except Exception:
        log.exception("could not record the answer to a clarifying question")
