"""What every consultation handler needs, built once per app: the validated config and its
wording, the clinic, who counts as staff, the patient's LINE name, and topic answers.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from linebot_app.clinic import ClinicConfig
from linebot_app.consultation import render
from linebot_app.consultation.config import ConsultationConfig, Wording
from linebot_app.dispatch import EventContext, Message
from linebot_app.settings import Settings
from linebot_app.users import get_or_create_user, line_display_name

log = logging.getLogger(__name__)


class TopicAnswers:
    """The topic-cards feature seen from a conversation: which topics a text asks about, and
    their static cards. Loaded on first use (the cards may be registered after us)."""

    def __init__(
        self,
        settings: Settings,
        clinic: ClinicConfig,
        library: Callable[[], Any | None] = lambda: None,
    ):
        """`library()` gives the app's loaded ReplyLibrary, if it has one."""
        self._settings, self._clinic, self._library = settings, clinic, library
        self._lock = threading.Lock()
        self._loaded: tuple[Any, Any] | None = None

    def _load(self) -> tuple[Any, Any] | None:
        with self._lock:
            if self._loaded is None:
                try:
                    from linebot_app.cards.content import load_replies
                    from linebot_app.handlers.topics import answer_text
                except ImportError:
                    log.warning(
                        "topic cards unavailable: questions mid-booking get no card", exc_info=True
                    )
                    return None
                library = self._library() or load_replies(
                    self._settings.replies_dir, self._settings.config_dir
                )
                self._loaded = (library, answer_text)
            return self._loaded

    def topics(self, text: str) -> list[str]:
        loaded = self._load()
        return loaded[0].route_topics(text) if loaded and text.strip() else []

    def answer(self, text: str) -> list[Message] | None:
        """Static cards for `text` (no feature actions run), or None."""
        loaded = self._load()
        if not loaded:
            return None
        library, answer_text = loaded
        return answer_text(text, library, self._clinic)


@dataclass
class Desk:
    config: ConsultationConfig
    clinic: ClinicConfig
    settings: Settings
    topic_answers: TopicAnswers
    # Each drops the chat's flow in one conversation (booking): a hand-over or a data deletion
    # ends whatever the patient was in the middle of.
    conversation_enders: list[Callable[[EventContext], bool]] = field(default_factory=list)
    wording: Wording = field(init=False)

    def __post_init__(self) -> None:
        self.wording = Wording(self.config, self.clinic)

    def say(self, key: str, **values: object) -> str:
        return self.wording.say(key, **values)

    def when(self, moment: dt.datetime) -> str:
        return render.when(moment, self.clinic.tz)

    def closed_note(self, now: dt.datetime, key: str) -> str | None:
        """The `key` sentence with {next_open} when staff are out now, else None."""
        if self.clinic.is_open(now):
            return None
        opening = self.clinic.next_opening(now)
        if opening is None:
            return None
        return self.say(key, next_open=self.when(opening))

    def end_conversations(self, ctx: EventContext) -> bool:
        return any([end(ctx) for end in self.conversation_enders])

    def is_staff(self, ctx: EventContext) -> bool:
        """Staff buttons count from the staff group, or from a staff user listed in config."""
        group = ctx.source.get("groupId")
        if group and self.settings.staff_group_id and group == self.settings.staff_group_id:
            return True
        return bool(ctx.user_id) and ctx.user_id in self.config.staff_user_ids

    def display_name(self, ctx: EventContext) -> str | None:
        """The patient's LINE name (personal data: kept on their LineUser row, never logged)."""
        user = get_or_create_user(ctx)
        if user is None:
            return None
        name = line_display_name(ctx)
        if name:
            user.display_name = name
        return user.display_name

    def cancel_button(self, data: str) -> dict:
        return render.postback(self.config.buttons.cancel, data, self.config.buttons.cancel)

    def my_requests_button(self) -> dict:
        label = self.config.buttons.my_requests
        return render.postback(label, render.data(action="my_requests"), label)

    def book_button(self) -> dict:
        label = self.config.buttons.book
        return render.postback(label, render.data(action="book"), label)
