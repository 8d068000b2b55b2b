"""The one fake LINE platform: Messaging API endpoints, webhook events and a signed sender.

Used by the tests, the local browser sandbox (mounted at /sandbox/line) and the benchmarks.
"""

from linebot_app.fakeline.ids import IdSource
from linebot_app.fakeline.openapi import LineSchemas, find_line_openapi_dir, load_schemas
from linebot_app.fakeline.platform import FakeLinePlatform
from linebot_app.fakeline.records import (
    Delivery,
    LoadingAnimation,
    Profile,
    RecordedRequest,
    SchemaViolation,
    TimelineEntry,
)
from linebot_app.fakeline.responses import ApiResponse
from linebot_app.fakeline.server import FakeLineServer, create_fake_line_blueprint
from linebot_app.fakeline.webhook_client import WebhookResult, WebhookSender, sign

__all__ = [
    "ApiResponse",
    "Delivery",
    "FakeLinePlatform",
    "FakeLineServer",
    "IdSource",
    "LineSchemas",
    "LoadingAnimation",
    "Profile",
    "RecordedRequest",
    "SchemaViolation",
    "TimelineEntry",
    "WebhookResult",
    "WebhookSender",
    "create_fake_line_blueprint",
    "find_line_openapi_dir",
    "load_schemas",
    "sign",
]
