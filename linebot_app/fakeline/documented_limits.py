"""Limits LINE documents and enforces but messaging-api.yml does not state (see LINE-NOTES.md).

Each entry is JSON Schema added (with `allOf`) to the named component, so the fake platform
rejects what the real one rejects. Not covered: byte sizes (Flex carousel 50 KB, bubble 30 KB),
UTF-16 counting of text length, datetimepicker value formats, rich menu image aspect ratio.
"""

from __future__ import annotations

from typing import Any

_TEMPLATE_ACTIONS = {
    "properties": {"actions": {"items": {"properties": {"label": {"maxLength": 20}}}}}
}

DOCUMENTED_LIMITS: dict[str, dict[str, Any]] = {
    "TextMessage": {"properties": {"text": {"minLength": 1, "maxLength": 5000}}},
    "FlexMessage": {"properties": {"altText": {"minLength": 1, "maxLength": 1500}}},
    "TemplateMessage": {"properties": {"altText": {"minLength": 1, "maxLength": 1500}}},
    "FlexCarousel": {"properties": {"contents": {"minItems": 1, "maxItems": 12}}},
    # A text component needs `text` unless its `contents` (spans) replace it.
    "FlexText": {"if": {"not": {"required": ["contents"]}}, "then": {"required": ["text"]}},
    "FlexButton": {"properties": {"action": {"properties": {"label": {"maxLength": 40}}}}},
    "QuickReplyItem": {
        "required": ["action"],
        "properties": {
            "action": {"required": ["label"], "properties": {"label": {"maxLength": 20}}}
        },
    },
    "ButtonsTemplate": _TEMPLATE_ACTIONS,
    "ConfirmTemplate": _TEMPLATE_ACTIONS,
    "CarouselColumn": _TEMPLATE_ACTIONS,
    "PostbackAction": {"properties": {"displayText": {"maxLength": 300}}},
    "DatetimePickerAction": {"required": ["data", "mode"]},
    "ShowLoadingAnimationRequest": {"properties": {"loadingSeconds": {"multipleOf": 5}}},
    "RichMenuRequest": {
        "required": ["size", "selected", "name", "chatBarText", "areas"],
        "properties": {"areas": {"maxItems": 20}},
    },
    "RichMenuSize": {
        "required": ["width", "height"],
        "properties": {"width": {"minimum": 800, "maximum": 2500}, "height": {"minimum": 250}},
    },
    "RichMenuArea": {"required": ["bounds", "action"]},
}
