"""The booking conversation meets the topic cards: words start it, questions mid-flow get
their card and a reminder of the pending step."""

from __future__ import annotations

import pytest

from linebot_app.storage.models import ConversationState
from tests.support.consultation_chat import Chat, assert_schema_clean, start_bot, texts

PATIENT = "U" + "b" * 32


def with_topics(runner):
    running = start_bot(runner)
    names = [listener.name for listener in running.bot.dispatcher.listeners]
    if "topics.question" not in names:
        pytest.skip("topic routing is not registered in this tree")
    return running


@pytest.mark.parametrize("words", ["我想預約", "可以約時間嗎", "booking"])
def test_booking_words_start_the_conversation(runner, words):
    running = with_topics(runner)
    answer = Chat(running, PATIENT).say(words)
    assert "哪一項服務" in texts(answer)
    assert_schema_clean(running.platform)


def test_topic_question_mid_flow_is_answered_then_the_step_is_asked_again(runner):
    running = with_topics(runner)
    chat = Chat(running, PATIENT)
    chat.tap("action=book")
    chat.tap_label("外泌體療程")
    chat.pick_time("2026-12-04T15:00")
    chat.say("王小明")
    answer = chat.say("外泌體有副作用嗎？")
    assert answer[0]["type"] == "flex"  # the side-effects card
    assert "還沒完成" in texts(answer[-2:]) and "電話" in texts(answer[-1:])
    assert "quickReply" in answer[-1]
    assert len(answer) <= 5
    with running.bot.db.session() as session:
        assert session.get(ConversationState, PATIENT).state == "phone"
    assert "個人資料" in texts(chat.say("0912345678"))
    assert_schema_clean(running.platform)


def test_a_name_that_happens_to_contain_a_keyword_is_taken_as_a_name(runner):
    running = with_topics(runner)
    chat = Chat(running, PATIENT)
    chat.tap("action=book")
    chat.tap_label("外泌體療程")
    chat.pick_time("2026-12-04T15:00")
    assert "電話" in texts(chat.say("林安安"))


def test_price_question_at_the_name_step_is_a_question(runner):
    running = with_topics(runner)
    chat = Chat(running, PATIENT)
    chat.tap("action=book")
    chat.tap_label("外泌體療程")
    chat.pick_time("2026-12-04T15:00")
    answer = chat.say("請問多少錢？")
    assert "姓名" in texts(answer[-1:]) and len(answer) >= 3


def test_asking_for_a_person_mid_flow_hands_over(runner):
    running = with_topics(runner)
    chat = Chat(running, PATIENT)
    chat.tap("action=book")
    answer = chat.say("我要找真人客服")
    assert "已通知工作人員" in texts(answer)
    with running.bot.db.session() as session:
        assert session.get(ConversationState, PATIENT) is None


def test_after_a_booking_expires_a_question_is_still_answered_and_a_name_is_explained(runner):
    running = with_topics(runner)
    chat = Chat(running, PATIENT)
    chat.tap("action=book")
    chat.tap_label("外泌體療程")
    running.clock.advance(hours=2)
    answer = chat.say("外泌體有副作用嗎？")
    assert answer[0]["type"] == "flex" and "逾時" not in texts(answer)
    assert "逾時" in texts(chat.say("王小明"))
    with running.bot.db.session() as session:
        assert session.get(ConversationState, PATIENT) is None
