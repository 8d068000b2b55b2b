"""Posting the sandbox's webhook events to the app's own /callback, as LINE would.

One background thread sends them in the order they were made, so a page request never waits on
/callback (which needs a free request thread of the same server) and a patient's messages reach
the bot in order. A refused or failed delivery is logged and shown in the chat as a notice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from linebot_app.fakeline import WebhookResult, WebhookSender

log = logging.getLogger(__name__)

Notify = Callable[[str, str], None]


class WebhookRelay:
    """Signs events with the channel secret and POSTs them to `callback_url`, one at a time."""

    def __init__(
        self, callback_url: str, channel_secret: str, destination: str, notify: Notify
    ) -> None:
        self.callback_url = callback_url
        self._sender = WebhookSender(callback_url, channel_secret, destination=destination)
        self._notify = notify
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-webhook")

    def send(self, events: list[dict[str, Any]], chat_id: str) -> Future[WebhookResult | None]:
        """Queue `events` (of one chat); the future holds the webhook's answer, None if unsent."""
        return self._executor.submit(self._deliver, events, chat_id)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=False)

    def _deliver(self, events: list[dict[str, Any]], chat_id: str) -> WebhookResult | None:
        try:
            result = self._sender.send(events)
        except OSError as exc:
            log.warning("sandbox: webhook POST %s failed: %s", self.callback_url, exc)
            self._notify(chat_id, f"The bot did not answer the webhook ({exc}).")
            return None
        if result.status != 200:
            log.warning("sandbox: webhook answered %s: %s", result.status, result.body[:200])
            self._notify(chat_id, f"The webhook answered {result.status}: {result.body[:200]}")
        return result
