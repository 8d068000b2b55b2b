"""LINE down for a while, then back; LINE's monthly push quota used up, then room again.

LINE is reached through a TCP proxy (tests/support/tcp_proxy.py) in front of the fake platform,
so "down" is a refused connection, as when api.line.me cannot be reached; 5xx comes from the
fake platform's faults.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter

from click.testing import Result
from sqlalchemy import select

from linebot_app.delivery.quota import held_pushes
from linebot_app.storage.migrate import upgrade
from linebot_app.storage.models import InboxEvent, OutboxPush
from tests.conftest import AppRunner
from tests.support.consultation_chat import STAFF_GROUP, Chat, start_bot, texts
from tests.support.tcp_proxy import TcpProxy
from tests.test_outages import FAST, answered_tokens, wait_until


class _Url:
    """AppRunner only needs the LINE server's URL."""

    def __init__(self, url: str, platform=None):
        self.url = url
        self.platform = platform


def rows(running, model):
    with running.bot.db.session() as session:
        return list(session.scalars(select(model).order_by(model.id)))


def test_line_unreachable_then_back_replies_retried_until_their_token_expires(tmp_path, fake_line):
    platform = fake_line.platform
    port = int(fake_line.url.rsplit(":", 1)[1])
    proxy = TcpProxy("127.0.0.1", port).start()
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    upgrade(url)
    runner = AppRunner(url, _Url(f"http://127.0.0.1:{proxy.port}", platform))
    try:
        running = runner.start(
            **FAST,
            line_timeout_seconds=1.0,
            line_max_attempts=2,
            line_outage_retry_seconds=0.2,
        )
        first = platform.text_event("U" + "1" * 32, "你好")
        running.send(first)
        platform.wait_for_deliveries(1)
        running.wait_idle()

        proxy.cut()  # api.line.me unreachable: connection refused
        young = platform.text_event("U" + "2" * 32, "外泌體有副作用嗎")
        ageing = platform.text_event(
            "U" + "3" * 32, "外泌體是什麼", timestamp_ms=int(time.time() * 1000) - 48_500
        )
        handover = platform.text_event("U" + "4" * 32, "真人客服")
        assert running.send(young, ageing, handover)[0] == 200

        def retried_and_expired() -> bool:
            by_id = {r.webhook_event_id: r for r in rows(running, InboxEvent)}
            return (
                by_id[ageing["webhookEventId"]].status == "expired"
                and by_id[young["webhookEventId"]].attempts >= 3
                and any(p.status == "retry" for p in rows(running, OutboxPush))
            )

        wait_until(retried_and_expired, what="replies retried, the old token expired")
        # Nothing piles up in memory: at most one event per worker thread is held at a time.
        assert running.worker._in_flight <= running.worker.threads
        by_id = {r.webhook_event_id: r for r in rows(running, InboxEvent)}
        assert by_id[young["webhookEventId"]].status in ("replying", "processing")
        [push] = rows(running, OutboxPush)
        retry_key = push.retry_key

        platform.fail_next("/v2/bot/message/push", 503, times=3)  # back, but busy at first
        proxy.restore()
        platform.wait_for_deliveries(1, chat_id=STAFF_GROUP, timeout=15)
        wait_until(
            lambda: {r.status for r in rows(running, InboxEvent)} <= {"done", "expired"},
            what="every event finished",
        )
        assert answered_tokens(platform) == Counter(
            [first["replyToken"], young["replyToken"], handover["replyToken"]]
        )
        assert [d.via for d in platform.delivered(ageing["source"]["userId"])] == []
        pushes = platform.requests(path="/v2/bot/message/push")
        assert {p.headers["x-line-retry-key"] for p in pushes} == {retry_key}
        assert len(platform.delivered(STAFF_GROUP)) == 1
        wait_until(lambda: [p.status for p in rows(running, OutboxPush)] == ["sent"])
    finally:
        runner.stop_all()
        proxy.cut()


def test_reply_lost_on_the_way_back_is_not_answered_again_after_line_returns(tmp_path, fake_line):
    """LINE took the reply but its answer was lost (500), and LINE then stayed down: when it is
    back, the token is spent; that means it was delivered, not that a push is needed."""
    platform = fake_line.platform
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    upgrade(url)
    runner = AppRunner(url, fake_line)
    try:
        running = runner.start(
            line_max_attempts=1, line_outage_retry_seconds=0.1, push_when_reply_token_expired=True
        )
        platform.drop_response_next("/v2/bot/message/reply")
        event = platform.text_event("U" + "5" * 32, "你好")
        running.send(event)
        wait_until(lambda: [r.status for r in rows(running, InboxEvent)] == ["done"])
        [row] = rows(running, InboxEvent)
        assert row.outcome == "reply_probably_sent"
        assert len(platform.delivered(event["source"]["userId"])) == 1
        assert platform.requests(path="/v2/bot/message/push") == []
    finally:
        runner.stop_all()


