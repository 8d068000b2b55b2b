"""The whole order in one place: rules for every event (middleware), then listeners, most
specific first. `Dispatcher.check()` refuses a listener that can never fire;
`flask --app linebot_app listeners` prints the final order.

A new rule for every event: a middleware, added in the chain below. A new handler: a listener
in its feature's `register`, placed here. A new booking step: a state in
consultation/booking.py's Conversation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from linebot_app.features import basic, topics
from linebot_app.features.consultation import listeners as consultation

if TYPE_CHECKING:
    from linebot_app.bot import Bot


def register_handlers(bot: Bot) -> None:
    dispatcher = bot.dispatcher
    desk = consultation.build_desk(bot)
    # Middleware: staff group silent → urgent words answered → hand-over silence.
    consultation.register_rules(dispatcher, desk)
    # Listeners: staff buttons, the patient's buttons and commands, booking, hand-over button …
    consultation.register_listeners(dispatcher, desk, bot.services)
    # … topic questions and buttons, greeting, stickers …
    topics.register(dispatcher)
    # … and last, unfollow bookkeeping and text in groups.
    basic.register(dispatcher, lambda: bot.content.say("placeholder_reply"))
    dispatcher.check()
