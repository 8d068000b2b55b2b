"""The rich menu definition: the shipped menu follows the team's postback conventions, and a
menu breaking any of LINE's limits is refused with a message naming the field."""

from __future__ import annotations

import copy
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
import yaml

from linebot_app.content.yaml_config import ConfigError
from linebot_app.richmenu.config import load_rich_menu, parse_rich_menu

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MENU_PATH = PROJECT_ROOT / "config" / "rich_menu.yaml"

# The postback data every handler matches on (shared across the team).
CONVENTIONS = {
    "外泌體是什麼": "action=topic&topic=what",
    "副作用與安全": "action=topic&topic=side_effects,safety",
    "預約諮詢": "action=book",
    "我的預約": "action=my_requests",
    "聯絡我們 / 交通": "action=topic&topic=contact",
    "真人客服": "action=human",
}


def shipped() -> dict:
    return yaml.safe_load(MENU_PATH.read_text(encoding="utf-8"))


def test_shipped_menu_has_the_six_clinic_buttons_with_the_agreed_postbacks():
    request = load_rich_menu(MENU_PATH).line_request("clinic-menu test")

    actions = [area["action"] for area in request["areas"]]
    assert {action["label"]: action["data"] for action in actions} == CONVENTIONS
    for action in actions:
        assert action["type"] == "postback"
        assert action["displayText"] == action["label"]
        assert dict(parse_qsl(action["data"]))["action"]
    assert request["chatBarText"] == "選單"
    assert request["size"] == {"width": 2500, "height": 1686}


def test_shipped_menu_fills_a_two_by_three_grid_without_gaps():
    menu = load_rich_menu(MENU_PATH)
    bounds = [b for _, b in menu.areas_with_bounds()]

    assert sum(b.width * b.height for b in bounds) == 2500 * 1686
    assert [(b.x, b.y) for b in bounds] == [
        (0, 0),
        (833, 0),
        (1666, 0),
        (0, 843),
        (833, 843),
        (1666, 843),
    ]


def test_display_text_defaults_to_the_label():
    data = shipped()
    del data["areas"][0]["action"]["display_text"]

    request = parse_rich_menu(data).line_request()

    assert request["areas"][0]["action"]["displayText"] == "外泌體是什麼"


def test_explicit_bounds_and_message_and_uri_actions_are_accepted():
    data = shipped()
    data["grid"] = {"rows": 1, "columns": 1}
    data["areas"] = [
        {
            "label": "官網",
            "bounds": {"x": 0, "y": 0, "width": 1250, "height": 1686},
            "action": {"type": "uri", "uri": "https://bostontw.com"},
        },
        {"label": "營業時間", "action": {"type": "message", "text": "營業時間"}},
    ]

    with pytest.raises(ConfigError, match=r"areas\.1\.bounds: overlaps areas\.0"):
        parse_rich_menu(data)
    data["areas"][0]["bounds"]["x"] = 2500 - 1250
    data["grid"] = {"rows": 1, "columns": 2}
    request = parse_rich_menu(data).line_request()

    assert request["areas"][1]["bounds"] == {"x": 0, "y": 0, "width": 1250, "height": 1686}
    assert request["areas"][1]["action"] == {
        "type": "message",
        "label": "營業時間",
        "text": "營業時間",
    }


def _set(path: str, value):
    def change(data: dict) -> None:
        *parents, last = path.split(".")
        target = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value

    return change


def _area(index: int) -> dict:
    return {
        "label": f"按鈕{index}",
        "action": {"type": "postback", "data": f"action=n&i={index}"},
    }


BROKEN_MENUS = {
    "chat-bar text over 14": (
        _set("chat_bar_text", "請點這裡打開診所的服務選單喔喔"),
        "chat_bar_text",
    ),
    "empty chat-bar text": (_set("chat_bar_text", ""), "chat_bar_text"),
    "21 areas": (
        lambda d: d.update(areas=[_area(i) for i in range(21)], grid={"rows": 3, "columns": 7}),
        "areas",
    ),
    "no areas": (_set("areas", []), "areas"),
    "postback data over 300": (
        _set("areas.0.action.data", "a" * 301),
        "areas.0.action.postback.data",
    ),
    "display text over 300": (
        _set("areas.1.action.display_text", "字" * 301),
        "areas.1.action.postback.display_text",
    ),
    "label over 20": (_set("areas.2.label", "預" * 21), "areas.2.label"),
    "message text over 300": (
        _set("areas.3.action", {"type": "message", "text": "x" * 301}),
        "areas.3.action.message.text",
    ),
    "uri with an unknown scheme": (
        _set("areas.4.action", {"type": "uri", "uri": "javascript:alert(1)"}),
        "areas.4.action.uri.uri",
    ),
    "unknown action type": (_set("areas.5.action", {"type": "camera"}), "areas.5.action"),
    "area outside the image": (
        _set("areas.0.bounds", {"x": 2000, "y": 0, "width": 600, "height": 843}),
        "areas.0.bounds",
    ),
    "image too wide": (_set("size", {"width": 2600, "height": 1686}), "size.width"),
    "image too narrow": (_set("size", {"width": 700, "height": 400}), "size.width"),
    "image too short": (_set("size", {"width": 1000, "height": 200}), "size.height"),
    "image too square": (_set("size", {"width": 2500, "height": 1800}), "size"),
    "grid too small for the areas": (_set("grid", {"rows": 1, "columns": 3}), "grid"),
    "colour not #RRGGBB": (_set("colours.label", "navy"), "colours.label"),
    "unknown field": (_set("areas.0.colour", "#FFFFFF"), "areas.0.colour"),
    "name prefix too long for LINE's 300-character name": (
        _set("name_prefix", "m" * 290),
        "name_prefix",
    ),
}


@pytest.mark.parametrize("change, field", BROKEN_MENUS.values(), ids=BROKEN_MENUS.keys())
def test_menu_breaking_a_limit_is_refused_naming_the_field(change, field):
    data = copy.deepcopy(shipped())
    change(data)

    with pytest.raises(ConfigError) as caught:
        parse_rich_menu(data, source="config/rich_menu.yaml")

    assert any(
        line.startswith(f"config/rich_menu.yaml: {field}: ") for line in caught.value.problems
    ), caught.value.problems


def test_a_broken_file_is_reported_with_its_path(tmp_path):
    path = tmp_path / "rich_menu.yaml"
    path.write_text("chat_bar_text: [unclosed", encoding="utf-8")

    with pytest.raises(ConfigError, match=str(path)):
        load_rich_menu(path)
