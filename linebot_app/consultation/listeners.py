"""The consultation feature's listeners, most specific first. Register before topic routing
and the catch-all placeholders (see `linebot_app.handlers.register_handlers`).

Order matters: staff buttons; the staff group's own chatter (never answered); the patient's
buttons (they work even while the bot is silent for a hand-over); 刪除我的資料; urgent words;
我的預約; a booking in progress; and last the silence of a hand-over, which swallows what
the patient types until staff resume automatic replies.
"""

from __future__ import annotations

from functools import partial

from linebot_app.bot import Bot
from linebot_app.consultation import my_requests, privacy
from linebot_app.consultation.booking import Booking
from linebot_app.consultation.config import load_consultation_config
from linebot_app.consultation.desk import Desk, TopicAnswers
from linebot_app.consultation.handoff import answer_urgent, is_silenced, start_handoff, stay_silent
from linebot_app.consultation.staff import staff_action
from linebot_app.dispatch import EventContext, Matcher, Message, postback_action


def build_desk(bot: Bot) -> Desk:
    config = load_consultation_config(bot.settings.config_dir)
    topics = TopicAnswers(bot.settings, bot.clinic, lambda: getattr(bot, "replies", None))
    return Desk(config, bot.clinic, bot.settings, topics)


def register(bot: Bot) -> Desk:
    desk = build_desk(bot)
    booking = Booking(desk)
    desk.conversation_enders.append(booking.forget)
    bot.services["consultation"] = desk

    def handoff_by_button(ctx: EventContext) -> list[Message]:
        return start_handoff(desk, ctx, "button")

    def handoff_by_words(ctx: EventContext) -> list[Message]:
        return start_handoff(desk, ctx, "words")

    def urgent(ctx: EventContext) -> list[Message]:
        return answer_urgent(desk, ctx, desk.config.urgent_word_in(ctx.text) or "")

    add = bot.dispatcher.add
    add(postback_action("staff"), partial(staff_action, desk), "staff.action")
    add(_in_staff_group(bot), _say_nothing, "staff.group_message")
    add(postback_action("book"), booking.start, "booking.start")
    add(postback_action("booking"), booking.on_button, "booking.step")
    add(postback_action("human"), handoff_by_button, "handoff.start")
    add(
        postback_action("my_requests"), partial(my_requests.show_requests, desk), "my_requests.show"
    )
    add(postback_action("mybooking"), partial(my_requests.on_button, desk), "my_requests.button")
    add(postback_action("privacy"), partial(privacy.on_button, desk), "privacy.button")
    add(_command(desk, "delete_data"), partial(privacy.ask_to_delete, desk), "privacy.ask")
    add(_urgent_words(desk), urgent, "handoff.urgent")
    add(_command(desk, "my_requests"), partial(my_requests.show_requests, desk), "my_requests.text")
    add(booking.in_progress, booking.on_text, "booking.conversation")
    add(is_silenced, stay_silent, "handoff.silent")
    bot.topic_actions["booking"] = booking.start
    bot.topic_actions["human"] = handoff_by_words
    return desk


def _text_in_one_to_one(ctx: EventContext) -> bool:
    return ctx.is_one_to_one and ctx.event_type == "message" and ctx.message_type == "text"


def _command(desk: Desk, kind: str) -> Matcher:
    return lambda ctx: _text_in_one_to_one(ctx) and desk.config.commands.matches(kind, ctx.text)


def _urgent_words(desk: Desk) -> Matcher:
    return lambda ctx: _text_in_one_to_one(ctx) and desk.config.urgent_word_in(ctx.text) is not None


def _in_staff_group(bot: Bot) -> Matcher:
    group = bot.settings.staff_group_id
    return lambda ctx: (
        bool(group) and ctx.event_type == "message" and ctx.source.get("groupId") == group
    )


def _say_nothing(ctx: EventContext) -> list[Message]:
    return []
