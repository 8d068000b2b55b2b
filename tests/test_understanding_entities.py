"""Details given in passing: name, phone, service, preferred time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from linebot_app.understanding.entities import read_entities, read_name

TAIPEI = ZoneInfo("Asia/Taipei")
NOW = dt.datetime(2026, 12, 3, 10, 30, tzinfo=TAIPEI)
SERVICES = {"exosome": ("外泌體", "exosome")}


def test_name_phone_and_time_in_one_sentence():
    found = read_entities("我是林小姐，電話 0912-345-678，想約週六下午", NOW, TAIPEI, SERVICES)
    assert found.as_dict() == {
        "name": "林小姐",
        "phone": "+886912345678",
        "date": "2026-12-05",
        "period": "afternoon",
    }


def test_service_and_exact_time():
    found = read_entities("想約下禮拜四早上十點做外泌体", NOW, TAIPEI, SERVICES)
    assert found.service == "exosome"
    assert found.when.moment(TAIPEI) == dt.datetime(2026, 12, 10, 10, 0, tzinfo=TAIPEI)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("我叫王小明", "王小明"),
        ("林先生 0933 123 456", "林先生"),
        ("我是陳美玲想約下禮拜", "陳美玲"),
        ("My name is Amy Chen", "Amy Chen"),
        ("this is John, tomorrow 3pm", "John"),
        ("我是想問副作用", None),
        ("我是學生", None),
        ("I am on my way", None),
        ("王小明", None),
    ],
)
def test_names_only_from_an_introduction_or_a_title(text, name):
    assert read_name(text) == name


def test_landline_is_a_phone_too():
    assert read_entities("電話06-2527333", NOW, TAIPEI, SERVICES).phone == "+88662527333"


@pytest.mark.parametrize(
    "text, name",
    [
        ("林小美 0912-345-678 想約週六下午", "林小美"),
        ("0912345678 王大明", "王大明"),
        ("陳怡君，電話：0912-345-678", "陳怡君"),
        ("週六下午 0912345678", None),  # 週 is no surname
        ("周六 0912345678", None),  # 周 is, but 周六 is Saturday
        ("陳醫師 0912345678", None),
        ("我想預約 0912345678", None),
        ("外泌體 0912345678", None),
    ],
)
def test_a_bare_name_right_beside_the_phone(text, name):
    assert read_entities(text, NOW, TAIPEI, SERVICES).name == name
