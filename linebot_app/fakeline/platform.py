"""An in-memory LINE platform: the Messaging API endpoints the bot calls, plus webhook events.

`handle()` is the whole API (the Flask blueprint only adapts HTTP to it): it checks the bearer
token, applies injected faults, validates bodies against messaging-api.yml, runs the endpoint and
records the call. Everything is guarded by one lock; waiting is done on its condition.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import Map, Rule

from linebot_app.fakeline import events as ev
from linebot_app.fakeline.faults import FaultPlan
from linebot_app.fakeline.ids import IdSource
from linebot_app.fakeline.openapi import LineSchemas, load_schemas
from linebot_app.fakeline.records import (
    Delivery,
    LoadingAnimation,
    Profile,
    RecordedRequest,
    SchemaViolation,
    TimelineEntry,
)
from linebot_app.fakeline.responses import NOT_FOUND, ApiResponse, error, ok
from linebot_app.fakeline.richmenus import RichMenuStore

T = TypeVar("T")
CHAT_ID = re.compile(r"^[UCR][0-9a-f]{32}$")
USER_ID = re.compile(r"^U[0-9a-f]{32}$")
QUOTABLE_TYPES = {"text", "textV2", "sticker", "image", "video"}
RETRY_KEY_TTL_MS = 24 * 3600 * 1000
MONTHLY_LIMIT_MESSAGE = "You have reached your monthly limit."
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c63f8cfc0f01f0005000201a5f2b0a70000000049454e44ae426082"
)

# (method, path exactly as in messaging-api.yml, handler method name)
ROUTES = [
    ("POST", "/v2/bot/message/reply", "_reply"),
    ("POST", "/v2/bot/message/push", "_push"),
    ("GET", "/v2/bot/message/quota", "_quota"),
    ("GET", "/v2/bot/message/quota/consumption", "_quota_consumption"),
    ("POST", "/v2/bot/message/validate/reply", "_accept"),
    ("POST", "/v2/bot/message/validate/push", "_accept"),
    ("POST", "/v2/bot/chat/loading/start", "_loading"),
    ("GET", "/v2/bot/profile/{userId}", "_profile"),
    ("GET", "/v2/bot/message/{messageId}/content", "_message_content"),
    ("POST", "/v2/bot/richmenu", "_richmenu_create"),
    ("POST", "/v2/bot/richmenu/validate", "_accept"),
    ("GET", "/v2/bot/richmenu/list", "_richmenu_list"),
    ("GET", "/v2/bot/richmenu/{richMenuId}", "_richmenu_get"),
    ("DELETE", "/v2/bot/richmenu/{richMenuId}", "_richmenu_delete"),
    ("POST", "/v2/bot/richmenu/{richMenuId}/content", "_richmenu_upload"),
    ("GET", "/v2/bot/richmenu/{richMenuId}/content", "_richmenu_download"),
    ("POST", "/v2/bot/user/all/richmenu/{richMenuId}", "_default_set"),
    ("GET", "/v2/bot/user/all/richmenu", "_default_get"),
    ("DELETE", "/v2/bot/user/all/richmenu", "_default_cancel"),
]


@dataclass
class _Call:
    method: str
    path: str
    template: str
    args: dict[str, str]
    headers: dict[str, str]
    body: bytes
    json: Any
    request_id: str


@dataclass
class _ReplyToken:
    chat_id: str
    issued_at: int
    used: bool = False
    expired: bool = False


class FakeLinePlatform(ev.EventBuilders):
    """Thread-safe fake of LINE's Messaging API, with fault injection and event builders."""

    def __init__(
        self,
        *,
        validate: bool = True,
        schemas: LineSchemas | None = None,
        now_ms: Callable[[], int] | None = None,
        ids: IdSource | None = None,
        reply_token_ttl_ms: int | None = 60_000,
    ):
        self.schemas = schemas or (load_schemas() if validate else None)
        self.now_ms = now_ms or (lambda: int(time.time() * 1000))
        self.ids = ids or IdSource()
        self.bot_user_id = self.ids.user_id()
        self.reply_token_ttl_ms = reply_token_ttl_ms
        self.rich_menus = RichMenuStore(self.ids)
        self.schema_errors: list[SchemaViolation] = []
        self._cond = threading.Condition(threading.RLock())
        self._routes = Map(
            [
                Rule(
                    re.sub(r"\{(\w+)\}", r"<\1>", path), methods=[method], endpoint=(path, handler)
                )
                for method, path, handler in ROUTES
            ]
        )
        self._latency = 0.0
        self._faults = FaultPlan()
        self._requests: list[RecordedRequest] = []
        self._deliveries: list[Delivery] = []
        self._loading_calls: list[LoadingAnimation] = []
        self._timeline: list[TimelineEntry] = []
        self._tokens: dict[str, _ReplyToken] = {}
        self._retry_keys: dict[str, tuple[str, list[dict[str, str]], int]] = {}
        self._profiles: dict[str, Profile] = {}
        self._contents: dict[str, tuple[str, bytes]] = {}
        self._quota_limit: int | None = None  # None: no target limit (type "none")
        self._quota_usage = 0

    @property
    def schema_checked(self) -> bool:
        """False when messaging-api.yml was not found, so bodies are not validated."""
        return self.schemas is not None

    # --- inspection ------------------------------------------------------------------------
    def requests(self, path: str | None = None) -> list[RecordedRequest]:
        """Recorded calls, optionally only those at `path` or below it (whole path segments)."""
        with self._cond:
            found = list(self._requests)
        if path is None:
            return found
        return [r for r in found if r.path == path or r.path.startswith(path.rstrip("/") + "/")]

    def delivered(self, chat_id: str | None = None) -> list[Delivery]:
        with self._cond:
            return [d for d in self._deliveries if chat_id is None or d.chat_id == chat_id]

    def loading_animations(self) -> list[LoadingAnimation]:
        with self._cond:
            return list(self._loading_calls)

    def timeline(self, chat_id: str, after_seq: int = 0) -> list[TimelineEntry]:
        with self._cond:
            return [e for e in self._timeline if e.chat_id == chat_id and e.seq > after_seq]

    def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:
        """Block until `predicate()` is truthy (re-checked on every change); TimeoutError if not."""
        with self._cond:
            result = self._cond.wait_for(predicate, timeout)
        if not result:
            calls = [(r.method, r.path, r.status) for r in self.requests()[-20:]]
            raise TimeoutError(f"not met within {timeout}s; latest API calls: {calls}")
        return result

    def wait_for_deliveries(
        self, count: int, chat_id: str | None = None, timeout: float = 5.0
    ) -> list[Delivery]:
        """At least `count` deliveries (to `chat_id` if given); returns all of them."""
        found: list[Delivery] = []

        def enough() -> bool:
            found[:] = self.delivered(chat_id)
            return len(found) >= count

        self.wait_for(enough, timeout)
        return found

    # --- set-up and fault injection ---------------------------------------------------------
    def set_profile(
        self,
        user_id: str,
        display_name: str,
        picture_url: str | None = None,
        *,
        status_message: str | None = None,
        language: str | None = None,
    ) -> None:
        with self._cond:
            self._profiles[user_id] = Profile(
                user_id, display_name, picture_url, status_message, language
            )

    def add_latency(self, seconds: float) -> None:
        """Delay every later API call by `seconds` (replaces the previous value; 0 removes it)."""
        with self._cond:
            self._latency = seconds

    def fail_next(
        self,
        path_prefix: str,
        status: int,
        times: int = 1,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> None:
        """Answer the next `times` calls under `path_prefix` with `status`, not processing them.

        `body` is JSON (a dict) or raw bytes; by default {"message": <reason phrase>}.
        """
        self._faults.fail(path_prefix, status, times, headers, body)

    def drop_response_next(self, path_prefix: str, times: int = 1) -> None:
        """Process the next call under `path_prefix` (it IS delivered) but answer 500."""
        self._faults.drop(path_prefix, times)

    def set_message_quota(self, limit: int | None, usage: int | None = None) -> None:
        """The month's push limit (None: unlimited) and, optionally, what is used of it.

        A push beyond it is refused with LINE's 429 "You have reached your monthly limit."
        """
        with self._cond:
            self._quota_limit = limit
            if usage is not None:
                self._quota_usage = usage

    @property
    def quota_usage(self) -> int:
        with self._cond:
            return self._quota_usage

    def issue_reply_token(self, chat_id: str) -> str:
        token = self.ids.reply_token()
        with self._cond:
            self._tokens[token] = _ReplyToken(chat_id, self.now_ms())
        return token

    def expire_reply_token(self, token: str) -> None:
        with self._cond:
            if token in self._tokens:
                self._tokens[token].expired = True

    def record_user_message(
        self,
        chat_id: str,
        message: dict[str, Any],
        *,
        user_id: str | None = None,
        kind: str = "message",
        sender: str = "user",
    ) -> TimelineEntry:
        """Put what a user did into the chat's timeline (the event builders do this for you)."""
        return self._add_entry(chat_id, sender, kind, message, user_id)

    def store_message_content(
        self, message_id: str, content_type: str, content: bytes | None = None
    ) -> None:
        """Bytes the bot can fetch at GET /v2/bot/message/{messageId}/content."""
        with self._cond:
            self._contents[message_id] = (content_type, TINY_PNG if content is None else content)

    def new_user_id(self) -> str:
        return self.ids.user_id()

    def new_group_id(self) -> str:
        return self.ids.group_id()

    # --- the API ----------------------------------------------------------------------------
    def handle(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
        host: str = "api.line.me",
    ) -> ApiResponse:
        """Answer one API call as LINE would, and record it."""
        lower = {k.lower(): v for k, v in (headers or {}).items()}
        with self._cond:
            latency = self._latency
        if latency:
            time.sleep(latency)
        request_id = self.ids.request_id()
        parsed = _parse_json(body, lower)
        response = self._respond(method.upper(), path, lower, body, parsed, request_id)
        response.headers.setdefault("x-line-request-id", request_id)
        with self._cond:
            self._requests.append(
                RecordedRequest(
                    method.upper(),
                    path,
                    host,
                    lower,
                    body,
                    parsed,
                    response.status,
                    self.now_ms(),
                    request_id,
                )
            )
            self._cond.notify_all()
        return response

    def _respond(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        body: bytes,
        parsed: Any,
        request_id: str,
    ) -> ApiResponse:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return error(
                401,
                "Authentication failed. Confirm that the access token in the "
                "authorization header is valid.",
            )
        try:
            (template, handler), args = self._routes.bind("api.line.me").match(path, method)
        except MethodNotAllowed:
            return error(405, "Method not allowed")
        except HTTPException:
            return error(404, NOT_FOUND)
        injected = self._faults.take_failure(path)
        if injected is not None:
            return injected
        call = _Call(method, path, template, args, headers, body, parsed, request_id)
        refused = self._check_schema(call)
        if refused is not None:
            return refused
        with self._cond:
            response = getattr(self, handler)(call)
        if self._faults.take_drop(path):
            return error(500, "Internal server error")
        return response

    def _check_schema(self, call: _Call) -> ApiResponse | None:
        schema = self.schemas and self.schemas.request_schema(call.method, call.template)
        if not schema:
            return None
        if call.json is None:
            details = [{"message": "The request body must be JSON", "property": ""}]
        else:
            details = self.schemas.details(schema, call.json)
        if not details:
            return None
        errors = [f"{d['property']}: {d['message']}" for d in details]
        with self._cond:
            self.schema_errors.append(
                SchemaViolation(call.method, call.path, schema, errors, call.json)
            )
        return error(400, f"The request body has {len(details)} error(s)", details=details)

    # --- endpoints (called under the lock) ---------------------------------------------------
    def _accept(self, call: _Call) -> ApiResponse:
        return ok()

    def _reply(self, call: _Call) -> ApiResponse:
        body = _object(call.json)
        token = self._tokens.get(str(body.get("replyToken")))
        ttl, now = self.reply_token_ttl_ms, self.now_ms()
        if (
            token is None
            or token.used
            or token.expired
            or (ttl is not None and now - token.issued_at > ttl)
        ):
            return error(400, "Invalid reply token")
        token.used = True
        sent = self._deliver(token.chat_id, "reply", body.get("messages", []))
        return ok({"sentMessages": sent})

    def _push(self, call: _Call) -> ApiResponse:
        body, key = _object(call.json), call.headers.get("x-line-retry-key")
        if key is not None:
            if not _is_uuid(key):
                return error(400, "The value for the 'X-Line-Retry-Key' header is invalid")
            accepted = self._retry_keys.get(key)
            if accepted and self.now_ms() - accepted[2] < RETRY_KEY_TTL_MS:
                response = error(409, "The retry key is already accepted", sentMessages=accepted[1])
                response.headers["x-line-accepted-request-id"] = accepted[0]
                return response
        to = str(body.get("to", ""))
        if not CHAT_ID.match(to):
            return error(400, "The property, 'to', in the request body is invalid")
        if self._quota_limit is not None and self._quota_usage >= self._quota_limit:
            return error(429, MONTHLY_LIMIT_MESSAGE)  # nothing sent; LINE never retries it
        self._quota_usage += 1  # one recipient (the fake's groups have one member)
        sent = self._deliver(to, "push", body.get("messages", []))
        if key is not None:
            self._retry_keys[key] = (call.request_id, sent, self.now_ms())
        return ok({"sentMessages": sent})

    def _quota(self, call: _Call) -> ApiResponse:
        if self._quota_limit is None:
            return ok({"type": "none"})
        return ok({"type": "limited", "value": self._quota_limit})

    def _quota_consumption(self, call: _Call) -> ApiResponse:
        return ok({"totalUsage": self._quota_usage})

    def _loading(self, call: _Call) -> ApiResponse:
        body = _object(call.json)
        chat_id, seconds = str(body.get("chatId", "")), int(body.get("loadingSeconds", 20))
        if not USER_ID.match(chat_id):
            return error(400, "The chatId must be the user ID of a one-on-one chat")
        self._loading_calls.append(LoadingAnimation(chat_id, seconds, self.now_ms()))
        self._add_entry(chat_id, "bot", "loading", {"type": "loading", "loadingSeconds": seconds})
        return ok(status=202)

    def _profile(self, call: _Call) -> ApiResponse:
        profile = self._profiles.get(call.args["userId"])
        return ok(profile.to_json()) if profile else error(404, NOT_FOUND)

    def _message_content(self, call: _Call) -> ApiResponse:
        stored = self._contents.get(call.args["messageId"])
        if stored is None:
            return error(404, NOT_FOUND)
        return ApiResponse(200, content=stored[1], content_type=stored[0])

    def _richmenu_create(self, call: _Call) -> ApiResponse:
        return self.rich_menus.create(_object(call.json))

    def _richmenu_list(self, call: _Call) -> ApiResponse:
        return self.rich_menus.list()

    def _richmenu_get(self, call: _Call) -> ApiResponse:
        return self.rich_menus.get(call.args["richMenuId"])

    def _richmenu_delete(self, call: _Call) -> ApiResponse:
        return self.rich_menus.delete(call.args["richMenuId"])

    def _richmenu_upload(self, call: _Call) -> ApiResponse:
        content_type = call.headers.get("content-type", "")
        return self.rich_menus.upload_image(call.args["richMenuId"], content_type, call.body)

    def _richmenu_download(self, call: _Call) -> ApiResponse:
        return self.rich_menus.download_image(call.args["richMenuId"])

    def _default_set(self, call: _Call) -> ApiResponse:
        return self.rich_menus.set_default(call.args["richMenuId"])

    def _default_get(self, call: _Call) -> ApiResponse:
        return self.rich_menus.get_default()

    def _default_cancel(self, call: _Call) -> ApiResponse:
        return self.rich_menus.cancel_default()

    def _deliver(self, chat_id: str, via: str, messages: list[dict]) -> list[dict[str, str]]:
        sent = [
            {
                "id": self.ids.message_id(),
                **(
                    {"quoteToken": self.ids.quote_token()}
                    if m.get("type") in QUOTABLE_TYPES
                    else {}
                ),
            }
            for m in messages
        ]
        self._deliveries.append(
            Delivery(chat_id, via, list(messages), self.now_ms(), tuple(s["id"] for s in sent))
        )
        for message in messages:
            self._add_entry(chat_id, "bot", "message", message)
        return sent

    def _add_entry(
        self,
        chat_id: str,
        sender: str,
        kind: str,
        message: dict[str, Any],
        user_id: str | None = None,
    ) -> TimelineEntry:
        with self._cond:
            entry = TimelineEntry(
                len(self._timeline) + 1, chat_id, sender, kind, message, self.now_ms(), user_id
            )
            self._timeline.append(entry)
            self._cond.notify_all()
        return entry


def _parse_json(body: bytes, headers: Mapping[str, str]) -> Any:
    if not body or "json" not in headers.get("content-type", "application/json"):
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
