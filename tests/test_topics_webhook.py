"""Topic cards end to end: signed webhooks in, cards out at the fake LINE server (schema-checked
by the `fake_line` fixture for every body)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from linebot_app.content.cards import REQUIRED_TOPICS
from linebot_app.content.render import render_fallback, render_media_reply, render_topics
from linebot_app.features.topics import fallback_text

LABELLED = Path(__file__).parent / "data" / "labelled_messages.yaml"
ACTION_TOPICS = {"booking", "human"}  # answered by the consultation and hand-over features
STATIC_TOPICS = [t for t in REQUIRED_TOPICS if t not in ACTION_TOPICS]
SHOWN_HERE = ("ask", "offtopic", "thanks", "greeting")


def labelled_messages() -> list[dict]:
    return yaml.safe_load(LABELLED.read_text(encoding="utf-8"))["messages"]


def first_question_for(topic: str) -> str:
    return next(m["text"] for m in labelled_messages() if m["topics"] == [topic])


def ask(running, text: str, user: str) -> list[dict]:
    running.send(running.platform.text_event(user, text))
    [delivery] = running.platform.wait_for_deliveries(1, chat_id=user)
    return delivery.messages


@pytest.mark.parametrize("topic", STATIC_TOPICS)
def test_each_topic_question_is_answered_with_its_card(running, topic):
    question = first_question_for(topic)
    user = running.platform.new_user_id()
    messages = ask(running, question, user)
    library, clinic = running.bot.replies, running.bot.clinic
    assert messages == render_topics([topic], library, clinic)
    assert messages[0]["type"] == "flex"
    assert len(messages[0]["altText"]) >= 8  # a sentence a phone notification can show
    if topic != "greeting":
        assert library.topics[topic].title in json.dumps(
            messages[0]["contents"], ensure_ascii=False
        )


def test_topic_button_postback_answers_like_typing(running):
    user = running.platform.new_user_id()
    running.send(running.platform.postback_event(user, "action=topic&topic=side_effects"))
    [delivery] = running.platform.wait_for_deliveries(1, chat_id=user)
    assert delivery.messages == render_topics(
        ["side_effects"], running.bot.replies, running.bot.clinic
    )


def test_sticker_gets_a_short_reply_with_the_topic_menu(running):
    user = running.platform.new_user_id()
    running.send(running.platform.sticker_event(user))
    [delivery] = running.platform.wait_for_deliveries(1, chat_id=user)
    assert delivery.messages == render_media_reply(running.bot.replies, running.bot.clinic)


def test_follow_greets_by_name_when_line_gives_the_profile(running):
    user = running.platform.new_user_id()
    running.platform.set_profile(user, "王小美")
    running.send(running.platform.follow_event(user))
    [delivery] = running.platform.wait_for_deliveries(1, chat_id=user)
    assert "王小美" in str(delivery.messages)


def test_follow_still_greets_when_the_profile_call_fails(running):
    user = running.platform.new_user_id()
    running.platform.fail_next("/v2/bot/profile", 500, times=10)
    running.send(running.platform.follow_event(user))
    [delivery] = running.platform.wait_for_deliveries(1, chat_id=user, timeout=10)
    assert delivery.messages[0]["type"] == "flex"


def test_labelled_patient_messages_through_the_webhook(running):
    """Every labelled message as a real webhook gets what its interpretation says: the cards
    (answer), a question back with quick replies (clarify), a thanks, or the fallback; off-topic
    chat never gets a card."""
    library, clinic = running.bot.replies, running.bot.clinic
    understanding = running.bot.services.understanding
    thanks = understanding.config.texts.thanks_reply
    messages = labelled_messages()
    users = [running.platform.new_user_id() for _ in messages]
    events = [
        running.platform.text_event(u, m["text"]) for u, m in zip(users, messages, strict=True)
    ]
    for start in range(0, len(events), 25):
        assert running.send(*events[start : start + 25])[0] == 200
    answered = set(users)
    running.platform.wait_for(
        lambda: answered <= {d.chat_id for d in running.platform.delivered()}, timeout=60
    )

    wrong = []
    for user, message in zip(users, messages, strict=True):
        [delivery] = running.platform.delivered(user)
        seen = understanding.interpret(message["text"], running.bot.clock.now())
        if not message["topics"] and any(m["type"] == "flex" for m in delivery.messages):
            wrong.append(message["text"])  # off-topic chat answered with a card
        if ACTION_TOPICS & set(seen.topic_names) or seen.intent not in SHOWN_HERE:
            continue  # booking, hand-over, cancelling or moving a request: their own tests
        if seen.topic_names:
            expected = running.bot.services.topics.answer(seen.topic_names)
        elif seen.band == "clarify":
            labels = [a["action"]["label"] for a in delivery.messages[0]["quickReply"]["items"]]
            expected = delivery.messages if labels[-1] == "都不是" else None
        elif seen.intent == "thanks":
            expected = [{"type": "text", "text": thanks}]
        else:
            expected = render_fallback(
                library, clinic, fallback_text(seen, understanding.config.texts)
            )
        if delivery.messages != expected:
            wrong.append(message["text"])
    assert wrong == []


def test_greeting_asks_line_for_the_name_once_and_outside_the_transaction(running):
    user = running.platform.new_user_id()
    running.platform.set_profile(user, "林小姐")
    running.send(running.platform.follow_event(user))
    running.platform.wait_for_deliveries(1, chat_id=user)
    assert len(running.platform.requests(path=f"/v2/bot/profile/{user}")) == 1
