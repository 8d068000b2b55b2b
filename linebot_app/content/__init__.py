"""Reply cards: content loaded from replies/ and config/, rendered as LINE Flex messages."""

from linebot_app.content.cards import ReplyLibrary, TopicCard, load_replies
from linebot_app.content.check import check_content, check_library, load_checked_replies
from linebot_app.content.render import (
    render_fallback,
    render_greeting,
    render_media_reply,
    render_topic,
    render_topics,
)

__all__ = [
    "ReplyLibrary",
    "TopicCard",
    "check_content",
    "check_library",
    "load_checked_replies",
    "load_replies",
    "render_fallback",
    "render_greeting",
    "render_media_reply",
    "render_topic",
    "render_topics",
]
