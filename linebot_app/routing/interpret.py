"""A keywords-only understanding step (topics, command words, urgent words), for tests that
build the services by hand. The bot uses `linebot_app.understanding` (docs/understanding.md),
which provides the same attributes (see docs/dispatch.md for what matchers may rely on)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from linebot_app.cards.content import ReplyLibrary
    from linebot_app.consultation.config import ConsultationConfig

COMMANDS = ("cancel", "my_requests", "delete_data")


@dataclass(frozen=True)
class Interpretation:
    text: str
    topic_names: tuple[str, ...] = ()  # topics asked, in the order asked
    command: str | None = None  # one of COMMANDS: the whole message is that command word
    urgent_word: str | None = None  # a word of config/consultation.yaml's urgent_words

    @property
    def band(self) -> str:
        """As the understanding step's: cards when topics were found, else the fallback."""
        return "answer" if self.topic_names else "fallback"

    @property
    def intent(self) -> str:
        if self.urgent_word:
            return "urgent"
        if self.command == "my_requests":
            return "my_requests"
        if self.command == "delete_data":
            return "delete_data"
        if "human" in self.topic_names:
            return "handover"
        if "booking" in self.topic_names:
            return "book"
        if self.topic_names == ("greeting",):
            return "greeting"
        return "ask" if self.topic_names else "offtopic"


NOTHING = Interpretation(text="")


class KeywordUnderstanding:
    """Keywords (the reply library's automaton), command words and urgent words."""

    def __init__(self, library: ReplyLibrary, consultation: ConsultationConfig | None = None):
        self.library = library
        self.consultation = consultation

    def interpret(self, text: str, now: dt.datetime, state: str | None = None) -> Interpretation:
        if not text.strip():
            return NOTHING
        config = self.consultation
        command = None
        urgent = None
        if config is not None:
            command = next((c for c in COMMANDS if config.commands.matches(c, text)), None)
            urgent = config.urgent_word_in(text)
        return Interpretation(
            text=text,
            topic_names=tuple(self.library.route_topics(text)),
            command=command,
            urgent_word=urgent,
        )
