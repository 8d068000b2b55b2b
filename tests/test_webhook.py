"""The webhook's contract with LINE: signed requests in, durable storage, exactly-once answers."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
from sqlalchemy import select, text

from linebot_app.fakeline import sign
from linebot_app.storage.models import InboxEvent

USER = "U" + "a" * 32


def post_raw(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    request = urllib.request.Request(url + "/callback", data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def inbox_rows(running) -> list[InboxEvent]:
    with running.bot.db.session() as session:
        return list(session.scalars(select(InboxEvent).order_by(InboxEvent.id)))


def assert_schema_clean(platform) -> None:
    if not platform.schema_checked:
        pytest.skip(
            "../shared/line-openapi is missing: request bodies not checked against LINE's schema"
        )
    assert platform.schema_errors == []


# --- refusing what is not from LINE --------------------------------------------------------
def test_request_without_signature_is_refused_and_nothing_is_stored(running):
    body = running.platform.callback_body([running.platform.text_event(USER, "hello")])
    status, _ = post_raw(running.url, body, {"Content-Type": "application/json"})
    assert status == 400
    assert inbox_rows(running) == []
    assert running.platform.delivered() == []


def test_request_with_wrong_signature_is_refused(running):
    event = running.platform.text_event(USER, "hello")
    status, _ = running.send(event, signature="bm90IHRoZSByaWdodCBzaWduYXR1cmU=")
    assert status == 400
    assert inbox_rows(running) == []


def test_signed_malformed_json_is_refused(running):
    body = b'{"events": [ {"type": "message",'
    headers = {"X-Line-Signature": sign(body, running.bot.settings.channel_secret)}
    status, _ = post_raw(running.url, body, headers)
    assert status == 400
    body = b'{"events": "not a list"}'
    status, _ = post_raw(
        running.url, body, {"X-Line-Signature": sign(body, running.bot.settings.channel_secret)}
    )
    assert status == 400


def test_body_over_one_mebibyte_is_refused(running):
    body = b'{"events": [], "padding": "' + b"x" * (1024 * 1024) + b'"}'
    headers = {"X-Line-Signature": sign(body, running.bot.settings.channel_secret)}
    status, _ = post_raw(running.url, body, headers)
    assert status == 413
    assert inbox_rows(running) == []


def test_console_verification_request_is_accepted(running):
    status, body = running.send()
    assert status == 200
    assert json.loads(body)["stored"] == 0


# --- answering -----------------------------------------------------------------------------
def test_text_message_is_answered_once_through_the_reply_api(running):
    status, _ = running.send(running.platform.text_event(USER, "你好"))
    assert status == 200
    running.platform.wait_for_deliveries(1, chat_id=USER)
    running.wait_idle()
    [delivery] = running.platform.delivered(USER)
    assert delivery.via == "reply"
    assert 1 <= len(delivery.messages) <= 5
    assert [row.status for row in inbox_rows(running)] == ["done"]
    assert_schema_clean(running.platform)


def test_follow_gets_a_welcome(running):
    running.send(running.platform.follow_event(USER))
    running.platform.wait_for_deliveries(1, chat_id=USER)
    assert "波士頓醫美診所" in json.dumps(
        running.platform.delivered(USER)[0].messages, ensure_ascii=False
    )
    assert_schema_clean(running.platform)


def test_loading_animation_is_shown_in_one_to_one_chats(running):
    running.send(running.platform.text_event(USER, "你好"))
    running.platform.wait_for_deliveries(1, chat_id=USER)
    [loading] = running.platform.requests(path="/v2/bot/chat/loading/start")
    assert loading.json["chatId"] == USER
    assert loading.json["loadingSeconds"] % 5 == 0


def test_same_event_delivered_twice_is_answered_once(running):
    event = running.platform.text_event(USER, "hello")
    assert running.send(event)[0] == 200
    running.platform.wait_for_deliveries(1, chat_id=USER)
    running.wait_idle()
    status, body = running.send(event)
    assert status == 200 and json.loads(body)["duplicates"] == 1
    running.wait_idle()
    assert len(running.platform.delivered(USER)) == 1
    assert inbox_rows(running)[0].duplicates_seen == 1


def test_redelivered_event_is_answered_once(running):
    event = running.platform.text_event(USER, "hello")
    redelivery = json.loads(json.dumps(event))
    redelivery["deliveryContext"]["isRedelivery"] = True
    running.send(event)
    running.send(redelivery)
    running.platform.wait_for_deliveries(1, chat_id=USER)
    running.wait_idle()
    time.sleep(0.2)  # give a wrong second answer the chance to show up
    assert len(running.platform.delivered(USER)) == 1


def test_unknown_event_type_is_acknowledged_and_recorded(running):
    event = running.platform.text_event(USER, "x")
    event["type"] = "somethingLineAddsNextYear"
    status, _ = running.send(event)
    assert status == 200
    running.wait_idle()
    deadline = time.monotonic() + 5
    while inbox_rows(running)[0].status != "done" and time.monotonic() < deadline:
        running.wait_idle(0.5)
    row = inbox_rows(running)[0]
    assert (row.status, row.handler, row.outcome) == ("done", "unhandled", "no_reply")
    assert running.platform.delivered() == []


def test_many_events_in_one_request_are_all_answered(running):
    users = [f"U{index:032x}" for index in range(8)]
    events = [running.platform.text_event(user, f"hi {n}") for user in users for n in range(2)]
    assert running.send(*events)[0] == 200
    running.platform.wait_for_deliveries(16)
    for user in users:
        assert len(running.platform.delivered(user)) == 2


# --- LINE API trouble ----------------------------------------------------------------------
@pytest.mark.parametrize("status", [500, 503, 429])
def test_line_api_error_is_retried_and_delivered_exactly_once(running, status):
    headers = {"Retry-After": "0"} if status == 429 else None
    running.platform.fail_next("/v2/bot/message/reply", status, times=2, headers=headers)
    running.send(running.platform.text_event(USER, "hello"))
    running.platform.wait_for_deliveries(1, chat_id=USER)
    running.wait_idle()
    assert len(running.platform.delivered(USER)) == 1
    assert len(running.platform.requests(path="/v2/bot/message/reply")) == 3
    assert inbox_rows(running)[0].outcome == "reply_sent"


def test_client_error_is_not_retried(running):
    running.platform.fail_next("/v2/bot/message/reply", 403, times=1)
    running.send(running.platform.text_event(USER, "hello"))
    running.wait_idle()
    _wait_status(running, "failed")
    assert len(running.platform.requests(path="/v2/bot/message/reply")) == 1


def test_lost_reply_response_is_not_answered_twice(running):
    running.platform.drop_response_next("/v2/bot/message/reply")
    running.send(running.platform.text_event(USER, "hello"))
    running.platform.wait_for_deliveries(1, chat_id=USER)
    _wait_status(running, "done")
    assert len(running.platform.delivered(USER)) == 1
    assert inbox_rows(running)[0].outcome == "reply_probably_sent"


def test_expired_reply_token_is_recorded_not_retried(running):
    event = running.platform.text_event(
        USER, "hello", timestamp_ms=int(time.time() * 1000) - 120_000
    )
    running.send(event)
    _wait_status(running, "expired")
    assert running.platform.requests(path="/v2/bot/message/reply") == []
    assert running.platform.delivered() == []


def test_token_refused_by_line_is_recorded_as_expired(running):
    event = running.platform.text_event(USER, "hello")
    running.platform.expire_reply_token(event["replyToken"])
    running.send(event)
    _wait_status(running, "expired")
    assert running.platform.delivered() == []


def test_expired_token_is_answered_by_push_when_the_clinic_allows(runner):
    running = runner.start(push_when_reply_token_expired=True)
    event = running.platform.text_event(
        USER, "hello", timestamp_ms=int(time.time() * 1000) - 120_000
    )
    running.send(event)
    running.platform.wait_for_deliveries(1, chat_id=USER)
    [delivery] = running.platform.delivered(USER)
    assert delivery.via == "push"
    [push] = running.platform.requests(path="/v2/bot/message/push")
    assert push.headers.get("x-line-retry-key")
    assert_schema_clean(running.platform)


# --- durability ----------------------------------------------------------------------------
def test_events_left_in_the_inbox_are_answered_after_a_restart(runner):
    first = runner.start(worker=False)
    events = [first.platform.text_event(f"U{n:032x}", "hello") for n in range(3)]
    assert first.send(*events)[0] == 200
    runner.stop(first)
    assert first.platform.delivered() == []

    second = runner.start()
    second.platform.wait_for_deliveries(3)
    assert {d.chat_id for d in second.platform.delivered()} == {f"U{n:032x}" for n in range(3)}


def test_inbox_write_failure_answers_500_so_line_redelivers(running):
    with running.bot.db.engine.begin() as connection:
        connection.execute(text("ALTER TABLE inbox_events RENAME TO inbox_events_gone"))
    try:
        status, _ = running.send(running.platform.text_event(USER, "hello"))
        assert status == 500
    finally:
        with running.bot.db.engine.begin() as connection:
            connection.execute(text("ALTER TABLE inbox_events_gone RENAME TO inbox_events"))


def test_messages_of_one_chat_are_answered_in_order(running):
    running.platform.add_latency(0.05)
    events = [running.platform.text_event(USER, f"message {n}") for n in range(5)]
    for event in events:
        running.send(event)
    running.platform.wait_for_deliveries(5, chat_id=USER)
    tokens = [r.json["replyToken"] for r in running.platform.requests(path="/v2/bot/message/reply")]
    assert tokens == [e["replyToken"] for e in events]


def _wait_status(running, status: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        running.wait_idle(1.0)
        rows = inbox_rows(running)
        if rows and all(row.status == status for row in rows):
            return
        time.sleep(0.02)
    raise AssertionError(
        f"inbox statuses {[r.status for r in inbox_rows(running)]}, wanted {status}"
    )


def test_chunked_body_over_one_mebibyte_is_refused(running):
    import http.client

    body = b'{"events": [], "padding": "' + b"x" * (1024 * 1024) + b'"}'
    host, port = running.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    chunks = (body[i : i + 65536] for i in range(0, len(body), 65536))
    connection.request(
        "POST",
        "/callback",
        body=chunks,
        encode_chunked=True,
        headers={
            "X-Line-Signature": sign(body, running.bot.settings.channel_secret),
            "Transfer-Encoding": "chunked",
        },
    )
    assert connection.getresponse().status == 413
    assert inbox_rows(running) == []
