"""Webhook event dicts shaped like webhook.yml's `Event` subtypes (pure functions, no state)."""

from __future__ import annotations

import json
from typing import Any

Event = dict[str, Any]


def source(user_id: str | None, group_id: str | None = None) -> dict[str, str]:
    """`UserSource`, or `GroupSource` (userId is optional there: join events have none)."""
    if group_id is None:
        return {"type": "user", "userId": user_id or ""}
    return {"type": "group", "groupId": group_id, **({"userId": user_id} if user_id else {})}


def event(
    event_type: str,
    *,
    source: dict[str, str],
    timestamp_ms: int,
    webhook_event_id: str,
    redelivery: bool = False,
    reply_token: str | None = None,
    **fields: Any,
) -> Event:
    """The common envelope every event has; `fields` adds the subtype's own properties."""
    built: Event = {"type": event_type}
    if reply_token is not None:
        built["replyToken"] = reply_token
    built.update(
        source=source,
        timestamp=timestamp_ms,
        mode="active",
        webhookEventId=webhook_event_id,
        deliveryContext={"isRedelivery": redelivery},
    )
    built.update(fields)
    return built


def text_content(message_id: str, text: str, quote_token: str) -> dict[str, Any]:
    return {"type": "text", "id": message_id, "text": text, "quoteToken": quote_token}


def sticker_content(
    message_id: str, quote_token: str, package_id: str = "446", sticker_id: str = "1988"
) -> dict[str, Any]:
    return {
        "type": "sticker",
        "id": message_id,
        "packageId": package_id,
        "stickerId": sticker_id,
        "stickerResourceType": "STATIC",
        "quoteToken": quote_token,
    }


def image_content(message_id: str, quote_token: str) -> dict[str, Any]:
    return {
        "type": "image",
        "id": message_id,
        "contentProvider": {"type": "line"},
        "quoteToken": quote_token,
    }


def postback_content(data: str, params: dict[str, str] | None = None) -> dict[str, Any]:
    return {"data": data, **({"params": params} if params else {})}


def callback_body(events: list[Event], destination: str) -> bytes:
    """The exact bytes LINE would POST to the webhook (sign these, not a re-serialisation)."""
    payload = {"destination": destination, "events": events}
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class EventBuilders:
    """A patient's actions as webhook events, each with a fresh reply token for the right chat.

    Mixed into `FakeLinePlatform`, which provides `ids`, `now_ms`, `bot_user_id`,
    `issue_reply_token()`, `record_user_message()` and `store_message_content()`.
    With `record=True` (the default) what the user did also goes into the chat's timeline.
    """

    def text_event(
        self,
        user_id: str,
        text: str,
        *,
        group_id: str | None = None,
        redelivery: bool = False,
        timestamp_ms: int | None = None,
        record: bool = True,
    ) -> Event:
        content = text_content(self.ids.message_id(), text, self.ids.quote_token())
        built = self._build("message", user_id, group_id, redelivery, timestamp_ms, message=content)
        self._record(built, record, "message", {"type": "text", "text": text})
        return built

    def postback_event(
        self,
        user_id: str,
        data: str,
        params: dict[str, str] | None = None,
        group_id: str | None = None,
        *,
        display_text: str | None = None,
        redelivery: bool = False,
        timestamp_ms: int | None = None,
        record: bool = True,
    ) -> Event:
        """`display_text` is what the chat shows as sent by the user (the action's displayText)."""
        built = self._build(
            "postback",
            user_id,
            group_id,
            redelivery,
            timestamp_ms,
            postback=postback_content(data, params),
        )
        shown = {"type": "postback", **built["postback"]}
        if display_text is not None:
            shown["displayText"] = display_text
        self._record(built, record, "postback", shown)
        return built

    def follow_event(
        self,
        user_id: str,
        *,
        is_unblocked: bool = False,
        timestamp_ms: int | None = None,
        record: bool = True,
    ) -> Event:
        built = self._build(
            "follow", user_id, None, False, timestamp_ms, follow={"isUnblocked": is_unblocked}
        )
        self._record(built, record, "event", {"type": "follow"})
        return built

    def unfollow_event(
        self, user_id: str, *, timestamp_ms: int | None = None, record: bool = True
    ) -> Event:
        """Blocking the account: no replyToken (nobody can be replied to)."""
        built = self._build("unfollow", user_id, None, False, timestamp_ms, reply=False)
        self._record(built, record, "event", {"type": "unfollow"})
        return built

    def join_event(
        self, group_id: str, *, timestamp_ms: int | None = None, record: bool = True
    ) -> Event:
        built = self._build("join", None, group_id, False, timestamp_ms)
        self._record(built, record, "event", {"type": "join"}, sender="system")
        return built

    def sticker_event(
        self,
        user_id: str,
        *,
        package_id: str = "446",
        sticker_id: str = "1988",
        group_id: str | None = None,
        timestamp_ms: int | None = None,
        record: bool = True,
    ) -> Event:
        content = sticker_content(
            self.ids.message_id(), self.ids.quote_token(), package_id, sticker_id
        )
        built = self._build("message", user_id, group_id, False, timestamp_ms, message=content)
        self._record(
            built,
            record,
            "message",
            {"type": "sticker", "packageId": package_id, "stickerId": sticker_id},
        )
        return built

    def image_event(
        self,
        user_id: str,
        *,
        content: bytes | None = None,
        content_type: str = "image/png",
        group_id: str | None = None,
        timestamp_ms: int | None = None,
        record: bool = True,
    ) -> Event:
        """The image bytes are served at GET /v2/bot/message/{id}/content (data host)."""
        message_id = self.ids.message_id()
        self.store_message_content(message_id, content_type, content)
        built = self._build(
            "message",
            user_id,
            group_id,
            False,
            timestamp_ms,
            message=image_content(message_id, self.ids.quote_token()),
        )
        self._record(built, record, "message", {"type": "image", "id": message_id})
        return built

    def redelivered(self, original: Event) -> Event:
        """The same event sent again by LINE: same webhookEventId and replyToken."""
        return {**original, "deliveryContext": {"isRedelivery": True}}

    def callback_body(self, events: list[Event], destination: str | None = None) -> bytes:
        return callback_body(events, destination or self.bot_user_id)

    def _build(
        self,
        event_type: str,
        user_id: str | None,
        group_id: str | None,
        redelivery: bool,
        timestamp_ms: int | None,
        *,
        reply: bool = True,
        **fields: Any,
    ) -> Event:
        at = self.now_ms() if timestamp_ms is None else timestamp_ms
        chat_id = group_id or user_id or ""
        return event(
            event_type,
            source=source(user_id, group_id),
            timestamp_ms=at,
            webhook_event_id=self.ids.ulid(at),
            redelivery=redelivery,
            reply_token=self.issue_reply_token(chat_id) if reply else None,
            **fields,
        )

    def _record(
        self, built: Event, record: bool, kind: str, shown: dict[str, Any], sender: str = "user"
    ) -> None:
        if not record or built["deliveryContext"]["isRedelivery"]:
            return
        src = built["source"]
        self.record_user_message(
            src.get("groupId") or src["userId"],
            shown,
            user_id=src.get("userId"),
            kind=kind,
            sender=sender,
        )
