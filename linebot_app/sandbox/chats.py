"""The sandbox's two chats (a patient's 1:1 chat, the staff group) and what people do in them.

Every action becomes a webhook event built by the fake LINE platform (which also puts it in the
chat's timeline, as LINE shows it) and goes to the bot through the relay, signed, over HTTP.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Literal

from linebot_app.fakeline import FakeLinePlatform, TimelineEntry
from linebot_app.sandbox.relay import WebhookRelay

PaneName = Literal["patient", "staff"]
# The sandbox's pretend people (LINE profiles the bot can look up).
PATIENT_NAME = "王小美"
STAFF_NAME = "櫃台 林小姐"


def record_notice(platform: FakeLinePlatform, chat_id: str, text: str) -> None:
    """A sandbox remark (not a LINE message) shown in the chat, e.g. a refused webhook."""
    platform.record_user_message(
        chat_id, {"type": "notice", "text": text}, kind="notice", sender="system"
    )


@dataclass(frozen=True)
class Pane:
    """One side of the page: who acts there, and in which chat."""

    name: PaneName
    user_id: str
    group_id: str | None = None

    @property
    def chat_id(self) -> str:
        return self.group_id or self.user_id


class SandboxChats:
    """The current patient and staff member; replacing the patient starts a fresh 1:1 chat."""

    def __init__(self, platform: FakeLinePlatform, staff_group_id: str, relay: WebhookRelay):
        self.platform = platform
        self.relay = relay
        self._lock = threading.Lock()
        self._started: set[str] = set()
        staff_user = platform.new_user_id()
        platform.set_profile(staff_user, STAFF_NAME)
        self.staff = Pane("staff", staff_user, staff_group_id)
        self.patient = self._make_patient()

    def _make_patient(self) -> Pane:
        user_id = self.platform.new_user_id()
        self.platform.set_profile(user_id, PATIENT_NAME)
        return Pane("patient", user_id)

    def pane(self, name: PaneName) -> Pane:
        with self._lock:
            return self.patient if name == "patient" else self.staff

    def names(self) -> dict[str, str]:
        """Display names by user ID, for the page to label group messages."""
        return {self.staff.user_id: STAFF_NAME, self.pane("patient").user_id: PATIENT_NAME}

    def start(self) -> None:
        """On the first visit: the patient adds the clinic as a friend, the bot joins the group."""
        with self._lock:
            patient, staff = self.patient, self.staff
            pending = [p for p in (patient, staff) if p.chat_id not in self._started]
            self._started.update(p.chat_id for p in pending)
        for pane in pending:
            if pane.name == "patient":
                self._send(pane, self.platform.follow_event(pane.user_id))
            else:
                self._send(pane, self.platform.join_event(pane.chat_id))

    def new_patient(self) -> Pane:
        """Another patient (a new LINE user) takes over the left pane and adds the clinic."""
        patient = self._make_patient()  # outside our lock: it takes the platform's
        with self._lock:
            self.patient = patient
            self._started.add(patient.chat_id)
        self._send(patient, self.platform.follow_event(patient.user_id))
        return patient

    # --- what a person does -------------------------------------------------------------------
    def send_text(self, pane: Pane, text: str) -> None:
        self._send(pane, self.platform.text_event(pane.user_id, text, group_id=pane.group_id))

    def send_sticker(self, pane: Pane, package_id: str, sticker_id: str) -> None:
        event = self.platform.sticker_event(
            pane.user_id, package_id=package_id, sticker_id=sticker_id, group_id=pane.group_id
        )
        self._send(pane, event)

    def send_postback(
        self, pane: Pane, data: str, params: dict[str, str] | None, display_text: str | None
    ) -> None:
        event = self.platform.postback_event(
            pane.user_id, data, params, group_id=pane.group_id, display_text=display_text
        )
        self._send(pane, event)

    def timeline(self, after_seq: int) -> list[tuple[Pane, TimelineEntry]]:
        """Both chats' new entries in the order they happened."""
        panes = [self.pane("patient"), self.pane("staff")]
        entries = [(p, e) for p in panes for e in self.platform.timeline(p.chat_id, after_seq)]
        return sorted(entries, key=lambda pair: pair[1].seq)

    def _send(self, pane: Pane, event: dict[str, Any]) -> None:
        self.relay.send([event], pane.chat_id)
