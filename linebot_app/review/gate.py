"""The one gate between a medical card and a patient (CONTENT_REVIEW_REQUIRED).

TopicCards.answer asks `split(topics, ctx)`: medical cards whose current rendered content has
no valid sign-off are held back, counted (metrics and insights), and answered with a short
neutral reply instead (config/messages.yaml: review_held_reply, 預約諮詢 and a call button).
Valid sign-offs are read from the database at most every `ttl` seconds per process (with the
event's own session), so a sign-off anywhere reaches every worker within seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from linebot_app import metrics
from linebot_app.console.stats import count_event
from linebot_app.content.cards import ReplyLibrary
from linebot_app.content.clinic import ClinicConfig
from linebot_app.content.render import book_action, call_action
from linebot_app.line.limits import MAX_ALT_TEXT
from linebot_app.review.models import CardReview, Decision
from linebot_app.review.state import rendered_card

log = logging.getLogger(__name__)
DEFAULT_TTL_SECONDS = 5.0


def signed_off_pairs(session: Session) -> frozenset[tuple[str, str]]:
    """(topic, content hash) of every card whose newest decision is a sign-off."""
    latest: dict[str, tuple[str, str]] = {}
    query = select(CardReview.topic, CardReview.content_hash, CardReview.decision).order_by(
        CardReview.id
    )
    for topic, digest, decision in session.execute(query):
        latest[topic] = (digest, decision)
    return frozenset(
        (topic, digest)
        for topic, (digest, decision) in latest.items()
        if decision == Decision.SIGNED_OFF
    )


class ReviewGate:
    def __init__(
        self,
        library: ReplyLibrary,
        clinic: ClinicConfig,
        *,
        required: bool,
        held_text: str,
        ttl: float = DEFAULT_TTL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self.library = library
        self.clinic = clinic
        self.required = required
        self.held_text = held_text
        self.ttl = ttl
        self._monotonic = monotonic
        self.hashes = {n: rendered_card(n, library, clinic).content_hash for n in library.topics}
        self._lock = threading.Lock()
        self._signed: frozenset[tuple[str, str]] = frozenset()
        self._loaded_at: float | None = None

    def use_library(self, library: ReplyLibrary) -> None:
        """The library with the live console cards (review/live.py)."""
        hashes = {
            n: self.hashes.get(n) or rendered_card(n, library, self.clinic).content_hash
            for n in library.topics
        }
        self.hashes, self.library = hashes, library

    def needs_signoff(self, topic: str) -> bool:
        card = self.library.topics.get(topic)
        return self.required and card is not None and card.kind == "medical"

    def invalidate(self) -> None:
        """Read the sign-offs again on the next question (after a decision in this process)."""
        with self._lock:
            self._loaded_at = None

    def signed(self, session: Session) -> frozenset[tuple[str, str]]:
        now = self._monotonic()
        with self._lock:
            fresh = self._loaded_at is not None and now - self._loaded_at < self.ttl
            if fresh:
                return self._signed
        found = signed_off_pairs(session)
        with self._lock:
            self._signed, self._loaded_at = found, now
        return found

    def is_cleared(self, topic: str, session: Session) -> bool:
        if not self.needs_signoff(topic):
            return True
        return (topic, self.hashes[topic]) in self.signed(session)

    def split(self, topics: Sequence[str], ctx) -> tuple[list[str], list[str]]:
        """(cards that may be sent, medical cards held back); held ones are counted."""
        if not self.required or not any(self.needs_signoff(t) for t in topics):
            return list(topics), []
        cleared, held = [], []
        for topic in topics:
            (cleared if self.is_cleared(topic, ctx.session) else held).append(topic)
        for topic in held:
            metrics.count_review_held(topic)
            count_event(ctx, "review_held", topic)
        if held:
            log.info("review: held %s (no valid physician sign-off)", ",".join(held))
        return cleared, held

    def held_reply(self) -> list[dict]:
        """「這個主題的說明正在由醫師審閱…」 with 預約諮詢 and a call button."""
        library, clinic = self.library, self.clinic
        colours, sizes = library.style.colours, library.style.sizes
        return [
            {
                "type": "flex",
                "altText": self.held_text[:MAX_ALT_TEXT],
                "contents": {
                    "type": "bubble",
                    "size": sizes.bubble,
                    "body": {
                        "type": "box",
                        "layout": "vertical",
                        "contents": [
                            {
                                "type": "text",
                                "text": self.held_text,
                                "wrap": True,
                                "size": sizes.body,
                                "color": colours.body_text,
                            }
                        ],
                    },
                    "footer": {
                        "type": "box",
                        "layout": "vertical",
                        "spacing": "sm",
                        "contents": [
                            _button(book_action(library), "primary", colours.primary_button),
                            _button(
                                call_action(library, clinic), "secondary", colours.secondary_button
                            ),
                        ],
                    },
                },
            }
        ]


def _button(action: dict, style: str, colour: str) -> dict:
    return {"type": "button", "action": action, "style": style, "color": colour, "height": "sm"}
