"""Personal data: 刪除我的資料 deletes it and says what was deleted; after an unfollow it goes
once the grace period is over (run by send-reminders)."""

from __future__ import annotations

from sqlalchemy import select

from linebot_app.features.consultation.models import ConsultationRequest, HumanHandoff
from linebot_app.storage.models import ConversationState, InboxEvent, LineUser, OutboxPush
from tests.support.consultation_chat import (
    STAFF_GROUP,
    Chat,
    assert_schema_clean,
    start_bot,
    wait_handled,
)
from tests.support.consultation_chat import texts as said

PATIENT = "U" + "7" * 32
NAME, PHONE_SHOWN = "王小明", "0912 345 678"


def book(chat: Chat) -> None:
    chat.tap("action=book")
    chat.tap_label("外泌體療程")
    chat.pick_time("2026-12-04T15:00")
    chat.say(f"{NAME} 0912345678")
    chat.tap_label("同意")
    chat.tap_label("確認送出")


def stored_anywhere(running, value: str) -> list[str]:
    """Where `value` still sits in the database (tables that hold patients' data)."""
    found = []
    with running.bot.db.session() as session:
        for request in session.scalars(select(ConsultationRequest)):
            if value in f"{request.patient_name} {request.phone}":
                found.append(f"request {request.id}")
        for row in session.scalars(select(InboxEvent)):
            if value in row.payload or value in (row.reply_payload or ""):
                found.append(f"inbox {row.id} {row.status}")
        for row in session.scalars(select(OutboxPush)):
            if value in row.messages:
                found.append(f"outbox {row.id}")
        for row in session.scalars(select(ConversationState)):
            if value in str(row.data):
                found.append(f"conversation {row.chat_key}")
        for row in session.scalars(select(LineUser)):
            if value == row.display_name:
                found.append(f"user {row.user_id}")
    return found


def test_patient_deletes_their_data_and_is_told_what_was_deleted(runner):
    running = start_bot(runner)
    running.platform.set_profile(PATIENT, "小明的LINE")
    patient = Chat(running, PATIENT)
    book(patient)
    patient.tap("action=human")
    running.platform.wait_for(lambda: len(running.platform.delivered(STAFF_GROUP)) == 2)
    assert stored_anywhere(running, NAME) and stored_anywhere(running, "小明的LINE")

    question = patient.say("刪除我的資料")
    assert "無法復原" in said(question)
    answer = patient.tap_label("確定刪除", messages=question)
    body = said(answer)
    assert "1 筆預約的姓名與電話" in body and "1 筆尚未完成的預約已取消" in body
    assert "LINE 顯示名稱" in body and "真人客服紀錄" in body and "聊天紀錄" in body

    running.platform.wait_for(lambda: len(running.platform.delivered(STAFF_GROUP)) == 3)
    notice = said(running.platform.delivered(STAFF_GROUP)[-1].messages)
    assert "#1" in notice and NAME not in notice
    running.wait_idle()
    for value in (NAME, PHONE_SHOWN, "+886912345678", "0912345678", "小明的LINE"):
        assert stored_anywhere(running, value) == [], value
    with running.bot.db.session() as session:
        request = session.scalars(select(ConsultationRequest)).one()
        assert (request.status, request.user_id) == ("cancelled", None)
        assert request.personal_data_deleted_at == running.clock.now()
        assert session.get(LineUser, PATIENT) is None
        assert session.scalars(select(HumanHandoff)).all() == []
    assert_schema_clean(running.platform)


def test_changing_ones_mind_deletes_nothing(runner):
    running = start_bot(runner)
    patient = Chat(running, PATIENT)
    book(patient)
    question = patient.say("刪除我的資料")
    assert "沒有刪除" in said(patient.tap_label("先不要", messages=question))
    assert stored_anywhere(running, NAME)


def test_deleting_with_nothing_stored_says_so(runner):
    running = start_bot(runner)
    patient = Chat(running, "U" + "8" * 32)
    answer = patient.tap("action=privacy&op=delete")
    assert "沒有找到您的個人資料" in said(answer)


def test_unfollowed_patients_data_is_deleted_after_the_grace_period(runner):
    running = start_bot(runner)
    patient = Chat(running, PATIENT)
    book(patient)
    event = running.platform.unfollow_event(PATIENT)
    running.send(event)
    wait_handled(running, event)
    cli = running.app.test_cli_runner()

    running.clock.advance(days=29)
    result = cli.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "purged 0 patient(s)" in result.output
    assert stored_anywhere(running, NAME)

    running.clock.advance(days=2)
    result = cli.invoke(args=["send-reminders"])
    assert "purged 1 patient(s)" in result.output
    assert stored_anywhere(running, NAME) == []


def test_refollowing_within_the_grace_period_keeps_the_data(runner):
    running = start_bot(runner)
    patient = Chat(running, PATIENT)
    book(patient)
    for event in (running.platform.unfollow_event(PATIENT), running.platform.follow_event(PATIENT)):
        running.send(event)
        wait_handled(running, event)
    running.clock.advance(days=40)
    assert (
        "purged 0 patient(s)"
        in running.app.test_cli_runner().invoke(args=["requests", "purge"]).output
    )
    assert stored_anywhere(running, NAME)
