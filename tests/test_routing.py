"""Normalisation, the keyword router and the unmatched-message record, as pure pieces."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from linebot_app.content import load_replies
from linebot_app.understanding import KeywordRouter, KeywordRule, Tier, normalise
from linebot_app.understanding.unmatched import (
    UnmatchedMessage,
    mask_personal_data,
    most_asked,
    record_unmatched,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def library():
    return load_replies(PROJECT_ROOT / "replies", PROJECT_ROOT / "config")


def rules(*pairs, tier=Tier.STRONG):
    return [KeywordRule(normalise(k), t, tier) for k, t in pairs]


# --- normalise ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("外泌體有副作用嗎?", "外泌體有副作用嗎"),
        ("外泌体有副作用吗？", "外泌體有副作用嗎"),  # Simplified → Traditional
        ("ＳＩＤＥ　ＥＦＦＥＣＴＳ！", "side effects"),  # fullwidth → halfwidth, case-folded
        ("  Side   Effect  ", "side effect"),  # one space between English words
        ("side-effect", "side effect"),
        ("外泌體 有 副作用", "外泌體有副作用"),  # no spaces inside Chinese
        ("外泌體\u200b副作用\ufeff", "外泌體副作用"),  # zero-width characters
        ("副作用😰😰👍🏻", "副作用"),  # emoji, skin tones
        ("預約🙋‍♀️", "預約"),  # ZWJ sequences
        ("「安全」嗎?!", "安全嗎"),
        ("后遗症", "後遺症"),
        ("里面", normalise("裡面")),
        ("", ""),
    ],
)
def test_normalise_makes_typing_variants_comparable(typed, expected):
    assert normalise(typed) == expected


def test_normalise_is_context_free_for_chinese_so_keywords_match_inside_sentences():
    # OpenCC's phrase conversion turns 了解 alone into 瞭解 but not inside 想了解.
    assert normalise("了解外泌體") in normalise("我想了解外泌體")
    assert normalise("外泌體") in normalise("外泌体有副作用吗")


def test_normalise_is_idempotent():
    for text in ["外泌体有副作用吗", "ＳＩＤＥ　ＥＦＦＥＣＴ", "為什麼有效", "台南怎麼去"]:
        assert normalise(normalise(text)) == normalise(text)


# --- router ---------------------------------------------------------------------------------
def test_router_returns_topics_in_the_order_mentioned():
    router = KeywordRouter(rules(("副作用", "side_effects"), ("價格", "price"), ("安全", "safety")))
    assert router.route_topics("價格?安全嗎?副作用?") == ["price", "safety", "side_effects"]


def test_router_counts_each_topic_once():
    router = KeywordRouter(rules(("副作用", "side_effects"), ("後遺症", "side_effects")))
    assert router.route_topics("副作用跟後遺症、副作用") == ["side_effects"]


def test_longer_keyword_wins_over_the_shorter_one_inside_it():
    router = KeywordRouter(rules(("作用", "benefits"), ("副作用", "side_effects")))
    assert router.route_topics("會有副作用嗎") == ["side_effects"]


def test_ignore_phrase_swallows_the_keyword_it_contains():
    router = KeywordRouter(rules(("安全", "safety"), ("安全帽", None)))
    assert router.route_topics("騎車要戴安全帽") == []
    assert router.route_topics("戴安全帽,那外泌體安全嗎") == ["safety"]


def test_english_keywords_need_word_boundaries_but_allow_a_plural_s():
    router = KeywordRouter(rules(("book", "booking"), ("hi", "greeting"), ("risk", "side_effects")))
    assert router.route_topics("I saw you on Facebook") == []
    assert router.route_topics("this is great") == []
    assert router.route_topics("any risks?") == ["side_effects"]
    assert router.route_topics("risky") == []
    assert router.route_topics("Book now") == ["booking"]


def test_weak_keywords_count_only_when_no_ordinary_keyword_matched():
    router = KeywordRouter(
        rules(("副作用", "side_effects")) + rules(("諮詢", "booking"), tier=Tier.WEAK)
    )
    assert router.route_topics("想諮詢副作用") == ["side_effects"]
    assert router.route_topics("我想諮詢") == ["booking"]


def test_last_resort_keyword_counts_only_when_the_message_says_little_else():
    router = KeywordRouter(rules(("外泌體", "what"), tier=Tier.LAST_RESORT))
    assert router.route_topics("外泌體?") == ["what"]
    assert router.route_topics("請問外泌體") == ["what"]
    # A question about exosomes the bot does not understand gets the fallback, not a guess.
    assert router.route_topics("外泌體跟玻尿酸哪個好") == []


def test_greeting_is_answered_only_when_nothing_else_was_asked(library):
    assert library.route_topics("你好") == ["greeting"]
    assert library.route_topics("你好,請問外泌體有副作用嗎") == ["side_effects"]
    assert library.route_topics("Hi, how much is it?") == ["price"]


def test_match_positions_are_character_offsets_in_mixed_text():
    router = KeywordRouter(rules(("副作用", "side_effects"), ("risk", "side_effects")))
    text = normalise("外泌體副作用 and risks")
    assert text == "外泌體副作用and risks"
    spans = [(m.start, m.end, text[m.start : m.end]) for m in router.matches(text)]
    assert spans == [(3, 6, "副作用"), (10, 15, "risks")]


def test_router_handles_an_empty_keyword_list_and_empty_text():
    assert KeywordRouter([]).route_topics("副作用") == []
    assert KeywordRouter(rules(("副作用", "side_effects"))).route_topics("") == []
    assert KeywordRouter(rules(("副作用", "side_effects"))).route_topics("🙏🙏") == []


def test_router_with_two_thousand_keywords_still_routes_correctly():
    filler = [KeywordRule(f"填充詞{i:04d}", f"topic{i % 40}") for i in range(2000)]
    router = KeywordRouter(filler + rules(("副作用", "side_effects")))
    assert router.size == 2001
    assert router.route_topics("外泌體有副作用嗎") == ["side_effects"]
    assert router.route_topics("填充詞0042") == ["topic2"]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("外泌體有副做用嗎", ["side_effects"]),
        ("外秘體是什麼", ["what"]),
        ("side affects?", ["side_effects"]),
        ("外泌体安全吗？多少钱？", ["safety", "price"]),
        ("想預約,地址在哪裡?", ["booking", "contact"]),
        ("我打完疫苗副作用好明顯", []),
        ("路上注意安全喔", []),
        ("人工智慧好厲害", []),
        ("外泌體跟PRP差在哪", []),
    ],
)
def test_shipped_keywords_route_typical_messages(library, message, expected):
    assert library.route_topics(message) == expected


# --- unmatched messages ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我的電話0912-345-678", "我的電話<phone>"),
        ("call me at +886 912 345 678", "call me at <phone>"),
        ("市話(06)2527333", "市話<phone>"),
        ("０９１２３４５６７８", "<phone>"),
        ("email a.b+c@gmail.com 謝謝", "email <email> 謝謝"),
        ("身分證A123456789", "身分證<id>"),
        ("卡號1234 5678 9012 3456", "卡號<number>"),
        ("看這個 https://example.com/a?b=1", "看這個 <url>"),
        ("我30歲,1990年生", "我30歲,1990年生"),
    ],
)
def test_personal_data_is_masked_before_recording(text, expected):
    assert mask_personal_data(text) == expected


@pytest.fixture
def session():
    engine = create_engine("sqlite://")
    UnmatchedMessage.__table__.create(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


def test_unmatched_questions_are_counted_once_per_normalised_text(session):
    first = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    later = first + dt.timedelta(hours=3)
    record_unmatched(session, "外泌體跟玻尿酸哪個好?我電話0912345678", first)
    record_unmatched(session, "外泌體跟玻尿酸哪個好 我電話 0988 777 666", later)
    record_unmatched(session, "打完可以洗臉嗎", later)
    session.commit()
    rows = most_asked(session)
    assert [(r.normalised_text, r.count) for r in rows] == [
        ("外泌體跟玻尿酸哪個好我電話phone", 2),
        ("打完可以洗臉嗎", 1),
    ]
    top = rows[0]
    assert "0988" not in top.sample_text and "<phone>" in top.sample_text
    assert top.first_seen == first and top.last_seen == later


def test_emoji_only_messages_are_not_recorded(session):
    assert record_unmatched(session, "👍👍", dt.datetime(2026, 3, 2, tzinfo=dt.UTC)) is None
    assert most_asked(session) == []
