"""The typed services a handler reaches through `ctx.services`, built once per process.

Each field is one concept with one home: the LINE client, the topic cards, the understanding
step, the consultation desk, and the features that answer a topic themselves (booking and
hand-over replace the static 預約 / 真人 cards with their conversation).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from linebot_app.dispatch.context import EventContext, Message
    from linebot_app.features.consultation.desk import Desk
    from linebot_app.features.topics import TopicCards
    from linebot_app.line.client import LineClient
    from linebot_app.understanding.interpretation import Understanding

TopicAction = Callable[["EventContext"], "list[Message]"]


@dataclass
class TopicActions:
    """Features that answer a topic themselves instead of its static card."""

    book: TopicAction | None = None  # the `booking` topic → the booking conversation
    hand_over: TopicAction | None = None  # the `human` topic → hand over to staff

    def for_topic(self, topic: str) -> TopicAction | None:
        return {"booking": self.book, "human": self.hand_over}.get(topic)


@dataclass
class Services:
    line: LineClient
    understanding: Understanding
    topics: TopicCards
    desk: Desk | None = None  # None when the consultation feature is not registered
    topic_actions: TopicActions = field(default_factory=TopicActions)
