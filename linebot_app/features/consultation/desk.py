"""What every consultation handler needs, built once per app: the validated config and its
wording, the clinic, who counts as staff, and the patient's LINE name.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from linebot_app.content.clinic import ClinicConfig, when_text
from linebot_app.dispatch import EventContext
from linebot_app.features.consultation.config import ConsultationConfig, Wording
from linebot_app.features.users import get_or_create_user
from linebot_app.line import render
from linebot_app.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Desk:
    config: ConsultationConfig
    clinic: ClinicConfig
    settings: Settings
    # Each drops the chat's flow in one conversation (booking): a hand-over or a data deletion
    # ends whatever the patient was in the middle of.
    conversation_enders: list[Callable[[EventContext], bool]] = field(default_factory=list)
    wording: Wording = field(init=False)

    def __post_init__(self) -> None:
        self.wording = Wording(self.config, self.clinic)

    def say(self, key: str, **values: object) -> str:
        return self.wording.say(key, **values)

    def when(self, moment: dt.datetime) -> str:
        return when_text(moment, self.clinic.tz)

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

    def is_staff_group(self, ctx: EventContext) -> bool:
        group = ctx.source.get("groupId")
        return bool(group) and group == self.settings.staff_group_id

    def is_staff(self, ctx: EventContext) -> bool:
        """Staff buttons count from the staff group, or from a staff user listed in config."""
        if self.is_staff_group(ctx):
            return True
        return bool(ctx.user_id) and ctx.user_id in self.config.staff_user_ids

    def display_name(self, ctx: EventContext) -> str | None:
        """The patient's LINE name (personal data: kept on their LineUser row, never logged).
        Never asks LINE here, inside the transaction: see EventContext.display_name."""
        if get_or_create_user(ctx) is None:
            return None
        return ctx.display_name()

    def cancel_button(self, data: str) -> dict:
        return render.postback(self.config.buttons.cancel, data, self.config.buttons.cancel)

    def my_requests_button(self) -> dict:
        label = self.config.buttons.my_requests
        return render.postback(label, render.data(action="my_requests"), label)

    def book_button(self) -> dict:
        label = self.config.buttons.book
        return render.postback(label, render.data(action="book"), label)
