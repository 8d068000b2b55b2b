"""Sending webhook events to the bot the way LINE does: signed raw JSON bytes (stdlib only)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.error
import urllib.request
from typing import Any, NamedTuple

from linebot_app.fakeline.events import callback_body

DEFAULT_DESTINATION = "U" + "0" * 32


def sign(body: bytes, secret: str) -> str:
    """X-Line-Signature: base64(HMAC-SHA256(channel secret, raw body))."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


class WebhookResult(NamedTuple):
    status: int
    body: str


class WebhookSender:
    """POSTs events to the bot's callback URL; HTTP errors come back as results, not raised."""

    def __init__(
        self,
        callback_url: str,
        channel_secret: str,
        *,
        timeout: float = 10.0,
        destination: str = DEFAULT_DESTINATION,
    ):
        self.callback_url = callback_url
        self.channel_secret = channel_secret
        self.timeout = timeout
        self.destination = destination

    def send(
        self, events: list[dict[str, Any]] | bytes, *, signature: str | None = None
    ) -> WebhookResult:
        """`events` may be a list of events or already-built body bytes (sent unchanged).

        Pass `signature` to send a specific (e.g. wrong) X-Line-Signature.
        """
        body = events if isinstance(events, bytes) else callback_body(events, self.destination)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Line-Signature": sign(body, self.channel_secret) if signature is None else signature,
            "User-Agent": "LineBotWebhook/2.0",
        }
        request = urllib.request.Request(self.callback_url, body, headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return WebhookResult(response.status, response.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as failed:
            with failed:
                return WebhookResult(failed.code, failed.read().decode("utf-8", "replace"))
