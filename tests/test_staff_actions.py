"""Staff act on requests from their LINE group: 已聯繫, 確認時段 (datetimepicker), 取消.
From anyone else the same buttons change nothing."""

from __future__ import annotations

import shutil

from sqlalchemy import select

from linebot_app.features.consultation.models import ConsultationRequest, StatusChange
from tests.support.consultation_chat import (
    STAFF_GROUP,
    STAFF_MEMBER,
    Chat,
    actions_in,
    assert_schema_clean,
    start_bot,
    texts,
)

PATIENT = "U" + "c" * 32
STRANGER = "U" + "d" * 32


def submitted_request(running) -> tuple[Chat, list[dict]]:
    """A patient's request is in; returns the patient's chat and the staff card."""
    patient = Chat(running, PATIENT)
    patient.tap("action=book")
    patient.tap_label("外泌體療程")
    patient.pick_time("2026-12-04T15:00")
    patient.say("王小明 0912345678")
    patient.tap_label("同意")
    patient.tap_label("確認送出")
    [card] = running.platform.wait_for_deliveries(1, chat_id=STAFF_GROUP)
    return patient, card.messages


def request_row(running) -> ConsultationRequest:
    with running.bot.db.session() as session:
        return session.scalars(select(ConsultationRequest)).one()


def history(running) -> list[StatusChange]:
    with running.bot.db.session() as session:
        return list(session.scalars(select(StatusChange).order_by(StatusChange.id)))


def pushes_to(running, user: str) -> list:
    return [d for d in running.platform.delivered(user) if d.via == "push"]


def wait_push(running, user: str) -> list:
    return running.platform.wait_for(lambda: pushes_to(running, user))


def test_staff_marks_request_contacted_from_group(runner):
    running = start_bot(runner)
    _, card = submitted_request(running)
    staff = Chat(running, STAFF_MEMBER, group_id=STAFF_GROUP)
    answer = staff.tap_label("已聯繫", messages=card)
    assert "#1 已標記為「已聯繫」" in texts(answer)
    assert request_row(running).status == "contacted"
    change = history(running)[-1]
    assert (change.from_status, change.to_status) == ("open", "contacted")
    assert (change.actor_kind, change.actor_id, change.via) == ("staff", STAFF_MEMBER, STAFF_GROUP)
    assert change.at == running.clock.now()
    assert "沒有變更" in texts(staff.tap_label("已聯繫", messages=card))
    assert len(history(running)) == 2  # pressing again changes nothing
    assert pushes_to(running, PATIENT) == []
    assert_schema_clean(running.platform)


def test_staff_confirms_a_time_and_the_patient_is_told_once(runner):
    running = start_bot(runner)
    _, card = submitted_request(running)
    [picker] = [a for a in actions_in(card) if a["type"] == "datetimepicker"]
    assert picker["initial"] == "2026-12-04T15:00"  # starts at the patient's preference
    staff = Chat(running, STAFF_MEMBER, group_id=STAFF_GROUP)
    answer = staff.tap(picker["data"], {"datetime": "2026-12-04T16:30"})
    assert "#1 已確認：12/4（週五）16:30" in texts(answer)
    request = request_row(running)
    assert request.status == "confirmed"
    assert request.appointment_at.isoformat() == "2026-12-04T08:30:00+00:00"
    [push] = wait_push(running, PATIENT)
    assert "已確認" in texts(push.messages) and "12/4（週五）16:30" in texts(push.messages)
    assert "沒有變更" in texts(staff.tap(picker["data"], {"datetime": "2026-12-04T16:30"}))
    running.wait_idle()
    assert len(pushes_to(running, PATIENT)) == 1
    assert_schema_clean(running.platform)


def test_staff_confirming_a_time_in_the_past_is_refused(runner):
    running = start_bot(runner)
    _, card = submitted_request(running)
    staff = Chat(running, STAFF_MEMBER, group_id=STAFF_GROUP)
    [picker] = [a for a in actions_in(card) if a["type"] == "datetimepicker"]
    assert "已經過了" in texts(staff.tap(picker["data"], {"datetime": "2026-12-01T10:00"}))
    assert request_row(running).status == "open"


def test_staff_cancels_and_the_patient_is_told_politely(runner):
    running = start_bot(runner)
    _, card = submitted_request(running)
    staff = Chat(running, STAFF_MEMBER, group_id=STAFF_GROUP)
    assert "#1 已取消" in texts(staff.tap_label("取消", messages=card))
    assert request_row(running).status == "cancelled"
    [push] = wait_push(running, PATIENT)
    assert "很抱歉" in texts(push.messages)
    assert "沒有變更" in texts(staff.tap_label("已聯繫", messages=card))


def test_staff_buttons_from_anyone_else_change_nothing(runner):
    running = start_bot(runner)
    _, card = submitted_request(running)
    data = next(a["data"] for a in actions_in(card) if a.get("label") == "取消")
    for chat in (
        Chat(running, STRANGER),
        Chat(running, PATIENT),
        Chat(running, STAFF_MEMBER, group_id="C" + "2" * 32),
    ):
        assert "僅限診所人員" in texts(chat.tap(data))
    assert request_row(running).status == "open"
    assert len(history(running)) == 1
    running.wait_idle()
    assert pushes_to(running, PATIENT) == []


def test_a_staff_member_listed_in_config_may_act_from_a_one_to_one_chat(runner, tmp_path):
    config = tmp_path / "config"
    shutil.copytree("config", config)
    path = config / "consultation.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "staff_user_ids: []", f"staff_user_ids: [{STAFF_MEMBER}]"
        ),
        encoding="utf-8",
    )
    running = start_bot(runner, config_dir=config)
    _, card = submitted_request(running)
    answer = Chat(running, STAFF_MEMBER).tap_label("已聯繫", messages=card)
    assert "已聯繫" in texts(answer)
    assert history(running)[-1].via == "line"


def test_chatter_in_the_staff_group_gets_no_reply(runner):
    running = start_bot(runner)
    staff = Chat(running, STAFF_MEMBER, group_id=STAFF_GROUP)
    assert staff.say("今天下午誰值班？") == []
    assert staff.say("預約") == []


def test_unknown_request_number_is_reported(runner):
    running = start_bot(runner)
    staff = Chat(running, STAFF_MEMBER, group_id=STAFF_GROUP)
    assert "找不到預約 #99" in texts(staff.tap("action=staff&op=contacted&req=99"))
