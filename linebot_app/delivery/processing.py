"""Handling one claimed inbox event: run its handler, then reply and send its pushes.

The handler's database work, its queued pushes and the reply it wants are committed together
(status `replying`) before anything is sent, so a crash afterwards never runs the handler twice:
recovery only resends the stored reply (if the token is still young) and the queued pushes.

When the database itself fails mid-way (outage, SQLite lock timeout) the event is not marked
failed: EventNotFinished carries what is left to write, and the worker retries it once the
database is back (the handler's rolled-back work is redone, a sent reply is only recorded).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable

from linebot_app import metrics
from linebot_app.bot import Bot
from linebot_app.delivery.inbox import REPLY_UNCONFIRMED, ClaimedEvent, ClaimLost
from linebot_app.delivery.outage import is_database_unavailable
from linebot_app.delivery.quota import NOT_SENT_QUOTA
from linebot_app.dispatch import EventContext, NeedsDisplayName
from linebot_app.features.users import prefetch_display_name
from linebot_app.line.client import SendOutcome, SendResult
from linebot_app.line.limits import MAX_MESSAGES
from linebot_app.logs import logfmt, short_id
from linebot_app.storage.models import InboxStatus, OutboxPush

log = logging.getLogger("linebot_app.events")

LOADING_EVENT_TYPES = ("message", "postback")
RELEASED = "released"  # process_event's answer when the event was given back to the queue
RETRY_LATER = "retry_later"  # LINE is down: the event goes back, claimable again a bit later


class EventNotFinished(Exception):
    """The database failed while handling an event; `finish()` writes what is left once it is
    back (the worker keeps trying). Until then the event stays claimed by this process."""

    def __init__(self, cause: BaseException, finish: Callable[[], None]):
        super().__init__(str(cause))
        self.cause = cause
        self.finish = finish


def process_event(bot: Bot, claimed: ClaimedEvent) -> str:
    """Handle one event end to end; returns the final inbox status.

    Raises only EventNotFinished (the database is unavailable) or, rarely, a database error
    while sending its pushes (they are then resent by the worker's sweep).
    """
    started = time.perf_counter()
    event = claimed.event
    handler, push_ids, reply = "resumed", [], claimed.resume_reply
    try:
        if reply is None:
            handler, reply, push_ids = _run_handler(bot, claimed)
        status, outcome, error = _deliver_reply(bot, claimed, reply)
    except ClaimLost:
        log.info("event %s was given to another process; not answered here", claimed.id)
        return RELEASED
    except Exception as exc:
        if is_database_unavailable(exc):  # not the handler's fault: try it again later
            raise EventNotFinished(exc, lambda: bot.inbox.release(claimed)) from exc
        log.exception("handler failed for event %s", claimed.webhook_event_id)  # a bug
        status, outcome, error = InboxStatus.FAILED, "handler_error", repr(exc)[:1000]
        _apologise(bot, claimed)
    if outcome in (RELEASED, RETRY_LATER):  # the reply could not go out yet
        # (`error` then says whether an attempt may have reached LINE: REPLY_UNCONFIRMED)
        _release(bot, claimed, retry_later=outcome == RETRY_LATER, outcome=error)
        return outcome

    def after_finish() -> None:
        _send_pushes(bot, claimed, push_ids)
        metrics.count_event(handler, outcome, time.perf_counter() - started)
        log.info(
            logfmt(
                event=claimed.webhook_event_id,
                type=_describe(event),
                chat=short_id((event.get("source") or {}).get("userId")),
                handler=handler,
                outcome=outcome,
                status=status,
                attempt=claimed.attempts,
                latency_ms=round((time.perf_counter() - started) * 1000, 1),
                age_ms=_age_ms(bot, event),
            )
        )

    def finish_later() -> None:
        bot.inbox.finish(claimed.id, status, outcome, bot.clock.now(), error)
        after_finish()

    try:
        bot.inbox.finish(claimed.id, status, outcome, bot.clock.now(), error)
    except Exception as exc:
        if not is_database_unavailable(exc):
            raise
        raise EventNotFinished(exc, finish_later) from exc
    after_finish()
    return status


def _run_handler(bot: Bot, claimed: ClaimedEvent) -> tuple[str, list[dict], list[int]]:
    event = claimed.event
    source = event.get("source") or {}
    if (
        event.get("type") in LOADING_EVENT_TYPES
        and source.get("type") == "user"
        and event.get("replyToken")
        and not _token_expired(bot, event)
    ):
        bot.line.show_loading(source["userId"])
    prefetched, prefetched_name = prefetch_display_name(bot.line, event)
    bot.live_cards.refresh_if_due(bot.db)  # console FAQ cards signed off since (review/live.py)
    try:
        return _run_in_transaction(bot, claimed, prefetched, prefetched_name)
    except NeedsDisplayName:
        # The handler needs the patient's LINE name and it is not stored yet: the transaction
        # was rolled back; ask LINE now, outside it, and run the handler again.
        prefetched, prefetched_name = prefetch_display_name(bot.line, event, always=True)
        return _run_in_transaction(bot, claimed, prefetched, prefetched_name)


def _run_in_transaction(
    bot: Bot, claimed: ClaimedEvent, prefetched: bool, prefetched_name: str | None
) -> tuple[str, list[dict], list[int]]:
    with bot.db.session() as session:
        ctx = EventContext(
            event=claimed.event,
            session=session,
            clinic=bot.clinic,
            settings=bot.settings,
            clock=bot.clock,
            services=bot.services,
            prefetched_display_name=prefetched_name,
            display_name_prefetched=prefetched,
        )
        handler, messages = bot.dispatcher.dispatch(ctx)
        if len(messages) > MAX_MESSAGES:
            log.error(
                "handler %s returned %d messages; sending the first 5", handler, len(messages)
            )
            messages = messages[:MAX_MESSAGES]
        now = bot.clock.now()
        push_ids = [
            bot.outbox.enqueue(session, p.to, p.messages, now, claimed.webhook_event_id).id
            for p in ctx.pushes
        ]
        bot.inbox.mark_replying(session, claimed.id, handler, messages, attempt=claimed.attempts)
    return handler, messages, push_ids


def _deliver_reply(
    bot: Bot, claimed: ClaimedEvent, reply: list[dict]
) -> tuple[str, str, str | None]:
    event = claimed.event
    token = event.get("replyToken")
    if not reply:
        return InboxStatus.DONE, "no_reply", None
    if not token:
        return _push_instead(bot, claimed, reply, reason="no_reply_token")
    if _token_expired(bot, event) and claimed.reply_unconfirmed:
        # An earlier attempt may have reached the patient: never push it a second time.
        metrics.count_reply_token_expired()
        return InboxStatus.EXPIRED, "token_expired_reply_unconfirmed", None
    if _token_expired(bot, event):
        return _push_instead(bot, claimed, reply, reason="token_expired")
    result = bot.line.reply(token, reply)
    if result.outcome == SendOutcome.INVALID_TOKEN and claimed.reply_unconfirmed:
        return InboxStatus.DONE, "reply_" + SendOutcome.PROBABLY_SENT, None  # used by then
    if result.outcome == SendOutcome.INVALID_TOKEN:
        return _push_instead(bot, claimed, reply, reason="token_invalid")
    if result.outcome == SendOutcome.INTERRUPTED:  # shutting down: the next process resumes
        return InboxStatus.REPLYING, RELEASED, REPLY_UNCONFIRMED if result.ambiguous else None
    if not result.delivered and (result.status is None or result.status >= 500):
        # LINE is down: tried again until the token expires; remember if it may have gone out
        unconfirmed = result.ambiguous or claimed.reply_unconfirmed
        return InboxStatus.REPLYING, RETRY_LATER, REPLY_UNCONFIRMED if unconfirmed else None
    return _status_of(result), "reply_" + result.outcome, _error_of(result)


def _push_instead(bot: Bot, claimed: ClaimedEvent, reply: list[dict], reason: str):
    """The reply token cannot be used: push if the clinic allows it (pushes cost quota)."""
    if reason != "no_reply_token":
        metrics.count_reply_token_expired()
    user_id = (claimed.event.get("source") or {}).get("userId")
    chat_id = claimed.event.get("source", {}).get("groupId") or user_id
    if not bot.settings.push_when_reply_token_expired or not chat_id:
        return InboxStatus.EXPIRED, reason, None
    with bot.db.session() as session:
        push = bot.outbox.enqueue(
            session, chat_id, reply, bot.clock.now(), claimed.webhook_event_id
        )
    sent = bot.outbox.send(bot.outbox.claim(bot.clock.now(), _lease(bot), [push.id]), bot.clock.now)
    if sent:
        return InboxStatus.DONE, reason + "_pushed", None
    with bot.db.session() as session:
        push_status = session.get(OutboxPush, push.id).status
    if push_status == "retry":  # LINE is down: the outbox sends it when LINE is back
        return InboxStatus.DONE, reason + "_push_queued", None
    if push_status == NOT_SENT_QUOTA:  # held until the quota has room (see quota.py)
        return InboxStatus.EXPIRED, reason + "_push_held", None
    return InboxStatus.FAILED, reason + "_push_failed", "push failed"


def _release(bot: Bot, claimed: ClaimedEvent, retry_later: bool, outcome: str | None) -> None:
    """Give the event back: at once (shutdown), or claimable after LINE_OUTAGE_RETRY_SECONDS."""
    claimed_at = None
    if retry_later:
        retry = dt.timedelta(seconds=bot.settings.line_outage_retry_seconds)
        claimed_at = bot.clock.now() - _lease(bot) + retry
        log.info("event %s: LINE unavailable, reply retried in %s", claimed.id, retry)
    try:
        bot.inbox.release(claimed, claimed_at=claimed_at, outcome=outcome)
    except Exception as exc:
        if not is_database_unavailable(exc):
            raise
        raise EventNotFinished(exc, lambda: bot.inbox.release(claimed)) from exc


def _send_pushes(bot: Bot, claimed: ClaimedEvent, push_ids: list[int]) -> None:
    if push_ids:
        bot.outbox.send(bot.outbox.claim(bot.clock.now(), _lease(bot), push_ids), bot.clock.now)


def _apologise(bot: Bot, claimed: ClaimedEvent) -> None:
    token = claimed.event.get("replyToken")
    if token and not _token_expired(bot, claimed.event):
        text = bot.content.say("handler_error")
        bot.line.reply(token, [{"type": "text", "text": text}])


def _status_of(result: SendResult) -> str:
    return InboxStatus.DONE if result.delivered else InboxStatus.FAILED


def _error_of(result: SendResult) -> str | None:
    return None if result.delivered else f"{result.status} {result.detail}"[:1000]


def _token_expired(bot: Bot, event: dict) -> bool:
    age = _age_ms(bot, event)
    return age is not None and age > bot.settings.reply_token_ttl_seconds * 1000


def _age_ms(bot: Bot, event: dict) -> int | None:
    timestamp = event.get("timestamp")
    if not isinstance(timestamp, int):
        return None
    return int(bot.clock.now().timestamp() * 1000) - timestamp


def _lease(bot: Bot) -> dt.timedelta:
    return dt.timedelta(seconds=bot.settings.inbox_lease_seconds)


def _describe(event: dict) -> str:
    kind = event.get("type", "?")
    if kind == "message":
        return f"message.{(event.get('message') or {}).get('type', '?')}"
    return kind
