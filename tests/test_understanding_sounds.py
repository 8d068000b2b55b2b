"""Typed as it sounds: 注音 slips read as the keyword they sound like, and urgent words with a
word inside them or typed as they sound."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from linebot_app.understanding.interpretation import build_understanding
from linebot_app.understanding.keywords import KeywordRouter, KeywordRule
from linebot_app.understanding.sounds import SoundAlikes, SoundTable, build_table

PROJECT_ROOT = Path(__file__).resolve().parent.parent
NOW = dt.datetime(2026, 12, 3, 10, 30, tzinfo=ZoneInfo("Asia/Taipei"))


@pytest.fixture(scope="module")
def understanding():
    return build_understanding(PROJECT_ROOT / "replies", PROJECT_ROOT / "config")


@pytest.fixture(scope="module")
def table():
    return SoundTable(build_table())


def test_the_committed_reading_table_is_the_one_pypinyin_builds(understanding, table):
    assert understanding.model.sounds.fold("副作用負作用") == table.fold("副作用負作用")
    assert understanding.model.sounds._table == table._table
    assert table.fold("負作用") == table.fold("副作用") != table.fold("作用了")


@pytest.mark.parametrize(
    ("text", "topic"),
    [("可以預月嗎", "booking"), ("這個安拳嗎", "safety"), ("價隔多少", "price")],
)
def test_a_keyword_typed_as_it_sounds_is_that_keyword(understanding, text, topic):
    assert understanding.router.route_topics(text) == []  # no keyword as spelled
    seen = understanding.interpret(text, NOW)
    assert seen.topic_names == (topic,)
    assert seen.topics[0].source == "keyword"


def test_a_longer_sound_alike_beats_the_short_keyword_inside_it(table):
    rules = [KeywordRule("副作用", "side_effects"), KeywordRule("作用", "mechanism")]
    alikes = SoundAlikes(rules, table)
    exact = KeywordRouter(rules).matches("付作用大嗎")
    merged = alikes.merge(exact, "付作用大嗎")
    assert [(m.rule.topic, m.start, m.end) for m in merged] == [("side_effects", 0, 3)]


def test_a_reading_two_topics_share_says_neither(table):
    rules = [KeywordRule("副作用", "side_effects"), KeywordRule("負作用", "benefits")]
    assert SoundAlikes(rules, table).matches("付作用") == []


def test_a_sound_alike_in_a_negated_span_does_not_fire(understanding):
    seen = understanding.interpret("先不用預月，想問價錢", NOW)
    assert seen.intent == "ask"
    assert seen.topic_names == ("price",)


@pytest.mark.parametrize("text", ["打完呼吸有點困難", "我現在喘不太過來", "我呼吸睏難"])
def test_urgent_with_a_word_inside_or_typed_as_it_sounds(understanding, text):
    seen = understanding.interpret(text, NOW)
    assert seen.intent == "urgent"
    assert seen.urgent_word in ("呼吸困難", "喘不過來")


@pytest.mark.parametrize("text", ["呼吸不困難", "我呼吸還好沒有困難"])
def test_a_negation_inside_an_urgent_word_is_not_urgent(understanding, text):
    assert understanding.interpret(text, NOW).intent != "urgent"
