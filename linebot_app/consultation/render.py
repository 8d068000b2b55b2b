"""LINE message objects (JSON dicts) used by this feature: text with quick replies, postback and
datetimepicker actions, and one plain Flex bubble layout (title, label/value rows, buttons).

Personal values (names, phones) are always their own text component, so deletion can find the
copies kept in the push outbox by exact JSON value.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from linebot_app.clinic import WEEKDAY_NAMES_ZH, WEEKDAYS

Message = dict[str, Any]
PICKER_FORMAT = "%Y-%m-%dT%H:%M"
MAX_DATA = 300
MAX_ALT_TEXT = 1500
MAX_TEXT = 5000


def data(**fields: object) -> str:
    """Postback data as a query string (LINE allows 300 characters); None values are left out."""
    encoded = urlencode({k: v for k, v in fields.items() if v is not None})
    if len(encoded) > MAX_DATA:
        raise ValueError(f"postback data longer than {MAX_DATA} characters: {encoded[:60]}...")
    return encoded


def postback(label: str, postback_data: str, display_text: str | None = None) -> dict:
    action = {"type": "postback", "label": label, "data": postback_data}
    if display_text:
        action["displayText"] = display_text[:300]
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


def text(body: str, quick: list[dict] | None = None) -> Message:
    message: Message = {"type": "text", "text": body[:MAX_TEXT]}
    if quick:
        message["quickReply"] = {"items": [{"type": "action", "action": a} for a in quick[:13]]}
    return message


def with_quick_reply(messages: list[Message], quick: list[dict]) -> list[Message]:
    """Quick replies show under the last message only."""
    if messages and quick:
        messages[-1] = {
            **messages[-1],
            "quickReply": {"items": [{"type": "action", "action": a} for a in quick[:13]]},
        }
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
    return flex(alt_text, {"type": "carousel", "contents": bubbles[:12]})


def when(moment: dt.datetime, tz) -> str:
    """'12/5（週六）14:00' in the clinic's time zone."""
    local = moment.astimezone(tz)
    weekday = WEEKDAY_NAMES_ZH[WEEKDAYS[local.weekday()]]
    return f"{local.month}/{local.day}（{weekday}）{local:%H:%M}"


def day(moment: dt.datetime, tz) -> str:
    local = moment.astimezone(tz)
    return f"{local.month}/{local.day}（{WEEKDAY_NAMES_ZH[WEEKDAYS[local.weekday()]]}）"
