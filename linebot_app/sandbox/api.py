"""The chat page's JSON endpoints: a person's actions in, both chats' timelines out.

Every action is validated here (the page is a browser: trust nothing), turned into a webhook
event by the fake platform and sent to /callback by the relay; the answer only says "queued".
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from linebot_app.fakeline import TimelineEntry
from linebot_app.sandbox.chats import Pane, PaneName, SandboxChats
from linebot_app.sandbox.menu import deployed_image, page_menu

MAX_WAIT_SECONDS = 20.0
MESSAGE_API = "/v2/bot/message"
# LINE's datetimepicker values (no time zone): what the bot gets in postback.params.
PARAM_FORMATS = {
    "date": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "time": re.compile(r"^\d{2}:\d{2}$"),
    "datetime": re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$"),
}

sandbox_api = Blueprint("sandbox_api", __name__, url_prefix="/sandbox/api")


class _Action(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    pane: PaneName


class TextAction(_Action):
    text: str = Field(min_length=1, max_length=5000)


class StickerAction(_Action):
    package_id: str = Field("446", alias="packageId", pattern=r"^\d{1,12}$")
    sticker_id: str = Field("1988", alias="stickerId", pattern=r"^\d{1,12}$")


class PostbackAction(_Action):
    data: str = Field(min_length=1, max_length=300)
    display_text: str | None = Field(None, alias="displayText", min_length=1, max_length=300)
    params: dict[str, str] | None = None

    @field_validator("params")
    @classmethod
    def _datetimepicker_value(cls, params: dict[str, str] | None) -> dict[str, str] | None:
        if params is None:
            return None
        if len(params) != 1:
            raise ValueError("give exactly one of date, time or datetime")
        ((mode, value),) = params.items()
        if mode not in PARAM_FORMATS or not PARAM_FORMATS[mode].match(value):
            raise ValueError(f"{mode}={value!r} is not a LINE datetimepicker value")
        return params


def _sandbox() -> SandboxChats:
    return current_app.extensions["sandbox"]


def _parse(model: type[_Action]) -> tuple[_Action | None, Response | None]:
    try:
        return model.model_validate(request.get_json(silent=True) or {}), None
    except ValidationError as error:
        problems = [f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in error.errors()]
        response = jsonify({"error": "invalid action", "problems": problems})
        response.status_code = 400
        return None, response


def _queued(pane: Pane) -> tuple[Response, int]:
    return jsonify({"status": "queued", "chatId": pane.chat_id}), 202


@sandbox_api.post("/text")
def send_text():
    action, problem = _parse(TextAction)
    if problem:
        return problem
    chats = _sandbox()
    pane = chats.pane(action.pane)
    chats.send_text(pane, action.text)
    return _queued(pane)


@sandbox_api.post("/sticker")
def send_sticker():
    action, problem = _parse(StickerAction)
    if problem:
        return problem
    chats = _sandbox()
    pane = chats.pane(action.pane)
    chats.send_sticker(pane, action.package_id, action.sticker_id)
    return _queued(pane)


@sandbox_api.post("/postback")
def send_postback():
    action, problem = _parse(PostbackAction)
    if problem:
        return problem
    chats = _sandbox()
    pane = chats.pane(action.pane)
    chats.send_postback(pane, action.data, action.params, action.display_text)
    return _queued(pane)


@sandbox_api.post("/patients")
def new_patient():
    pane = _sandbox().new_patient()
    return _queued(pane)


def _people(chats: SandboxChats) -> dict[str, Any]:
    patient, staff = chats.pane("patient"), chats.pane("staff")
    return {
        "patient": {"userId": patient.user_id, "chatId": patient.chat_id},
        "staff": {"userId": staff.user_id, "chatId": staff.chat_id},
        "names": chats.names(),
    }


@sandbox_api.get("/state")
def state():
    """What the page needs to draw itself; the first call also starts both chats."""
    chats = _sandbox()
    chats.start()
    bot = current_app.extensions["bot"]
    settings = bot.settings
    menu = page_menu(
        chats.platform, settings.channel_access_token, settings.config_dir, "/static/richmenu.png"
    )
    return jsonify(
        {
            **_people(chats),
            "bot": {"name": bot.clinic.name, "userId": chats.platform.bot_user_id},
            "timeZone": bot.clinic.timezone,
            "callbackUrl": chats.relay.callback_url,
            "apiBaseUrl": settings.api_base_url,
            "richMenu": None
            if menu is None
            else {"menu": menu.menu, "imageUrl": menu.image_url, "source": menu.source},
        }
    )


def _entry(pane: Pane, entry: TimelineEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "pane": pane.name,
        "sender": entry.sender,
        "kind": entry.kind,
        "message": entry.message,
        "at": entry.at,
        "userId": entry.user_id,
    }


def _api_errors(chats: SandboxChats, after: int) -> tuple[list[str], int]:
    """Reply/push calls LINE refused since call number `after` (a bug in what the bot sent)."""
    calls = chats.platform.requests(MESSAGE_API)
    refused = [f"{c.method} {c.path} → {c.status}" for c in calls[after:] if c.status >= 400]
    return refused, len(calls)


@sandbox_api.get("/timeline")
def timeline():
    """New entries of both chats after `after`; waits up to `wait` seconds for one (long poll)."""
    chats = _sandbox()
    after = request.args.get("after", 0, type=int)
    api_after = request.args.get("api", 0, type=int)
    known_patient = request.args.get("patient", "")
    wait = min(max(request.args.get("wait", 0.0, type=float), 0.0), MAX_WAIT_SECONDS)

    def changed() -> bool:
        return (
            bool(chats.timeline(after))
            or chats.pane("patient").chat_id != known_patient
            or len(chats.platform.requests(MESSAGE_API)) > api_after
        )

    if wait:
        try:
            chats.platform.wait_for(changed, timeout=wait)
        except TimeoutError:
            pass
    entries = chats.timeline(after)
    errors, api_cursor = _api_errors(chats, api_after)
    return jsonify(
        {
            **_people(chats),
            "entries": [_entry(pane, entry) for pane, entry in entries],
            "cursor": max([after] + [entry.seq for _, entry in entries]),
            "apiCursor": api_cursor,
            "apiErrors": errors,
            "schemaErrors": [
                f"{v.path}: {'; '.join(v.errors)}" for v in chats.platform.schema_errors[-5:]
            ]
            if errors
            else [],
        }
    )


@sandbox_api.get("/richmenu/<menu_id>/image")
def rich_menu_image(menu_id: str):
    chats = _sandbox()
    token = current_app.extensions["bot"].settings.channel_access_token
    image = deployed_image(chats.platform, token, menu_id)
    if image is None:
        return jsonify({"error": "no such rich menu image"}), 404
    return Response(image[0], content_type=image[1])
