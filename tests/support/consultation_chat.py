"""A patient (or a staff member) chatting with the running bot, for the consultation tests.

Each action sends one signed webhook event, waits until the bot has finished with it (its inbox
row is final) and returns what the bot replied to that chat.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import pytest
from sqlalchemy import select

from linebot_app.clock import FixedClock
from linebot_app.storage.models import InboxEvent, InboxStatus

STAFF_GROUP = "C" + "1" * 32
STAFF_MEMBER = "U" + "5" * 32
# Thursday 2026-12-03 10:30 in Taipei: the clinic is open.
THURSDAY_MORNING = dt.datetime(2026, 12, 3, 2, 30, tzinfo=dt.UTC)


def start_bot(runner, clock: FixedClock | None = None, **overrides):
    """The app on a fixed clock, with the fake platform's time following it."""
    clock = clock or FixedClock(THURSDAY_MORNING)
    running = runner.start(clock=clock, **overrides)
    running.platform.now_ms = lambda: int(clock.now().timestamp() * 1000)
    return running


def wait_handled(running, event: dict, timeout: float = 10.0) -> InboxEvent:
    deadline = time.monotonic() + timeout
    while True:
        with running.bot.db.session() as session:
            row = session.scalar(
                select(InboxEvent).where(InboxEvent.webhook_event_id == event["webhookEventId"])
            )
            if row is not None and row.status in InboxStatus.FINAL:
                return row
        if time.monotonic() > deadline:
            raise TimeoutError(f"event not handled: {row and row.status}")
        if running.worker is not None:  # else another process handles the inbox
            running.worker.wait_idle(1.0)  # bounded by the deadline above, not by this wait
        time.sleep(0.01 if running.worker is not None else 0.05)


def texts(messages: list[dict]) -> str:
    """Everything a list of messages says, as one string (alt texts and Flex text included)."""
    return json.dumps(messages, ensure_ascii=False)


class Chat:
    def __init__(self, running, user_id: str, group_id: str | None = None):
        self.running = running
        self.platform = running.platform
        self.user_id = user_id
        self.group_id = group_id
        self.chat_id = group_id or user_id
        self.last: list[dict] = []

    def _send(self, event: dict) -> list[dict]:
        before = len(self.platform.delivered(self.chat_id))
        status, _ = self.running.send(event)
        assert status == 200
        row = wait_handled(self.running, event)
        assert row.status != InboxStatus.FAILED, row.error
        replies = [d for d in self.platform.delivered(self.chat_id)[before:] if d.via == "reply"]
        self.last = [m for d in replies for m in d.messages]
        return self.last

    def say(self, text: str) -> list[dict]:
        return self._send(self.platform.text_event(self.user_id, text, group_id=self.group_id))

    def tap(self, data: str, params: dict[str, str] | None = None) -> list[dict]:
        return self._send(
            self.platform.postback_event(self.user_id, data, params, group_id=self.group_id)
        )

    def tap_label(
        self, label: str, params: dict[str, str] | None = None, messages: list[dict] | None = None
    ) -> list[dict]:
        """Press the button or quick reply called `label` in the bot's last answer."""
        action = find_action(messages or self.last, label)
        if action["type"] == "datetimepicker":
            assert params is not None, "a datetimepicker needs params"
        return self.tap(action["data"], params)

    def pick_time(self, value: str, messages: list[dict] | None = None) -> list[dict]:
        action = find_action(messages or self.last, None, kind="datetimepicker")
        return self.tap(action["data"], {"datetime": value})


def actions_in(node: Any) -> list[dict]:
    """Every action object (quick reply items, Flex buttons) inside messages."""
    found = []
    if isinstance(node, dict):
        action = node.get("action")
        if isinstance(action, dict) and "type" in action:
            found.append(action)
        for value in node.values():
            found.extend(actions_in(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(actions_in(item))
    return found


def find_action(messages: list[dict], label: str | None, kind: str | None = None) -> dict:
    for action in actions_in(messages):
        if (label is None or action.get("label") == label) and (
            kind is None or action["type"] == kind
        ):
            return action
    labels = [a.get("label") for a in actions_in(messages)]
    raise AssertionError(f"no action {label or kind!r} in the last answer; there are {labels}")


def assert_schema_clean(platform) -> None:
    if not platform.schema_checked:
        pytest.skip("line-openapi is missing: request bodies not checked against LINE's schema")
    assert platform.schema_errors == []