def inbox_status(running) -> Result:
    return running.app.test_cli_runner().invoke(args=["inbox", "status"])


def test_monthly_quota_used_up_holds_pushes_replies_still_work_and_pushes_resume(
    tmp_path, fake_line
):
    platform = fake_line.platform
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    upgrade(url)
    runner = AppRunner(url, fake_line)
    try:
        running = start_bot(runner, quota_check_seconds=0.2)
        platform.set_message_quota(5, usage=5)  # the month's messages are used up

        first = Chat(running, "U" + "a" * 32)
        assert "已通知工作人員" in texts(first.tap("action=human"))  # the reply still works
        wait_until(lambda: [p.status for p in rows(running, OutboxPush)] == ["quota"])
        assert len(platform.requests(path="/v2/bot/message/push")) == 1  # tried once, no retry

        second = Chat(running, "U" + "b" * 32)
        assert "已通知工作人員" in texts(second.tap("action=human"))
        wait_until(lambda: [p.status for p in rows(running, OutboxPush)] == ["quota", "quota"])
        assert len(platform.requests(path="/v2/bot/message/push")) == 1  # not even tried
        assert running.bot.quota.blocked
        assert [p.to for p in held_pushes(running.bot.db)] == [STAFF_GROUP, STAFF_GROUP]
        status = inbox_status(running).output
        assert "push quota   2  (not sent: monthly message quota used up)" in status
        quota_checks = len(platform.requests(path="/v2/bot/message/quota"))
        assert platform.delivered(STAFF_GROUP) == []

        platform.set_message_quota(10)  # the clinic bought more messages
        platform.wait_for_deliveries(2, chat_id=STAFF_GROUP, timeout=15)
        wait_until(lambda: [p.status for p in rows(running, OutboxPush)] == ["sent", "sent"])
        assert len(platform.requests(path="/v2/bot/message/quota")) > quota_checks
        assert not running.bot.quota.blocked
        assert held_pushes(running.bot.db) == []
        keys = [p.headers["x-line-retry-key"] for p in platform.requests("/v2/bot/message/push")]
        assert len(set(keys)) == 2 and len(keys) == 3  # each push kept its key

        third = Chat(running, "U" + "c" * 32)  # and new pushes go out again
        third.tap("action=human")
        platform.wait_for_deliveries(3, chat_id=STAFF_GROUP, timeout=10)
    finally:
        runner.stop_all()


def test_quota_endpoints_through_the_line_client(running):
    platform = running.platform
    line = running.bot.line
    assert line.get_message_quota().type == "none"
    platform.set_message_quota(200, usage=17)
    quota, usage = line.get_message_quota(), line.get_quota_consumption()
    assert (quota.type, quota.value, usage.total_usage) == ("limited", 200, 17)
    platform.fail_next("/v2/bot/message/quota", 500)
    assert line.get_message_quota() is None


def test_push_line_never_took_is_given_up_before_its_retry_key_expires(runner):
    running = runner.start(worker=False)  # the worker's own sweep would do it first
    bot = running.bot
    now = bot.clock.now()
    with bot.db.session() as session:
        push = bot.outbox.enqueue(session, "U" + "f" * 32, [{"type": "text", "text": "hi"}], now)
        push.status, push.created_at = "retry", now - dt.timedelta(hours=23, minutes=1)
    assert bot.outbox.give_up_old_retries(now) == 1
    with bot.db.session() as session:
        assert session.get(OutboxPush, push.id).status == "failed"
    assert running.platform.requests(path="/v2/bot/message/push") == []


def test_pushes_held_before_a_restart_go_out_once_the_quota_has_room(tmp_path, fake_line):
    platform = fake_line.platform
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    upgrade(url)
    runner = AppRunner(url, fake_line)
    try:
        stopped = runner.start(worker=False)
        bot = stopped.bot
        with bot.db.session() as session:  # held by a process that has since restarted
            push = bot.outbox.enqueue(
                session, STAFF_GROUP, [{"type": "text", "text": "新的預約"}], bot.clock.now()
            )
            push.status = "quota"
        runner.stop(stopped)
        platform.set_message_quota(200, usage=20)
        running = runner.start(quota_check_seconds=0.2)
        platform.wait_for_deliveries(1, chat_id=STAFF_GROUP, timeout=10)
        wait_until(lambda: [p.status for p in rows(running, OutboxPush)] == ["sent"])
    finally:
        runner.stop_all()
