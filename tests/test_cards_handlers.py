"""The topic listeners (linebot_app/features/topics.py) driven with events, one story each.

These run the handlers through a real Dispatcher with a real SQLAlchemy session; the end-to-end
path (signed webhook → inbox → worker → fake LINE) is covered once the handlers are wired in.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qsl

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from linebot_app.clock import FixedClock
from linebot_app.console.models import DailyStat
from linebot_app.content import load_replies
from linebot_app.content.clinic import load_clinic
from linebot_app.content.loader import load_content
from linebot_app.dispatch import Dispatcher, EventContext
from linebot_app.fakeline import events as ev
from linebot_app.features import topics
from linebot_app.features.users import prefetch_display_name
from linebot_app.line.limits import message_problems, schema_problems
from linebot_app.services import Services, TopicActions
from linebot_app.settings import Settings
from linebot_app.storage.models import Base, ConversationState, LineUser
from linebot_app.understanding.interpretation import Understanding, load_model
from linebot_app.understanding.unmatched import UnmatchedMessage

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PATIENT = "U" + "a1" * 16
STAFF_GROUP = "C" + "1" * 32
_ids = itertools.count(1)


class FakeLine:
    """The part of LineClient the topic handlers use."""

    def __init__(self, display_name: str | None = "小美", fails: bool = False):
        self.display_name, self.fails, self.asked = display_name, fails, []

    def get_profile(self, user_id: str):
        self.asked.append(user_id)
        if self.fails:
            raise TimeoutError("LINE did not answer")
        if self.display_name is None:
            return None
        return SimpleNamespace(user_id=user_id, display_name=self.display_name)


@pytest.fixture(scope="module")
def clinic():
    return load_clinic(PROJECT_ROOT / "config" / "clinic.yaml")


@pytest.fixture(scope="module")
def library():
    return load_replies(PROJECT_ROOT / "replies", PROJECT_ROOT / "config")


@pytest.fixture
def session():
    engine = create_engine("sqlite://")
    tables = [
        LineUser.__table__,
        UnmatchedMessage.__table__,
        ConversationState.__table__,
        DailyStat.__table__,
    ]
    Base.metadata.create_all(engine, tables=tables)
    with Session(engine) as session:
        yield session
    engine.dispose()


@pytest.fixture
def bot(library, clinic, session):
    """Dispatch an event as the worker would and return (listener name, reply messages)."""
    content = load_content(PROJECT_ROOT / "config", PROJECT_ROOT / "replies")
    dispatcher = Dispatcher()
    topics.register(dispatcher)
    line = FakeLine()
    clock = FixedClock(dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC))
    settings = Settings(channel_secret="0" * 32, channel_access_token="t")
    services = Services(
        line=line,
        understanding=Understanding(
            library,
            content.consultation,
            content.understanding,
            clinic.tz,
            load_model(PROJECT_ROOT / "replies"),
        ),
        topics=topics.TopicCards(library, clinic),
    )

    def handle(event: dict) -> tuple[str, list[dict]]:
        asked, name = prefetch_display_name(line, event)  # as the worker does before the handler
        ctx = EventContext(
            prefetched_display_name=name,
            display_name_prefetched=asked,
            event=event,
            session=session,
            clinic=clinic,
            settings=settings,
            clock=clock,
            services=services,
        )
        name, messages = dispatcher.dispatch(ctx)
        if messages:
            assert message_problems(messages) == []
            assert schema_problems(messages) in ([], None)
        return name, messages

    return SimpleNamespace(
        handle=handle, line=line, session=session, clock=clock, services=services
    )


def envelope(kind: str, user: str | None = PATIENT, group: str | None = None, **fields) -> dict:
    n = next(_ids)
    return ev.event(
        kind,
        source=ev.source(user, group),
        timestamp_ms=1_772_416_800_000 + n,
        webhook_event_id=f"01HX{n:022d}",
        reply_token=f"token{n}",
        **fields,
    )


def text(message: str, **kw) -> dict:
    return envelope("message", message=ev.text_content(str(next(_ids)), message, "q"), **kw)


def postback(data: str) -> dict:
    return envelope("postback", postback=ev.postback_content(data))


def titles(messages: list[dict]) -> list[str]:
    contents = messages[0]["contents"]
    bubbles = contents["contents"] if contents["type"] == "carousel" else [contents]
    return [b["header"]["contents"][0]["text"] for b in bubbles]


# --- stories --------------------------------------------------------------------------------
def test_patient_asks_about_side_effects_and_gets_the_side_effects_card(bot, library):
    name, messages = bot.handle(text("請問外泌體有副作用嗎?"))
    assert name == "topics.question"
    assert titles(messages) == [library.topics["side_effects"].title]


def test_patient_asks_three_things_and_gets_a_carousel_in_that_order(bot, library):
    _, messages = bot.handle(text("多少錢?安全嗎?有副作用嗎?"))
    assert len(messages) == 1 and messages[0]["contents"]["type"] == "carousel"
    assert titles(messages) == [
        library.topics[t].title for t in ["price", "safety", "side_effects"]
    ]


def test_patient_taps_a_topic_button(bot, library):
    name, messages = bot.handle(postback("action=topic&topic=mechanism"))
    assert name == "topics.button"
    assert titles(messages) == [library.topics["mechanism"].title]


def test_a_button_can_ask_for_several_topics_like_typing_them(bot, library):
    _, tapped = bot.handle(postback("action=topic&topic=side_effects,safety"))
    _, typed = bot.handle(text("副作用與安全"))
    assert (
        titles(tapped)
        == titles(typed)
        == [library.topics[t].title for t in ["side_effects", "safety"]]
    )


def test_unknown_topic_button_gets_the_fallback(bot):
    _, messages = bot.handle(postback("action=topic&topic=nonsense"))
    assert messages[0]["type"] == "text" and "quickReply" in messages[0]


def test_off_topic_chat_gets_the_fallback_and_is_recorded_masked(bot):
    _, first = bot.handle(text("可以推薦台南好吃的牛肉湯嗎?我電話0912-345-678"))
    bot.handle(text("可以推薦台南好吃的牛肉湯嗎? 我電話 0988 777 666"))
    assert first[0]["type"] == "text"
    actions = [dict(parse_qsl(i["action"]["data"])) for i in first[0]["quickReply"]["items"]]
    assert {"action": "book"} in actions and {"action": "human"} in actions
    [row] = bot.session.scalars(select(UnmatchedMessage)).all()
    assert row.count == 2 and "<phone>" in row.sample_text and "0988" not in row.sample_text


def test_recording_failure_does_not_cost_the_patient_a_reply(bot, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(topics, "record_unmatched", broken)
    _, messages = bot.handle(text("今天天氣真好"))
    assert messages[0]["type"] == "text"


def test_new_friend_is_greeted_by_name(bot, library):
    name, messages = bot.handle(envelope("follow", follow={"isUnblocked": False}))
    assert name == "topics.greeting"
    body = messages[0]["contents"]["body"]["contents"]
    assert "小美" in body[0]["text"]
    assert bot.line.asked == [PATIENT]
    assert bot.session.get(LineUser, PATIENT).is_following


@pytest.mark.parametrize("line", [FakeLine(fails=True), FakeLine(display_name=None)])
def test_new_friend_is_greeted_even_when_the_profile_is_unavailable(bot, library, line):
    bot.line.fails, bot.line.display_name = line.fails, line.display_name
    _, messages = bot.handle(envelope("follow", follow={"isUnblocked": False}))
    assert titles(messages) == [
        library.topics["greeting"].title.replace("{clinic_name}", "波士頓醫美診所")
    ]
    assert "您好" not in messages[0]["contents"]["body"]["contents"][0]["text"]


def test_hello_gets_the_greeting_card_without_asking_line_for_the_name(bot, library):
    _, messages = bot.handle(text("哈囉"))
    assert titles(messages) == [
        library.topics["greeting"].title.replace("{clinic_name}", "波士頓醫美診所")
    ]
    assert bot.line.asked == []


@pytest.mark.parametrize(
    "message",
    [ev.sticker_content("s1", "q"), ev.image_content("i1", "q")],
)
def test_sticker_or_image_gets_a_short_reply_with_the_menu(bot, message):
    name, messages = bot.handle(envelope("message", message=message))
    assert name == "topics.media"
    assert messages[0]["type"] == "text" and len(messages[0]["quickReply"]["items"]) >= 5


def test_staff_group_chatter_is_not_answered_with_cards(bot):
    name, messages = bot.handle(text("副作用的那位病人明天來", group=STAFF_GROUP))
    assert (name, messages) == ("unhandled", [])


def test_contact_card_quotes_the_clinic_config(bot, clinic):
    _, messages = bot.handle(text("地址在哪裡?電話?"))
    flat = str(messages)
    assert clinic.phone in flat and clinic.address in flat and "tel:062527333" in flat


# --- booking and hand-over belong to other features -----------------------------------------
def test_booking_without_the_consultation_feature_shows_the_static_card(bot, library):
    _, messages = bot.handle(text("我想預約"))
    assert titles(messages) == [library.topics["booking"].title]


def test_registered_topic_actions_replace_the_static_cards(bot, monkeypatch, library):
    started = []

    def start_consultation(ctx):
        started.append(ctx.user_id)
        return [{"type": "text", "text": "好的,請選擇日期"}]

    bot.services.topic_actions.book = start_consultation
    bot.services.topic_actions.hand_over = lambda ctx: [{"type": "text", "text": "已通知人員"}]
    _, messages = bot.handle(text("我想預約"))
    assert messages == [{"type": "text", "text": "好的,請選擇日期"}]
    assert started == [PATIENT]
    _, messages = bot.handle(text("我要找真人"))
    assert messages[0]["text"] == "已通知人員"
    # Order asked: the side-effects card first, then the booking flow.
    _, messages = bot.handle(text("副作用?然後我想預約"))
    assert titles(messages[:1]) == [library.topics["side_effects"].title]
    assert messages[1]["text"] == "好的,請選擇日期"


def test_static_cards_serve_topic_questions_inside_other_flows(library, clinic):
    cards = topics.TopicCards(library, clinic)
    messages = cards.answer(["safety"])
    assert titles(messages) == [library.topics["safety"].title]
    # Without a context no action runs: the consultation flow will not re-enter itself.
    messages = cards.answer(["booking"])
    assert titles(messages) == [library.topics["booking"].title]


def test_answers_never_exceed_five_messages(library, clinic, monkeypatch):
    many = [{"type": "text", "text": str(i)} for i in range(4)]
    actions = TopicActions(book=lambda ctx: many, hand_over=lambda ctx: many)
    ctx = SimpleNamespace(user_id=PATIENT, services=SimpleNamespace(topic_actions=actions))
    messages = topics.TopicCards(library, clinic).answer(["booking", "safety", "human"], ctx)
    assert len(messages) == 5
