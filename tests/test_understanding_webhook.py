"""The understanding step end to end: signed webhooks in, what reaches the fake LINE platform
out, on SQLite and PostgreSQL (the `runner` fixture). Thursday 2026-12-03 10:30 in Taipei."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from linebot_app.features.consultation.models import ConsultationRequest, HumanHandoff, StatusChange
from linebot_app.storage.models import ConversationState
from linebot_app.understanding.clarifications import ClarificationQuestion
from tests.support.consultation_chat import (
    STAFF_GROUP,
    Chat,
    actions_in,
    assert_schema_clean,
    find_action,
    start_bot,
    texts,
)

PATIENT = "U" + "e" * 32


def book(chat: Chat, when: str = "2026-12-04T15:00") -> None:
    chat.tap("action=book")
    chat.tap_label("外泌體療程")
    chat.pick_time(when)
    chat.say("王小明 0912345678")
    chat.tap_label("同意")
    chat.tap_label("確認送出")


def staff_messages(running) -> list[dict]:
    return [m for d in running.platform.delivered(STAFF_GROUP) for m in d.messages]


def rows(running, model) -> list:
    with running.bot.db.session() as session:
        found = list(session.scalars(select(model)))
        session.expunge_all()
        return found


def test_a_negated_booking_or_hand_over_never_fires_and_the_question_is_answered(runner):
    running = start_bot(runner)
    patient = Chat(running, PATIENT)
    cards = running.bot.services.topics
    assert patient.say("我沒有要約診，只是想先了解副作用") == cards.answer(["side_effects"])
    assert patient.say("先不要幫我轉專人，我想問安全性") == cards.answer(["safety"])
    assert rows(running, ConversationState) == []
    assert rows(running, HumanHandoff) == []
    assert running.platform.delivered(STAFF_GROUP) == []
    assert_schema_clean(running.platform)


def test_patient_cancels_by_words_with_the_request_shown_first(runner):
    running = start_bot(runner)
    patient = Chat(running, PATIENT)
    assert "沒有進行中的預約" in texts(patient.say("取消預約"))
    book(patient)
    running.platform.wait_for(lambda: staff_messages(running))
    shown = patient.say("那天不能去了")
    assert "預約 #1" in texts(shown)
    assert {a["label"] for a in actions_in(shown)} == {"取消", "改時間"}
    question = patient.tap_label("取消", messages=shown)
    assert "確定要取消預約 #1" in texts(question)
    assert "已取消預約 #1" in texts(patient.tap_label("確定取消", messages=question))
    running.platform.wait_for(lambda: "病患取消了預約 #1" in texts(staff_messages(running)))
    [request] = rows(running, ConsultationRequest)
    assert request.status == "cancelled"
    assert "沒有進行中的預約" in texts(patient.say("我想取消我的預約"))
    assert_schema_clean(running.platform)


def test_patient_moves_a_request_by_words_staff_are_told_and_it_is_audited(runner):
    running = start_bot(runner)
    patient = Chat(running, PATIENT)
    book(patient)
    running.platform.wait_for(lambda: staff_messages(running))
    shown = patient.say("可以改到下週三下午嗎")
    picker = find_action(shown, "改時間")
    assert picker["type"] == "datetimepicker"
    assert picker["initial"] == "2026-12-09T14:00"  # 下週三下午: after the lunch break
    refused = patient.tap(picker["data"], {"datetime": "2026-12-06T11:00"})
    assert "休診" in texts(refused)
    answer = patient.tap(picker["data"], {"datetime": "2026-12-09T15:30"})
    assert "已改到 12/9（週三）15:30" in texts(answer)
    running.platform.wait_for(lambda: "改到 12/9（週三）15:30" in texts(staff_messages(running)))
    [request] = rows(running, ConsultationRequest)
    assert request.preferred_at == dt.datetime(2026, 12, 9, 7, 30, tzinfo=dt.UTC)
    changes = rows(running, StatusChange)
    assert changes[-1].actor_kind == "patient" and changes[-1].note.startswith("moved ")
    assert_schema_clean(running.platform)


def test_details_in_one_sentence_fill_the_booking_and_only_the_rest_is_asked(runner):
    running = start_bot(runner)
    patient = Chat(running, PATIENT)
    first = patient.say("我是林小姐，電話 0912-345-678，想約週六下午")
    assert "哪一項服務" in texts(first)  # the one thing said nowhere
    ask_time = patient.tap_label("外泌體療程")
    picker = find_action(ask_time, None, kind="datetimepicker")
    assert picker["initial"] == "2026-12-05T14:00"  # 週六下午, from the clinic's opening
    consent = patient.pick_time("2026-12-05T15:00")
    assert "個人資料使用同意" in texts(consent)  # name and phone were given: not asked again
    review = patient.tap_label("同意")
    assert "林小姐" in texts(review) and "0912 345 678" in texts(review)
    assert "已收到您的諮詢預約" in texts(patient.tap_label("確認送出", messages=review))
    [request] = rows(running, ConsultationRequest)
    assert (request.patient_name, request.phone) == ("林小姐", "+886912345678")
    assert_schema_clean(running.platform)


def test_a_bare_name_beside_the_phone_fills_the_booking_too(runner):
    running = start_bot(runner)
    patient = Chat(running, PATIENT)
    first = patient.say("林小美 0912-345-678 想約週六下午做外泌體")
    picker = find_action(first, None, kind="datetimepicker")  # only the hour is missing
    assert picker["initial"] == "2026-12-05T14:00" and "姓名" not in texts(first)
    consent = patient.pick_time("2026-12-05T15:00")
    assert "個人資料使用同意" in texts(consent)
    review = patient.tap_label("同意")
    assert "林小美" in texts(review) and "0912 345 678" in texts(review)


def test_a_full_time_in_words_is_checked_like_the_picker(runner):
    running = start_bot(runner)
    patient = Chat(running, PATIENT)
    answer = patient.say("想約下禮拜四早上十點做外泌體")
    assert "姓名" in texts(answer)  # service and 12/10 10:00 taken from the sentence
    other = Chat(running, "U" + "d" * 32)
    refused = other.say("想約明天中午一點做外泌體")
    assert "13:00 不在看診時間內" in texts(refused)
    picker = find_action(refused, None, kind="datetimepicker")
    assert picker["initial"] == "2026-12-04T14:00"


def test_urgent_words_in_any_script_or_spacing_mid_booking_and_during_a_hand_over(runner):
    running = start_bot(runner)
    urgent = [
        "打完之后呼吸困难",
        "我 呼吸 困 難",
        "過敏性 休克了",
        "打完呼吸有點困難",
        "我呼吸睏難",
    ]
    for number, text in enumerate(urgent):
        answer = Chat(running, "U" + f"{number:032x}").say(text)
        assert "119" in texts(answer), text
    booking = Chat(running, "U" + "a" * 32)
    booking.tap("action=book")
    assert "119" in texts(booking.say("救命，臉腫到喘不過氣"))
    silenced = Chat(running, "U" + "b" * 32)
    silenced.say("真人客服")
    assert silenced.say("你好") == []
    assert "119" in texts(silenced.say("ＥＭＥＲＧＥＮＣＹ"))
    running.platform.wait_for(lambda: texts(staff_messages(running)).count("可能緊急") >= 7)


def test_an_unsure_question_is_asked_back_and_the_tap_is_recorded_for_staff(runner):
    running = start_bot(runner)
    patient = Chat(running, PATIENT)
    question = patient.say("打了會怎樣，我電話 0912345678")
    [message] = question
    labels = [item["action"]["label"] for item in message["quickReply"]["items"]]
    assert "您是想問" in message["text"] and labels[-1] == "都不是" and 3 <= len(labels) <= 4
    offered = find_action(question, labels[0])
    assert "clarify=" in offered["data"]
    card = patient.tap(offered["data"])
    assert card[0]["type"] == "flex"
    [row] = rows(running, ClarificationQuestion)
    assert row.chosen_topic == offered["data"].split("topic=")[1].split("&")[0]
    assert "<phone>" in row.sample_text and "0912345678" not in row.sample_text
    none = patient.tap(find_action(question, "都不是")["data"])
    assert none == running.bot.services.topics.fallback()
    with running.app.app_context():
        listed = running.app.test_cli_runner().invoke(args=["unmatched"])
    assert "what the patient tapped" in listed.output and "<phone>" in listed.output


def test_a_question_beyond_the_article_is_answered_as_understood_not_as_not_understood(runner):
    running = start_bot(runner)
    patient = Chat(running, PATIENT)
    [own] = patient.say("我懷孕三個月了 還可以打外泌體嗎")
    assert "需要由醫師" in own["text"] and "無法理解" not in own["text"]
    labels = [item["action"]["label"] for item in own["quickReply"]["items"]]
    assert "預約諮詢" in labels and "真人客服" in labels
    [other] = patient.say("玻尿酸多少錢")
    assert "只涵蓋外泌體" in other["text"]
    [plain] = patient.say("今天天氣真好")
    assert "無法理解" in plain["text"]
    assert_schema_clean(running.platform)
