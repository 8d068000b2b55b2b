"""Baseline handlers: follow/unfollow bookkeeping, a welcome, and a placeholder for text.

Later features register more specific listeners before these.
"""

from __future__ import annotations

from linebot_app.bot import Bot
from linebot_app.dispatch import EventContext, event_type, message_type
from linebot_app.users import mark_followed, mark_unfollowed


def register(bot: Bot) -> None:
    def welcome(ctx: EventContext) -> list[dict]:
        mark_followed(ctx)
        return [{"type": "text", "text": bot.messages.say("welcome", bot.clinic)}]

    def unfollowed(ctx: EventContext) -> list[dict]:
        mark_unfollowed(ctx)
        return []

    def placeholder(ctx: EventContext) -> list[dict]:
        return [{"type": "text", "text": bot.messages.say("placeholder_reply", bot.clinic)}]

    bot.dispatcher.add(event_type("follow"), welcome, "welcome")
    bot.dispatcher.add(event_type("unfollow"), unfollowed, "unfollowed")
    bot.dispatcher.add(message_type("text"), placeholder, "placeholder")
