"""Every tile of the shipped rich menu gets an answer when a patient taps it: the postback reaches
a handler through the real webhook, and the answer is the same as for typing the tile's words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linebot_app.richmenu.config import load_rich_menu

PROJECT_ROOT = Path(__file__).resolve().parent.parent
AREAS = load_rich_menu(PROJECT_ROOT / "config" / "rich_menu.yaml").line_request()["areas"]
POSTBACK_AREAS = [area["action"] for area in AREAS if area["action"]["type"] == "postback"]


def _answer(running, user_id: str, event) -> list[dict]:
    running.send(event)
    running.platform.wait_for_deliveries(1, chat_id=user_id)
    running.wait_idle()
    return [m for d in running.platform.delivered(user_id) for m in d.messages]


def _without_quick_reply(messages: list[dict]) -> str:
    return json.dumps(
        [{k: v for k, v in m.items() if k != "quickReply"} for m in messages],
        ensure_ascii=False,
        sort_keys=True,
    )


@pytest.mark.parametrize("action", POSTBACK_AREAS, ids=[a["label"] for a in POSTBACK_AREAS])
def test_patient_taps_a_rich_menu_tile_and_gets_the_same_answer_as_typing_it(running, action):
    platform = running.platform
    tapper, typist = platform.new_user_id(), platform.new_user_id()

    tapped = _answer(
        running,
        tapper,
        platform.postback_event(tapper, action["data"], display_text=action["displayText"]),
    )
    typed = _answer(running, typist, platform.text_event(typist, action["label"]))

    assert tapped, f"no answer to {action['data']}"
    assert _without_quick_reply(tapped) == _without_quick_reply(typed)
