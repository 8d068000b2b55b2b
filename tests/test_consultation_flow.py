"""A patient books a consultation inside LINE: the whole flow, through the signed webhook and
the fake LINE server, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from linebot_app.consultation.models import ConsultationRequest, StatusChange
from linebot_app.models import ConversationState
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

    [request] = requests_in(running)
    assert (request.patient_name, request.phone, request.status) == (
        "王小明", "+886912345678", "open")
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
