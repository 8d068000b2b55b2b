"""Builders for LINE message objects and actions (JSON dicts), used by every feature: text with
quick replies, postback (one builder), datetimepicker and URI actions, and one plain Flex
bubble layout (title, label/value rows, buttons). Limits come from `linebot_app.line.limits`.

Personal values (names, phones) are always their own text component, so deletion can find the
copies kept in the push outbox by exact JSON value.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from linebot_app.line.limits import (
    MAX_ALT_TEXT,
    MAX_BUBBLES,
    MAX_DISPLAY_TEXT,
    MAX_POSTBACK_DATA,
    MAX_QUICK_REPLY_ITEMS,
    MAX_TEXT,
)

Message = dict[str, Any]
PICKER_FORMAT = "%Y-%m-%dT%H:%M"


def data(**fields: object) -> str:
    """Postback data as a query string (LINE allows 300 characters); None values are left out."""
    encoded = urlencode({k: v for k, v in fields.items() if v is not None})
    if len(encoded) > MAX_POSTBACK_DATA:
        raise ValueError(
            f"postback data longer than {MAX_POSTBACK_DATA} characters: {encoded[:60]}..."
        )
    return encoded


def postback(label: str, postback_data: str, display_text: str | None = None) -> dict:
    action = {"type": "postback", "label": label, "data": postback_data}
    if display_text:
        action["displayText"] = display_text[:MAX_DISPLAY_TEXT]
    return action


def picker(
    label: str,
    postback_data: str,
    *,
    initial: dt.datetime,
    earliest: dt.datetime,
    latest: dt.datetime,
) -> dict:
    """A datetimepicker in the patient's (clinic) local time, as LINE wants it: no time zone."""
    return {
        "type": "datetimepicker",
        "label": label,
        "data": postback_data,
        "mode": "datetime",
        "initial": initial.strftime(PICKER_FORMAT),
        "min": earliest.strftime(PICKER_FORMAT),
        "max": latest.strftime(PICKER_FORMAT),
    }


def uri(label: str, target: str) -> dict:
    return {"type": "uri", "label": label, "uri": target}


def quick_reply(actions: list[dict]) -> dict:
    """A quickReply object: one item per action, at most LINE's 13."""
    return {"items": [{"type": "action", "action": a} for a in actions[:MAX_QUICK_REPLY_ITEMS]]}


def text(body: str, quick: list[dict] | None = None) -> Message:
    message: Message = {"type": "text", "text": body[:MAX_TEXT]}
    if quick:
        message["quickReply"] = quick_reply(quick)
    return message


def with_quick_reply(messages: list[Message], quick: list[dict]) -> list[Message]:
    """Quick replies show under the last message only."""
    if messages and quick:
        messages[-1] = {**messages[-1], "quickReply": quick_reply(quick)}
    return messages


def _row(label: str, value: str) -> dict:
    return {
        "type": "box",
        "layout": "baseline",
        "spacing": "md",
        "contents": [
            {"type": "text", "text": label, "size": "sm", "color": "#888888", "flex": 2},
            {"type": "text", "text": value or "-", "size": "sm", "wrap": True, "flex": 5},
        ],
    }


def bubble(title: str, rows: list[tuple[str, str]], buttons: list[dict]) -> dict:
    body = [{"type": "text", "text": title, "weight": "bold", "size": "md", "wrap": True}]
    if rows:
        body.append(
            {
                "type": "box",
                "layout": "vertical",
                "spacing": "sm",
                "margin": "md",
                "contents": [_row(label, value) for label, value in rows],
            }
        )
    shape: dict = {
        "type": "bubble",
        "body": {"type": "box", "layout": "vertical", "contents": body},
    }
    if buttons:
        shape["footer"] = {
            "type": "box",
            "layout": "vertical",
            "spacing": "sm",
            "contents": [
                {
                    "type": "button",
                    "action": a,
                    "height": "sm",
                    "style": "primary" if i == 0 else "secondary",
                }
                for i, a in enumerate(buttons)
            ],
        }
    return shape


def flex(alt_text: str, contents: dict) -> Message:
    return {"type": "flex", "altText": alt_text[:MAX_ALT_TEXT], "contents": contents}


def carousel(alt_text: str, bubbles: list[dict]) -> Message:
    return flex(alt_text, {"type": "carousel", "contents": bubbles[:MAX_BUBBLES]})
