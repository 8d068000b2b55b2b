"""Which handler answers which event, in order: the first matching listener wins.

Feature packages register their listeners here, most specific first (a conversation in
progress before topic routing, topic routing before the catch-all placeholders).
"""

from __future__ import annotations

from linebot_app.bot import Bot
from linebot_app.consultation import listeners as consultation
from linebot_app.handlers import basic, topics


def register_handlers(bot: Bot) -> None:
    consultation.register(bot)  # staff buttons, booking, 我的預約, hand-over silence
    topics.register(bot.dispatcher, bot.replies, bot.clinic)
    basic.register(bot)
