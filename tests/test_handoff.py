"""真人客服: staff are alerted, the bot stays silent for that patient until the silence runs out
or staff press 恢復自動回覆; urgent words are never ignored; outside hours say when staff answer."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from linebot_app.clock import FixedClock
from linebot_app.features.consultation.models import HumanHandoff
from tests.support.consultation_chat import (
    STAFF_GROUP,
    STAFF_MEMBER,
    Chat,
    assert_schema_clean,
    find_action,
    start_bot,
    texts,
)

PATIENT = "U" + "e" * 32


def staff_cards(running) -> list:
    return running.platform.delivered(STAFF_GROUP)


def handoffs(running) -> list[HumanHandoff]:
    with running.bot.db.session() as session:
        return list(session.scalars(select(HumanHandoff)))


def test_handoff_notifies_staff_and_silences_the_bot_until_staff_resume(runner):
    running = start_bot(runner)
    running.platform.set_profile(PATIENT, "小美")
    patient = Chat(running, PATIENT)
    answer = patient.tap("action=human")
    assert "已通知工作人員" in texts(answer)
    [card] = running.platform.wait_for_deliveries(1, chat_id=STAFF_GROUP)
    assert "小美" in texts(card.messages) and "恢復自動回覆" in texts(card.messages)

    assert patient.say("請問我上次的療程") == []
    assert patient.say("外泌體有副作用嗎？") == []
    [handoff] = handoffs(running)
    # three hours of silence from now (the clinic is open)
    assert handoff.silent_until == running.clock.now() + dt.timedelta(minutes=180)

    staff = Chat(running, STAFF_MEMBER, group_id=STAFF_GROUP)
    assert "已恢復" in texts(staff.tap_label("恢復自動回覆", messages=card.messages))
    assert patient.say("你好") != []
    assert "已經恢復" in texts(staff.tap_label("恢復自動回覆", messages=card.messages))
    assert handoffs(running)[0].ended_by == STAFF_MEMBER
    assert_schema_clean(running.platform)


def test_silence_ends_by_itself_after_the_configured_time(runner):
    running = start_bot(runner)
    patient = Chat(running, PATIENT)
    patient.tap("action=human")
    running.clock.advance(minutes=179)
    assert patient.say("哈囉") == []
    running.clock.advance(minutes=2)
    assert patient.say("哈囉") != []


def test_asking_again_while_silent_does_not_alert_staff_twice(runner):
    running = start_bot(runner)
    patient = Chat(running, PATIENT)
    patient.tap("action=human")
    assert "請稍候" in texts(patient.tap("action=human"))
    running.wait_idle()
    assert len(staff_cards(running)) == 1


def test_urgent_words_are_answered_and_alert_staff_even_while_silent(runner):
    running = start_bot(runner)
    patient = Chat(running, PATIENT)
    patient.tap("action=human")
    answer = patient.say("打完臉腫起來，有點呼吸困難")
    assert "06-2527333" in texts(answer) and "119" in texts(answer)
    running.platform.wait_for(lambda: len(staff_cards(running)) == 2)
    assert "呼吸困難" in texts(staff_cards(running)[-1].messages)
    assert len(handoffs(running)) == 1


def test_urgent_words_without_a_handoff_start_one(runner):
    running = start_bot(runner)
    patient = Chat(running, PATIENT)
    assert "119" in texts(patient.say("救命 過敏性休克"))
    running.platform.wait_for(lambda: staff_cards(running))
    assert patient.say("還在嗎") == []


def test_buttons_still_work_while_silent(runner):
    running = start_bot(runner)
    patient = Chat(running, PATIENT)
    patient.tap("action=human")
    assert "沒有預約紀錄" in texts(patient.tap("action=my_requests"))
    assert "哪一項服務" in texts(patient.tap("action=book"))
    assert "已取消這次預約" in texts(patient.say("取消"))


def test_handoff_outside_hours_says_when_staff_answer_and_lasts_into_the_morning(runner):
    saturday_night = FixedClock(dt.datetime(2026, 12, 5, 13, 0, tzinfo=dt.UTC))  # 21:00 Taipei
    running = start_bot(runner, clock=saturday_night)
    answer = Chat(running, PATIENT).tap("action=human")
    assert "12/7（週一）10:00 起回覆" in texts(answer)  # closed on Sunday
    [handoff] = handoffs(running)
    monday_ten = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)
    assert handoff.silent_until == monday_ten + dt.timedelta(minutes=180)


def test_handoff_during_the_lunch_break_says_staff_answer_after_lunch(runner):
    lunch = FixedClock(dt.datetime(2026, 12, 3, 5, 0, tzinfo=dt.UTC))  # Thursday 13:00 Taipei
    running = start_bot(runner, clock=lunch)
    assert "12/3（週四）14:00 起回覆" in texts(Chat(running, PATIENT).tap("action=human"))


def test_handoff_words_start_it_when_topics_are_routed(runner):
    running = start_bot(runner)
    if "topics.question" not in [lst.name for lst in running.bot.dispatcher.listeners]:
        pytest.skip("topic routing is not registered in this tree")
    answer = Chat(running, PATIENT).say("我要找真人")
    assert "已通知工作人員" in texts(answer)
    running.platform.wait_for(lambda: staff_cards(running))


def test_resume_button_pressed_outside_the_staff_group_changes_nothing(runner):
    running = start_bot(runner)
    patient = Chat(running, PATIENT)
    patient.tap("action=human")
    [card] = running.platform.wait_for_deliveries(1, chat_id=STAFF_GROUP)
    data = find_action(card.messages, "恢復自動回覆")["data"]
    assert "僅限診所人員" in texts(patient.tap(data))
    assert patient.say("哈囉") == []
