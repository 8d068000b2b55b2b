"""What the fake platform remembers, as plain frozen values safe to hand to any thread."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class RecordedRequest:
    """One API call as it arrived (headers with lower-case keys) and the status it got."""

    method: str
    path: str
    host: str
    headers: dict[str, str]
    body: bytes
    json: Any
    status: int
    at: int
    request_id: str


@dataclass(frozen=True)
class Delivery:
    """Messages that reached a chat (user, group or room ID); `at` is ms since the epoch."""

    chat_id: str
    via: Literal["reply", "push"]
    messages: list[dict[str, Any]]
    at: int
    sent_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class SchemaViolation:
    """A request body refused with 400 because it broke messaging-api.yml."""

    method: str
    path: str
    schema: str
    errors: list[str]
    body: Any


@dataclass(frozen=True)
class LoadingAnimation:
    chat_id: str
    seconds: int
    at: int


@dataclass(frozen=True)
class Profile:
    user_id: str
    display_name: str
    picture_url: str | None = None
    status_message: str | None = None
    language: str | None = None

    def to_json(self) -> dict[str, str]:
        optional = {
            "pictureUrl": self.picture_url,
            "statusMessage": self.status_message,
            "language": self.language,
        }
        return {
            "displayName": self.display_name,
            "userId": self.user_id,
            **{k: v for k, v in optional.items() if v is not None},
        }


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a chat as a chat page would draw it.

    sender: "user" (what the patient sent), "bot" (what was delivered) or "system" (joins).
    kind: "message", "postback", "event" (follow/unfollow/join) or "loading" (typing dots).
    `seq` grows across all chats: poll with `timeline(chat_id, after_seq=last_seen)`.
    """

    seq: int
    chat_id: str
    sender: Literal["user", "bot", "system"]
    kind: str
    message: dict[str, Any]
    at: int
    user_id: str | None = None
