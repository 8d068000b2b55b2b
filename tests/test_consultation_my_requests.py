"""我的預約: a patient sees their requests and status, and cancels one that is still open."""

from __future__ import annotations

from sqlalchemy import select

from linebot_app.features.consultation.models import ConsultationRequest, StatusChange
from tests.support.consultation_chat import (
    STAFF_GROUP,
    STAFF_MEMBER,
    Chat,
    actions_in,
    assert_schema_clean,
    find_action,
    start_bot,
    texts,
)

PATIENT = "U" + "f" * 32
OTHER = "U" + "0" * 31 + "1"


def book(chat: Chat, when: str = "2026-12-04T15:00") -> None:
    chat.tap("action=book")
    chat.tap_label("外泌體療程")
    chat.pick_time(when)
    chat.say("王小明 0912345678")
    chat.tap_label("同意")
    chat.tap_label("確認送出")


def test_my_requests_lists_status_with_a_cancel_button_for_open_ones(runner):
    running = start_bot(runner)
    patient = Chat(running, PATIENT)
    assert "沒有預約紀錄" in texts(patient.say("我的預約"))
    book(patient)
    book(patient, "2026-12-05T11:00")
    [card, _] = running.platform.wait_for_deliveries(2, chat_id=STAFF_GROUP)
    Chat(running, STAFF_MEMBER, group_id=STAFF_GROUP).tap_label("取消", messages=card.messages)

    answer = patient.tap("action=my_requests")  # the rich menu's 我的預約
    [carousel] = answer
    assert carousel["contents"]["type"] == "carousel"
    newest, oldest = carousel["contents"]["contents"]
    assert "預約 #2" in texts(newest) and "待聯繫" in texts(newest)
    assert "預約 #1" in texts(oldest) and "已取消" in texts(oldest)
    assert [a["label"] for a in actions_in(newest)] == ["取消這個預約"]
    assert actions_in(oldest) == []
    assert patient.say("我的預約") == answer
    assert_schema_clean(running.platform)


def test_patient_cancels_an_open_request_after_confirming_and_staff_are_told(runner):
    running = start_bot(runner)
    patient = Chat(running, PATIENT)
    book(patient)
    running.platform.wait_for_deliveries(1, chat_id=STAFF_GROUP)
    listing = patient.say("我的預約")
    question = patient.tap_label("取消這個預約", messages=listing)
    assert "確定要取消預約 #1" in texts(question)
    assert "保留不變" in texts(patient.tap_label("保留預約", messages=question))
    answer = patient.tap_label("確定取消", messages=question)
    assert "已取消預約 #1" in texts(answer)
    running.platform.wait_for(lambda: len(running.platform.delivered(STAFF_GROUP)) == 2)
    assert "病患取消了預約 #1" in texts(running.platform.delivered(STAFF_GROUP)[-1].messages)
    with running.bot.db.session() as session:
        assert session.scalars(select(ConsultationRequest)).one().status == "cancelled"
        change = session.scalars(select(StatusChange).order_by(StatusChange.id.desc())).first()
        assert (change.actor_kind, change.actor_id) == ("patient", PATIENT)
    assert "無法取消" in texts(patient.tap_label("確定取消", messages=question))


def test_nobody_can_cancel_someone_elses_request(runner):
    running = start_bot(runner)
    patient = Chat(running, PATIENT)
    book(patient)
    listing = patient.say("我的預約")
    data = find_action(listing, "取消這個預約")["data"].replace("op=cancel", "op=cancel_yes")
    assert "找不到這筆預約" in texts(Chat(running, OTHER).tap(data))
    with running.bot.db.session() as session:
        assert session.scalars(select(ConsultationRequest)).one().status == "open"
