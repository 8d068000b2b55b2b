"""The consultation feature wired into the dispatcher: its rules for every event and its
listeners (see linebot_app/features/__init__.py for where they stand in the whole order)."""

from __future__ import annotations

from functools import partial

from linebot_app.dispatch import (
    Dispatcher,
    command,
    intent,
    one_to_one,
    postback_action,
    text_message,
)
from linebot_app.features.consultation import change_request, handoff, my_requests, privacy, staff
from linebot_app.features.consultation.booking import Booking
from linebot_app.features.consultation.desk import Desk
from linebot_app.services import Services


def build_desk(bot) -> Desk:
    desk = Desk(bot.consultation, bot.clinic, bot.settings)
    bot.services.desk = desk
    return desk


def register_rules(dispatcher: Dispatcher, desk: Desk) -> None:
    """Middleware, in order: the staff group is silent; urgent words are always answered; a
    hand-over keeps the bot quiet for that patient."""
    dispatcher.use(staff.staff_group_is_silent(desk), "staff_group_is_silent")
    dispatcher.use(handoff.urgent_words_are_always_answered(desk), "urgent_words")
    dispatcher.use(handoff.silence_while_handed_over)


def register_listeners(dispatcher: Dispatcher, desk: Desk, services: Services) -> None:
    """Listeners, most specific first: staff buttons; the patient's buttons and commands;
    the booking conversation; the hand-over button."""
    booking = Booking(desk)
    desk.conversation_enders.append(booking.forget)
    services.topic_actions.book = booking.start
    services.topic_actions.hand_over = handoff.hand_over_by_words(desk)

    add = dispatcher.add
    add("staff.action", partial(staff.staff_action, desk), postback_action("staff"))
    add("privacy.button", partial(privacy.on_button, desk), postback_action("privacy"))
    add(
        "privacy.ask",
        partial(privacy.ask_to_delete, desk),
        one_to_one,
        text_message,
        command("delete_data"),
    )
    add("my_requests.show", partial(my_requests.on_button, desk), postback_action("my_requests"))
    add(
        "my_requests.text",
        partial(my_requests.show_requests, desk),
        one_to_one,
        text_message,
        command("my_requests"),
    )
    booking.register(dispatcher)
    handoff.register(dispatcher, desk)
    # Said in words rather than as the exact command (「我預約的時間是幾點」「我想刪除我的資料」),
    # and cancelling or moving a request by words (「取消預約」「可以改到別天嗎」).
    add(
        "my_requests.words",
        partial(my_requests.show_requests, desk),
        one_to_one,
        text_message,
        intent("my_requests"),
    )
    add(
        "privacy.words",
        partial(privacy.ask_to_delete, desk),
        one_to_one,
        text_message,
        intent("delete_data"),
    )
    change_request.register(dispatcher, desk)
