"""LINE's limits on reply messages (LINE-NOTES.md), checked on rendered JSON before LINE sees it.

Also validates against LINE's OpenAPI schema (`ReplyMessageRequest`) when the spec files are
available (see `linebot_app.fakeline.openapi.find_line_openapi_dir`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

MAX_MESSAGES = 5
MAX_TEXT = 5000
MAX_ALT_TEXT = 1500
MAX_BUBBLES = 12
MAX_CAROUSEL_BYTES = 50 * 1024
MAX_BUBBLE_BYTES = 30 * 1024
MAX_QUICK_REPLY_ITEMS = 13
MAX_QUICK_REPLY_LABEL = 20
MAX_BUTTON_LABEL = 40
MAX_POSTBACK_DATA = 300
MAX_DISPLAY_TEXT = 300
MAX_URI = 1000
URI_SCHEMES = ("https://", "http://", "tel:", "line://")
# Rich menus (rich menu object, and the actions of its areas).
RICH_MENU_MIN_WIDTH, RICH_MENU_MAX_WIDTH, RICH_MENU_MIN_HEIGHT = 800, 2500, 250
RICH_MENU_MIN_ASPECT_RATIO = 1.45
RICH_MENU_MAX_IMAGE_BYTES = 1024 * 1024
MAX_CHAT_BAR_TEXT = 14
MAX_RICH_MENU_AREAS = 20
MAX_RICH_MENU_NAME = 300
MAX_ACTION_LABEL = 20  # actions outside Flex (rich menu areas, templates)
MAX_MESSAGE_ACTION_TEXT = 300


def utf16_length(text: str) -> int:
    """Length as LINE counts it (UTF-16 code units: an emoji counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def json_size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _walk(node: Any, path: str) -> Iterator[tuple[str, dict]]:
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}[{index}]")


def _action_problems(action: dict, where: str, label_limit: int) -> list[str]:
    problems = []
    label = action.get("label", "")
    if not label:
        problems.append(f"{where}: action has no label")
    elif utf16_length(label) > label_limit:
        problems.append(f"{where}: label '{label}' is longer than {label_limit} characters")
    if action.get("type") == "postback":
        if len(action.get("data", "")) > MAX_POSTBACK_DATA:
            problems.append(f"{where}: postback data is longer than {MAX_POSTBACK_DATA}")
        if utf16_length(action.get("displayText", "")) > MAX_DISPLAY_TEXT:
            problems.append(f"{where}: displayText is longer than {MAX_DISPLAY_TEXT}")
    if action.get("type") == "uri":
        uri = action.get("uri", "")
        if not uri.startswith(URI_SCHEMES):
            problems.append(f"{where}: uri '{uri}' must be https, http, tel or line")
        if len(uri) > MAX_URI:
            problems.append(f"{where}: uri is longer than {MAX_URI}")
    return problems


def _flex_problems(message: dict, where: str) -> list[str]:
    problems = []
    alt = message.get("altText", "")
    if not alt or utf16_length(alt) > MAX_ALT_TEXT:
        problems.append(f"{where}.altText: must be 1-{MAX_ALT_TEXT} characters")
    contents = message.get("contents", {})
    bubbles = [contents]
    if contents.get("type") == "carousel":
        bubbles = contents.get("contents", [])
        if not 1 <= len(bubbles) <= MAX_BUBBLES:
            problems.append(f"{where}: a carousel holds 1-{MAX_BUBBLES} bubbles: {len(bubbles)}")
        if json_size(contents) > MAX_CAROUSEL_BYTES:
            problems.append(f"{where}: carousel JSON is {json_size(contents)} bytes (max 50 KB)")
    for index, bubble in enumerate(bubbles):
        if json_size(bubble) > MAX_BUBBLE_BYTES:
            problems.append(f"{where}: bubble {index} is {json_size(bubble)} bytes (max 30 KB)")
    for path, node in _walk(contents, f"{where}.contents"):
        if node.get("type") == "text" and "contents" not in node and not node.get("text"):
            problems.append(f"{path}: empty text")
        if node.get("type") == "button":
            problems.extend(_action_problems(node.get("action", {}), path, MAX_BUTTON_LABEL))
    return problems


def message_problems(messages: list[dict], where: str = "reply") -> list[str]:
    """Every LINE limit the messages break, one line each; [] when they may be sent."""
    problems = []
    if not 1 <= len(messages) <= MAX_MESSAGES:
        problems.append(f"{where}: {len(messages)} messages (LINE takes 1-{MAX_MESSAGES})")
    for index, message in enumerate(messages):
        at = f"{where}: messages[{index}]"
        kind = message.get("type")
        if kind == "text":
            text = message.get("text", "")
            if not text or utf16_length(text) > MAX_TEXT:
                problems.append(f"{at}.text: must be 1-{MAX_TEXT} characters")
        elif kind == "flex":
            problems.extend(_flex_problems(message, at))
        items = (message.get("quickReply") or {}).get("items")
        if items is not None:
            if not 1 <= len(items) <= MAX_QUICK_REPLY_ITEMS:
                problems.append(f"{at}.quickReply: 1-{MAX_QUICK_REPLY_ITEMS} items: {len(items)}")
            for i, item in enumerate(items):
                problems.extend(
                    _action_problems(
                        item.get("action", {}), f"{at}.quickReply.items[{i}]", MAX_QUICK_REPLY_LABEL
                    )
                )
    return problems


def schema_problems(messages: list[dict], where: str = "reply") -> list[str] | None:
    """Violations of LINE's OpenAPI `ReplyMessageRequest`; None when the spec is unavailable."""
    from linebot_app.fakeline.openapi import load_schemas

    schemas = load_schemas()
    if schemas is None:
        return None
    body = {"replyToken": "x", "messages": messages}
    return [f"{where}: {error}" for error in schemas.errors("ReplyMessageRequest", body)]
