"""Negation scope: what the patient said they do not want, and nothing more."""

from __future__ import annotations

import pytest

from linebot_app.understanding.negation import find_negations
from linebot_app.understanding.normalise import normalise


def negated_parts(text: str) -> list[str]:
    normalised = normalise(text)
    return [normalised[s.start : s.end].strip() for s in find_negations(text)]


@pytest.mark.parametrize(
    ("text", "negated"),
    [
        ("我沒有要約診，只是想先了解副作用", ["約診"]),
        ("先不要幫我轉專人，我想問安全性", ["幫我轉專人"]),
        ("先不要幫我轉專人 我想問安全性", ["幫我轉專人"]),
        ("预约就免了，价格多少", ["預約"]),
        ("我不是要預約，是想問價格", ["預約"]),
        ("不用轉真人了謝謝", ["轉真人了"]),
        ("我 不想 預約", ["預約"]),
        ("I don't want to book, just tell me the price", ["book"]),
        ("no need for a human, is it safe?", ["a human"]),
        ("之後再預約，先問副作用", ["預約"]),
        ("預約的事之後再說", ["預約的事"]),
        ("不急著預約", ["預約"]),
        ("先不找客服", ["找客服"]),
        ("book later", ["book"]),
    ],
)
def test_a_negation_reaches_only_what_it_negates(text, negated):
    assert negated_parts(text) == negated


@pytest.mark.parametrize(
    "text", ["要不要預約", "是不是要先預約", "會不會有副作用", "外泌體安全嗎", "想約週六下午"]
)
def test_questions_and_plain_requests_are_not_negations(text):
    assert find_negations(text) == ()


def test_a_negation_inside_a_question_is_marked_so_topics_stay_asked():
    (span,) = find_negations("不用擔心副作用嗎？")
    assert span.in_question


def test_fullwidth_and_simplified_read_alike():
    assert negated_parts("先不要帮我转专人，我想问安全性") == negated_parts(
        "先不要幫我轉專人，我想問安全性"
    )


def test_a_cue_closing_its_own_clause_does_not_reach_into_the_next():
    spans = find_negations("改期不用 取消也不用 幫我轉給護理師")
    text = normalise("改期不用 取消也不用 幫我轉給護理師")
    assert not any("轉給護理師" in text[s.start : s.end] for s in spans)
