"""A patient books a consultation inside LINE: the whole flow, through the signed webhook and
the fake LINE server, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import logging
import shutil

from sqlalchemy import select

from linebot_app.clock import FixedClock
from linebot_app.features.consultation.models import ConsultationRequest, StatusChange
from linebot_app.storage.models import ConversationState
from tests.support.consultation_chat import (
    STAFF_GROUP,
    Chat,
    actions_in,
    assert_schema_clean,
    start_bot,
    texts,
)

PATIENT = "U" + "a" * 32


def requests_in(running) -> list[ConsultationRequest]:
    with running.bot.db.session() as session:
        return list(session.scalars(select(ConsultationRequest).order_by(ConsultationRequest.id)))


def book_until_review(chat: Chat) -> list[dict]:
    chat.tap("action=book")
    chat.tap_label("外泌體療程")
    chat.pick_time("2026-12-04T14:30")
    chat.say("王小明")
    chat.say("0912-345-678")
    return chat.tap_label("同意")


def test_patient_books_consultation_with_datetimepicker_in_six_steps(runner):
    running = start_bot(runner)
    running.platform.set_profile(PATIENT, "小明")
    chat = Chat(running, PATIENT)

    answer = chat.tap("action=book")  # the 預約諮詢 button on every card
    assert "哪一項服務" in texts(answer)
    answer = chat.tap_label("外泌體療程")  # 1
    [picker] = [a for a in actions_in(answer) if a["type"] == "datetimepicker"]
    assert picker["mode"] == "datetime"
    assert picker["min"] == "2026-12-03T12:30"  # now + two hours' lead time, Taipei time
    assert picker["max"] == "2027-02-01T23:59"  # 60 days ahead
    assert picker["initial"] == "2026-12-03T14:00"  # the first opening after lunch
    assert "姓名" in texts(chat.pick_time("2026-12-04T14:30"))  # 2
    assert "電話" in texts(chat.say("  王小明 "))  # 3
    assert "個人資料" in texts(chat.say("0912-345-678"))  # 4
    review = chat.tap_label("同意")  # 5
    assert "王小明" in texts(review) and "0912 345 678" in texts(review)
    assert "12/4（週五）14:30" in texts(review)
    done = chat.tap_label("確認送出", messages=review)  # 6
    assert "#1" in texts(done)
    assert "待聯繫" in texts(chat.tap_label("我的預約", messages=done))

    [request] = requests_in(running)
    assert (request.patient_name, request.phone, request.status) == (
        "王小明",
        "+886912345678",
        "open",
    )
    assert request.service_key == "exosome"
    assert request.consent_at is not None
    assert request.preferred_at.isoformat() == "2026-12-04T06:30:00+00:00"

    [card] = running.platform.wait_for_deliveries(1, chat_id=STAFF_GROUP)
    assert card.via == "push"
    body = texts(card.messages)
    assert "新的諮詢預約 #1" in body and "王小明" in body and "小明" in body
    labels = {a.get("label"): a for a in actions_in(card.messages)}
    assert labels["0912 345 678"]["uri"] == "tel:+886912345678"
    assert {"已聯繫", "確認時段", "取消"} <= set(labels)
    with running.bot.db.session() as session:
        assert session.scalars(select(ConversationState)).all() == []
        [change] = session.scalars(select(StatusChange)).all()
        assert (change.to_status, change.actor_kind) == ("open", "patient")
    assert_schema_clean(running.platform)


def test_names_and_phones_never_reach_the_log(runner, caplog):
    caplog.set_level(logging.DEBUG)
    running = start_bot(runner)
    running.platform.set_profile(PATIENT, "小明的LINE名字")
    chat = Chat(running, PATIENT)
    review = book_until_review(chat)
    chat.tap_label("確認送出", messages=review)
    chat.tap("action=human")
    running.platform.wait_for(lambda: len(running.platform.delivered(STAFF_GROUP)) == 2)
    logged = "\n".join(
        record.getMessage() for record in caplog.records if record.name != "werkzeug"
    )  # the test servers' access logs
    assert "booking.step" in logged  # the log was captured
    for secret in ("王小明", "0912", "912345678", "小明的LINE名字", PATIENT):
        assert secret not in logged


def test_name_and_phone_in_one_message_skip_the_phone_question(runner):
    running = start_bot(runner)
    chat = Chat(running, PATIENT)
    chat.tap("action=book")
    chat.tap_label("其他/不確定")
    chat.pick_time("2026-12-05T10:00")
    assert "個人資料" in texts(chat.say("陳美麗 06-2527333"))
    chat.tap_label("同意")
    chat.tap_label("確認送出")
    [request] = requests_in(running)
    assert (request.patient_name, request.phone) == ("陳美麗", "+88662527333")
    assert request.service_key == "other"


# --- refusals ------------------------------------------------------------------------------
def at_time_step(runner, **overrides) -> Chat:
    running = start_bot(runner, **overrides)
    chat = Chat(running, PATIENT)
    chat.tap("action=book")
    chat.tap_label("外泌體療程")
    return chat


def test_times_outside_the_bookable_window_or_hours_are_refused_with_the_reason(runner):
    chat = at_time_step(runner)
    cases = [
        ("2026-12-03T09:00", "已經過了"),  # in the past
        ("2026-12-03T11:00", "可預約的時間從 12/3（週四）12:30 開始"),  # inside the lead time
        ("2027-03-01T10:00", "開放預約到 2/1（週一）"),  # beyond the horizon
        ("2026-12-06T11:00", "12/6（週日） 診所休診"),  # Sunday: closed
        ("2026-12-04T13:00", "10:00-12:30、14:00-20:00，13:00 不在看診時間內"),  # lunch break
        ("2026-12-04T20:30", "20:30 不在看診時間內"),  # after hours
        ("not a time", "選擇日期時間"),
    ]
    for value, reason in cases:
        answer = chat.pick_time(value)
        assert reason in texts(answer), value
        assert any(a["type"] == "datetimepicker" for a in actions_in(answer)), value
    # A time in words is read (docs/understanding.md) and checked by the same rules.
    answer = chat.say("明天下午一點")
    assert "13:00 不在看診時間內" in texts(answer)
    assert any(a["type"] == "datetimepicker" for a in actions_in(answer))
    assert "姓名" in texts(chat.say("明天下午三點"))
    assert_schema_clean(chat.platform)


def test_closed_dates_from_config_are_refused(runner, tmp_path):
    config = tmp_path / "config"
    shutil.copytree("config", config)
    clinic = (config / "clinic.yaml").read_text(encoding="utf-8")
    (config / "clinic.yaml").write_text(
        clinic.replace("closed_dates: []", "closed_dates: [2026-12-04]"), encoding="utf-8"
    )
    chat = at_time_step(runner, config_dir=config)
    assert "12/4（週五） 診所休診" in texts(chat.pick_time("2026-12-04T15:00"))


def test_invalid_name_and_phone_are_refused_with_an_example(runner):
    chat = at_time_step(runner)
    chat.pick_time("2026-12-04T15:00")
    assert "30 個字以內" in texts(chat.say("王" * 31))
    assert "姓名就好" in texts(chat.say("abc@example.com"))
    assert "姓名就好" in texts(chat.say("https://example.com"))
    chat.say("王小明")
    for wrong in ("12345", "0800-000-123", "+81 3-1234-5678", "電話"):
        answer = chat.say(wrong)
        assert "例如 0912-345-678" in texts(answer), wrong
    assert "個人資料" in texts(chat.say("０９１２３４５６７８"))  # fullwidth digits are fine
    assert "請點「同意」或「不同意」" in texts(chat.say("好喔"))
    review = chat.tap_label("同意")
    assert "請點「確認送出」" in texts(chat.say("嗯"))
    assert "想修改哪一項" in texts(chat.tap_label("修改", messages=review))
    assert "想修改哪一項" in texts(chat.say("都不要"))
    assert_schema_clean(chat.platform)


def test_declining_consent_stores_nothing_personal(runner):
    running = start_bot(runner)
    chat = Chat(running, PATIENT)
    chat.tap("action=book")
    chat.tap_label("外泌體療程")
    chat.pick_time("2026-12-04T15:00")
    chat.say("王小明 0912345678")
    answer = chat.tap_label("不同意")
    assert "沒有被儲存" in texts(answer)
    assert requests_in(running) == []
    with running.bot.db.session() as session:
        assert session.scalars(select(ConversationState)).all() == []
    assert running.platform.delivered(STAFF_GROUP) == []


STEPS = ["service", "time", "name", "phone", "consent", "review", "edit"]


def advance_to(chat: Chat, step: str) -> None:
    actions = [
        lambda: chat.tap_label("外泌體療程"),
        lambda: chat.pick_time("2026-12-04T15:00"),
        lambda: chat.say("王小明"),
        lambda: chat.say("0912345678"),
        lambda: chat.tap_label("同意"),
        lambda: chat.tap_label("修改"),
    ]
    chat.tap("action=book")
    for action in actions[: STEPS.index(step)]:
        action()


def test_cancel_leaves_the_conversation_at_every_step(runner):
    running = start_bot(runner)
    for index, step in enumerate(STEPS):
        chat = Chat(running, f"U{index:032x}")
        advance_to(chat, step)
        if index % 2:
            answer = chat.tap_label("取消")
        else:
            answer = chat.say("取消")
        assert "已取消這次預約" in texts(answer), step
        with running.bot.db.session() as session:
            assert session.get(ConversationState, chat.user_id) is None, step
    assert requests_in(running) == []
    assert_schema_clean(running.platform)


def test_edit_changes_one_answer_and_returns_to_the_summary(runner):
    running = start_bot(runner)
    chat = Chat(running, PATIENT)
    advance_to(chat, "edit")
    assert "王小明" not in texts(chat.tap_label("姓名"))
    review = chat.say("王大明")
    assert "王大明" in texts(review) and "0912 345 678" in texts(review)
    chat.tap_label("修改", messages=review)
    chat.tap_label("希望時段")
    review = chat.pick_time("2026-12-05T16:00")
    assert "12/5（週六）16:00" in texts(review)
    chat.tap_label("確認送出", messages=review)
    [request] = requests_in(running)
    assert request.patient_name == "王大明"
    assert request.preferred_at.isoformat() == "2026-12-05T08:00:00+00:00"


def test_confirming_twice_creates_one_request_and_one_staff_card(runner):
    running = start_bot(runner)
    chat = Chat(running, PATIENT)
    review = book_until_review(chat)
    first = chat.tap_label("確認送出", messages=review)
    second = chat.tap_label("確認送出", messages=review)
    assert "#1" in texts(first)
    assert "不會重複送出" in texts(second)
    redelivered = running.platform.postback_event(PATIENT, find_submit(review), redelivery=True)
    running.send(redelivered)
    running.wait_idle()
    assert len(requests_in(running)) == 1
    running.platform.wait_for_deliveries(1, chat_id=STAFF_GROUP)
    running.wait_idle()
    assert len(running.platform.delivered(STAFF_GROUP)) == 1


def find_submit(review: list[dict]) -> str:
    return next(a["data"] for a in actions_in(review) if a.get("label") == "確認送出")


def test_restart_mid_conversation_continues_where_the_patient_was(runner):
    running = start_bot(runner)
    chat = Chat(running, PATIENT)
    chat.tap("action=book")
    chat.tap_label("外泌體療程")
    chat.pick_time("2026-12-04T15:00")
    clock = running.clock
    runner.stop(running)

    again = start_bot(runner, clock=clock)
    chat = Chat(again, PATIENT)
    assert "電話" in texts(chat.say("王小明"))
    chat.say("0912345678")
    chat.tap_label("同意")
    chat.tap_label("確認送出")
    assert [r.patient_name for r in requests_in(again)] == ["王小明"]


def test_abandoned_conversation_expires(runner):
    running = start_bot(runner)
    chat = Chat(running, PATIENT)
    chat.tap("action=book")
    old = chat.tap_label("外泌體療程")
    running.clock.advance(minutes=31)
    assert "逾時" in texts(chat.say("王小明"))
    with running.bot.db.session() as session:
        assert session.get(ConversationState, PATIENT) is None
    assert "逾時" in texts(chat.pick_time("2026-12-04T15:00", messages=old))


def test_a_button_from_a_finished_booking_does_not_reopen_it(runner):
    running = start_bot(runner)
    chat = Chat(running, PATIENT)
    chat.tap("action=book")
    chat.tap_label("外泌體療程")
    old_picker = chat.last
    chat.tap_label("取消")
    assert "逾時" in texts(chat.pick_time("2026-12-04T15:00", messages=old_picker))
    assert requests_in(running) == []


def test_asking_to_book_again_mid_flow_picks_up_the_pending_step(runner):
    running = start_bot(runner)
    chat = Chat(running, PATIENT)
    chat.tap("action=book")
    chat.tap_label("外泌體療程")
    chat.pick_time("2026-12-04T15:00")
    answer = chat.tap("action=book")
    assert "還沒完成" in texts(answer) and "姓名" in texts(answer)


def test_booking_outside_opening_hours_says_when_staff_will_answer(runner):
    friday_night = FixedClock(dt.datetime(2026, 12, 4, 14, 0, tzinfo=dt.UTC))  # 22:00 Taipei
    running = start_bot(runner, clock=friday_night)
    chat = Chat(running, PATIENT)
    assert "12/5（週六）10:00 起" in texts(chat.tap("action=book"))
    chat.tap_label("外泌體療程")
    chat.pick_time("2026-12-07T10:00")
    chat.say("王小明 0912345678")
    chat.tap_label("同意")
    assert "12/5（週六）10:00 起" in texts(chat.tap_label("確認送出"))


def test_booking_from_a_group_chat_is_pointed_to_the_one_to_one_chat(runner):
    running = start_bot(runner)
    chat = Chat(running, PATIENT, group_id="C" + "9" * 32)
    assert "一對一" in texts(chat.tap("action=book"))
