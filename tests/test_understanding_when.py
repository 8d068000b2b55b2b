"""Times said in words, resolved against the clinic clock (Thursday 2026-12-03 10:30, Taipei)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from linebot_app.understanding.when import When, chinese_number, read_when

TAIPEI = ZoneInfo("Asia/Taipei")
NOW = dt.datetime(2026, 12, 3, 10, 30, tzinfo=TAIPEI)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("明天下午", {"date": "2026-12-04", "period": "afternoon"}),
        ("后天", {"date": "2026-12-05"}),
        ("下禮拜四早上十點", {"date": "2026-12-10", "time": "10:00", "period": "morning"}),
        ("週六早上", {"date": "2026-12-05", "period": "morning"}),
        ("早上十點", {"time": "10:00", "period": "morning"}),
        ("12/20 晚上七點", {"date": "2026-12-20", "time": "19:00", "period": "evening"}),
        ("12月20號晚上7點半", {"date": "2026-12-20", "time": "19:30", "period": "evening"}),
        ("這禮拜二", {"date": "2026-12-01"}),
        ("下週一", {"date": "2026-12-07"}),
        ("星期天", {"date": "2026-12-06"}),
        ("今晚", {"date": "2026-12-03", "period": "evening"}),
        ("3點可以嗎", {"time": "15:00", "period": "afternoon"}),
        ("下午兩點半", {"time": "14:30", "period": "afternoon"}),
        ("1/5", {"date": "2027-01-05"}),
        ("tomorrow afternoon", {"date": "2026-12-04", "period": "afternoon"}),
        ("next Thursday 10am", {"date": "2026-12-10", "time": "10:00", "period": "morning"}),
        ("dec 20 at 7pm", {"date": "2026-12-20", "time": "19:00", "period": "evening"}),
        ("這個週末", {"date": "2026-12-05"}),
        ("下週末下午", {"date": "2026-12-12", "period": "afternoon"}),
        ("next weekend", {"date": "2026-12-12"}),
    ],
)
def test_times_in_words_resolve_against_the_clinic_clock(text, expected):
    assert read_when(text, NOW, TAIPEI).as_dict() == expected


@pytest.mark.parametrize("text", ["有一點痛", "外泌體一次多少", "電話0912345678", "I am on my way"])
def test_no_time_is_read_where_none_was_said(text):
    assert not read_when(text, NOW, TAIPEI)


def test_a_period_without_an_hour_opens_the_picker_at_the_start_of_that_period():
    when = When(date=dt.date(2026, 12, 4), period="afternoon")
    assert when.picker_initial(TAIPEI) == dt.datetime(2026, 12, 4, 13, 0, tzinfo=TAIPEI)
    assert when.moment(TAIPEI) is None
    exact = When(date=dt.date(2026, 12, 10), time=dt.time(10, 0), period="morning")
    assert exact.moment(TAIPEI) == exact.picker_initial(TAIPEI)


def test_chinese_numbers():
    assert [chinese_number(t) for t in ("十", "十二", "二十五", "七", "12")] == [10, 12, 25, 7, 12]
