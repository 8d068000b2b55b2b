"""The one place that talks to the LINE Messaging API (through line-bot-sdk v3's MessagingApi).

Every call has a timeout; 429 and 5xx (and network errors) are retried with backoff honouring
Retry-After; other 4xx are final. Pushes carry an X-Line-Retry-Key, so a retried push is never
delivered twice (LINE answers 409 when the key was already accepted). Replies have no retry key:
a reply retried after an ambiguous failure that LINE then refuses as an invalid token was most
likely delivered the first time, and is reported as such rather than pushed again.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import urllib3
from linebot.v3.messaging import (
    ApiClient,
    Configuration,
    MessagingApi,
    PushMessageRequest,
    ReplyMessageRequest,
    ShowLoadingAnimationRequest,
)
from linebot.v3.messaging.exceptions import ApiException

from linebot_app import metrics
from linebot_app.delivery.quota import is_monthly_limit
from linebot_app.settings import Settings
from linebot_app.storage.db import in_transaction

log = logging.getLogger(__name__)

MAX_RETRY_AFTER_SECONDS = 10.0
_NOT_SENT = (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError)


class SendOutcome:
    SENT = "sent"
    ALREADY_ACCEPTED = "already_accepted"  # push: 409 for a retry key LINE had accepted
    PROBABLY_SENT = "probably_sent"  # reply: ambiguous failure, then "invalid reply token"
    INVALID_TOKEN = "invalid_token"  # reply: token expired or used
    QUOTA_EXCEEDED = "quota_exceeded"  # push: the month's messages are used up (not retried)
    INTERRUPTED = "interrupted"  # shutting down: retries cut short, try again in another process
    FAILED = "failed"


@dataclass(frozen=True)
class SendResult:
    outcome: str
    status: int | None = None
    detail: str = ""
    attempts: int = 1
    ambiguous: bool = False  # failed, but an attempt may have reached LINE (reply)

    @property
    def delivered(self) -> bool:
        return self.outcome in (
            SendOutcome.SENT,
            SendOutcome.ALREADY_ACCEPTED,
            SendOutcome.PROBABLY_SENT,
        )


@dataclass(frozen=True)
class Profile:
    user_id: str
    display_name: str


@dataclass(frozen=True)
class MessageQuota:
    """GET /v2/bot/message/quota: type "none" (no limit) or "limited" with `value` a month."""

    type: str
    value: int | None


@dataclass(frozen=True)
class QuotaConsumption:
    """GET /v2/bot/message/quota/consumption: messages sent this month."""

    total_usage: int


def _is_invalid_reply_token(error: ApiException) -> bool:
    return error.status == 400 and "invalid reply token" in (error.body or "").lower()


def _retry_after(error: ApiException) -> float | None:
    value = (error.headers or {}).get("Retry-After") or (error.headers or {}).get("retry-after")
    try:
        return min(float(value), MAX_RETRY_AFTER_SECONDS) if value is not None else None
    except ValueError:
        return None


class LineCallInsideTransaction(RuntimeError):
    """A LINE call was made inside a database transaction (see storage.db.in_transaction)."""


def _outside_transactions(call: str) -> None:
    if in_transaction():
        raise LineCallInsideTransaction(
            f"LINE {call} called inside a database transaction: fetch before it, or queue "
            f"the push (ctx.push) so it is sent after the commit"
        )


class LineClient:
    def __init__(self, settings: Settings, sleep: Callable[[float], None] = time.sleep):
        configuration = Configuration(
            host=settings.api_base_url, access_token=settings.channel_access_token
        )
        configuration.retries = False  # retries are ours, with LINE's rules
        configuration.connection_pool_maxsize = max(4, settings.worker_threads * 2)
        self._api = MessagingApi(ApiClient(configuration))
        self._timeout = settings.line_timeout_seconds
        self._max_attempts = settings.line_max_attempts
        self._backoff = settings.line_backoff_seconds
        self._sleep = sleep
        self._interrupted = threading.Event()

    def interrupt_retries(self) -> None:
        """Shutting down: calls under way finish their attempt but are not retried."""
        self._interrupted.set()

    # --- public calls -------------------------------------------------------------------
    def reply(self, reply_token: str, messages: list[dict[str, Any]]) -> SendResult:
        _outside_transactions("reply")
        request = ReplyMessageRequest.from_dict({"replyToken": reply_token, "messages": messages})
        ambiguous = False
        for attempt in range(1, self._max_attempts + 1):
            started = time.perf_counter()
            try:
                self._api.reply_message(request, _request_timeout=self._timeout)
                metrics.observe_line_call("reply", time.perf_counter() - started, 200)
                return SendResult(SendOutcome.SENT, 200, attempts=attempt)
            except ApiException as error:
                metrics.observe_line_call("reply", time.perf_counter() - started, error.status)
                if _is_invalid_reply_token(error):
                    outcome = SendOutcome.PROBABLY_SENT if ambiguous else SendOutcome.INVALID_TOKEN
                    return SendResult(outcome, 400, error.body or "", attempt)
                ambiguous = ambiguous or error.status >= 500
                if not self._retryable(error.status) or attempt == self._max_attempts:
                    body = error.body or ""
                    return SendResult(SendOutcome.FAILED, error.status, body, attempt, ambiguous)
                if not self._pause(attempt, _retry_after(error)):
                    return SendResult(SendOutcome.INTERRUPTED, error.status, "", attempt, ambiguous)
            except urllib3.exceptions.HTTPError as error:
                metrics.observe_line_call("reply", time.perf_counter() - started, None)
                # A refused connection never reached LINE; a timeout or reset may have.
                ambiguous = ambiguous or not isinstance(error, _NOT_SENT)
                if attempt == self._max_attempts:
                    return SendResult(SendOutcome.FAILED, None, repr(error), attempt, ambiguous)
                if not self._pause(attempt, None):
                    return SendResult(
                        SendOutcome.INTERRUPTED, None, repr(error), attempt, ambiguous
                    )
        raise AssertionError("unreachable")

    def push(
        self, to: str, messages: list[dict[str, Any]], retry_key: str | None = None
    ) -> SendResult:
        """Push with a retry key; pass the same key when resending the same push later."""
        _outside_transactions("push")
        retry_key = retry_key or str(uuid.uuid4())
        request = PushMessageRequest.from_dict({"to": to, "messages": messages})
        for attempt in range(1, self._max_attempts + 1):
            started = time.perf_counter()
            try:
                self._api.push_message(
                    request, x_line_retry_key=retry_key, _request_timeout=self._timeout
                )
                metrics.observe_line_call("push", time.perf_counter() - started, 200)
                return SendResult(SendOutcome.SENT, 200, attempts=attempt)
            except ApiException as error:
                metrics.observe_line_call("push", time.perf_counter() - started, error.status)
                if error.status == 409:
                    return SendResult(SendOutcome.ALREADY_ACCEPTED, 409, attempts=attempt)
                if is_monthly_limit(error.status, error.body):
                    return SendResult(SendOutcome.QUOTA_EXCEEDED, 429, error.body or "", attempt)
                if not self._retryable(error.status) or attempt == self._max_attempts:
                    return SendResult(SendOutcome.FAILED, error.status, error.body or "", attempt)
                if not self._pause(attempt, _retry_after(error)):
                    return SendResult(SendOutcome.INTERRUPTED, error.status, "", attempt)
            except urllib3.exceptions.HTTPError as error:
                metrics.observe_line_call("push", time.perf_counter() - started, None)
                if attempt == self._max_attempts:
                    return SendResult(SendOutcome.FAILED, None, repr(error), attempt)
                if not self._pause(attempt, None):
                    return SendResult(SendOutcome.INTERRUPTED, None, repr(error), attempt)
        raise AssertionError("unreachable")

    def show_loading(self, chat_id: str, seconds: int = 20) -> bool:
        """LINE's typing indicator for 1:1 chats; best effort, one attempt, never raises."""
        _outside_transactions("show_loading")
        request = ShowLoadingAnimationRequest(chatId=chat_id, loadingSeconds=seconds)
        started = time.perf_counter()
        try:
            self._api.show_loading_animation(request, _request_timeout=min(self._timeout, 2.0))
            metrics.observe_line_call("loading", time.perf_counter() - started, 200)
            return True
        except (ApiException, urllib3.exceptions.HTTPError) as error:
            metrics.observe_line_call("loading", time.perf_counter() - started, _status(error))
            log.info("loading animation not shown: %s", getattr(error, "status", repr(error)))
            return False

    def get_message_quota(self) -> MessageQuota | None:
        """This month's message limit (GET /v2/bot/message/quota); None when LINE cannot say."""
        _outside_transactions("get_message_quota")
        started = time.perf_counter()
        try:
            quota = self._api.get_message_quota(_request_timeout=self._timeout)
        except (ApiException, urllib3.exceptions.HTTPError, ValueError) as error:
            metrics.observe_line_call("quota", time.perf_counter() - started, _status(error))
            log.info("message quota unavailable: %s", getattr(error, "status", repr(error)))
            return None
        metrics.observe_line_call("quota", time.perf_counter() - started, 200)
        kind = getattr(quota.type, "value", quota.type)  # the SDK gives an enum
        return MessageQuota(type=str(kind), value=quota.value)

    def get_quota_consumption(self) -> QuotaConsumption | None:
        """Messages sent this month (GET /v2/bot/message/quota/consumption); None on failure."""
        _outside_transactions("get_quota_consumption")
        started = time.perf_counter()
        try:
            usage = self._api.get_message_quota_consumption(_request_timeout=self._timeout)
        except (ApiException, urllib3.exceptions.HTTPError, ValueError) as error:
            metrics.observe_line_call("quota", time.perf_counter() - started, _status(error))
            log.info("quota consumption unavailable: %s", getattr(error, "status", repr(error)))
            return None
        metrics.observe_line_call("quota", time.perf_counter() - started, 200)
        return QuotaConsumption(total_usage=int(usage.total_usage))

    def get_profile(self, user_id: str) -> Profile | None:
        """The user's LINE profile, or None when LINE cannot give it (blocked, not a friend...)."""
        _outside_transactions("get_profile")
        started = time.perf_counter()
        try:
            profile = self._api.get_profile(user_id, _request_timeout=self._timeout)
            metrics.observe_line_call("profile", time.perf_counter() - started, 200)
            return Profile(user_id=user_id, display_name=profile.display_name)
        except (ApiException, urllib3.exceptions.HTTPError, ValueError) as error:
            metrics.observe_line_call("profile", time.perf_counter() - started, _status(error))
            log.info("profile unavailable: %s", getattr(error, "status", repr(error)))
            return None

    # --- retry policy -------------------------------------------------------------------
    @staticmethod
    def _retryable(status: int | None) -> bool:
        return status is not None and (status == 429 or status >= 500)

    def _pause(self, attempt: int, retry_after: float | None) -> bool:
        """Wait before the next attempt; False when shutting down (do not retry)."""
        if self._interrupted.is_set():
            return False
        delay = retry_after if retry_after is not None else self._backoff * (2 ** (attempt - 1))
        if self._sleep is time.sleep:
            return not self._interrupted.wait(delay)
        self._sleep(delay)
        return True


def _status(error: Exception) -> int | None:
    return getattr(error, "status", None) if isinstance(error, ApiException) else None
