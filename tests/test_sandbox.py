"""The local sandbox without a browser: when it is on, what it serves, and that what a person
does in it reaches the bot over HTTP at /callback, signed, exactly as LINE's webhooks do."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import logging
import shutil
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from flask import Flask, request
from PIL import Image
from werkzeug.serving import make_server

from linebot_app import create_app, start_worker
from linebot_app.content import load_replies
from linebot_app.fakeline import FakeLinePlatform
from linebot_app.sandbox import SandboxChats
from linebot_app.settings import PROJECT_ROOT, Settings, load_settings
from linebot_app.storage.migrate import upgrade

SECRET = "0123456789abcdef0123456789abcdef"
STAFF_GROUP = "C" + "5a" * 16
CREDENTIALS = {
    "LINE_CHANNEL_SECRET": SECRET,
    "LINE_CHANNEL_ACCESS_TOKEN": "real-looking-token",
    "LINE_STAFF_GROUP_ID": "C" + "1" * 32,
    "SECRET_KEY": "k" * 64,
}
SANDBOX_PATHS = ["/", "/gallery", "/sandbox/api/state", "/sandbox/line/v2/bot/user/all/richmenu"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sandbox_settings(tmp_path: Path, port: int = 8000, **overrides) -> Settings:
    database_url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    upgrade(database_url)
    values = dict(
        channel_secret=SECRET,
        channel_access_token="sandbox-token",
        api_base_url=f"http://127.0.0.1:{port}/sandbox/line",
        data_api_base_url=f"http://127.0.0.1:{port}/sandbox/line",
        staff_group_id=STAFF_GROUP,
        database_url=database_url,
        port=port,
        sandbox=True,
        line_backoff_seconds=0.01,
        line_timeout_seconds=3.0,
    )
    values.update(overrides)
    return Settings(**values)


class CallbackLog:
    """Every POST /callback the app received (body, X-Line-Signature), waitable."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._seen: list[tuple[bytes, str | None]] = []

    def add(self, body: bytes, signature: str | None) -> None:
        with self._cond:
            self._seen.append((body, signature))
            self._cond.notify_all()

    def all(self) -> list[tuple[bytes, str | None]]:
        with self._cond:
            return list(self._seen)

    def wait_for(self, needle: str, timeout: float = 10.0) -> tuple[dict, str | None]:
        """The first delivery whose body contains `needle`, parsed, with its signature."""

        def found():
            return next(((b, s) for b, s in self._seen if needle.encode() in b), None)

        with self._cond:
            hit = self._cond.wait_for(found, timeout)
        assert hit, f"no /callback with {needle!r} within {timeout}s"
        return hit

    def wait_count(self, count: int, timeout: float = 10.0) -> list[tuple[bytes, str | None]]:
        with self._cond:
            assert self._cond.wait_for(lambda: len(self._seen) >= count, timeout)
            return list(self._seen)


@dataclass
class SandboxServer:
    app: Flask
    url: str
    callbacks: CallbackLog

    @property
    def chats(self) -> SandboxChats:
        return self.app.extensions["sandbox"]

    @property
    def platform(self) -> FakeLinePlatform:
        return self.chats.platform


@pytest.fixture
def sandbox(tmp_path) -> Iterator[SandboxServer]:
    """The app in sandbox mode on a real HTTP server, with its inbox worker running."""
    port = _free_port()
    app = create_app(sandbox_settings(tmp_path, port))
    callbacks = CallbackLog()

    @app.before_request
    def remember_callbacks() -> None:
        if request.path == "/callback":
            callbacks.add(request.get_data(), request.headers.get("X-Line-Signature"))

    worker = start_worker(app)
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield SandboxServer(app, f"http://127.0.0.1:{port}", callbacks)
    server.shutdown()
    thread.join(5)
    app.extensions["sandbox"].relay.close()
    worker.stop()
    app.extensions["bot"].db.dispose()


# --- when the sandbox is on ------------------------------------------------------------------
def test_sandbox_is_off_with_real_credentials(tmp_path):
    settings = load_settings({**CREDENTIALS, "DATABASE_URL": f"sqlite:///{tmp_path}/b.db"})
    assert settings.sandbox is False
    client = create_app(settings).test_client()
    for path in SANDBOX_PATHS:
        assert client.get(path).status_code == 404, path


def test_sandbox_can_be_enabled_with_real_credentials_by_sandbox_1(tmp_path, caplog):
    env = {
        **CREDENTIALS,
        "SANDBOX": "1",
        "PORT": "8123",
        "DATABASE_URL": f"sqlite:///{tmp_path}/b.db",
    }
    settings = load_settings(env)
    assert settings.sandbox is True
    with caplog.at_level(logging.INFO):
        client = create_app(settings).test_client()
    assert client.get("/").status_code == 200
    assert "SANDBOX=1 with real LINE credentials" in caplog.text


def test_sandbox_prints_its_address_at_start_up(tmp_path, caplog):
    with caplog.at_level(logging.INFO):
        create_app(sandbox_settings(tmp_path, port=8123))
    assert "chat with the bot at http://127.0.0.1:8123/" in caplog.text


def test_without_credentials_the_bot_talks_to_the_sandbox_platform_in_itself():
    settings = load_settings({"PORT": "8321"})
    assert settings.sandbox is True
    assert settings.api_base_url == "http://127.0.0.1:8321/sandbox/line"


# --- pages -----------------------------------------------------------------------------------
def test_chat_page_and_its_scripts_are_served(tmp_path):
    client = create_app(sandbox_settings(tmp_path)).test_client()
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for part in (
        'id="patient"',
        'id="staff"',
        "flex.js",
        "chat.js",
        "sandbox.css",
        "波士頓醫美診所",
    ):
        assert part in html
    for name in ("flex.js", "chat.js", "gallery.js", "flex.css", "sandbox.css"):
        assert client.get(f"/sandbox/static/{name}").status_code == 200, name


def test_gallery_lists_every_topic_card(tmp_path):
    client = create_app(sandbox_settings(tmp_path)).test_client()
    html = client.get("/gallery").get_data(as_text=True)
    library = load_replies(PROJECT_ROOT / "replies", PROJECT_ROOT / "config")
    assert library.topics
    for name, card in library.topics.items():
        assert f'data-topic="{name}"' in html, name
        assert card.title.replace("{clinic_name}", "波士頓醫美診所") in html, name
    rendered = json.loads(html.split('id="gallery-data">', 1)[1].split("</script>", 1)[0])
    assert len(rendered) == html.count('class="gallery-card"')
    assert all(messages for messages in rendered)


def test_gallery_picks_up_edits_to_replies_on_reload(tmp_path):
    replies = tmp_path / "replies"
    shutil.copytree(PROJECT_ROOT / "replies", replies)
    client = create_app(sandbox_settings(tmp_path, replies_dir=replies)).test_client()
    assert "外泌體有副作用嗎？" in client.get("/gallery").get_data(as_text=True)

    card = replies / "side_effects.yaml"
    card.write_text(
        card.read_text(encoding="utf-8").replace(
            "title: 外泌體有副作用嗎？", "title: 副作用說明（改）"
        ),
        encoding="utf-8",
    )
    assert "副作用說明（改）" in client.get("/gallery").get_data(as_text=True)

    card.write_text("kind: [not valid", encoding="utf-8")
    broken = client.get("/gallery")
    assert broken.status_code == 200
    assert 'id="content-errors"' in broken.get_data(as_text=True)
    assert "side_effects.yaml" in broken.get_data(as_text=True)


# --- actions go through /callback ------------------------------------------------------------
def _signature(body: bytes) -> str:
    return base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()


def test_sandbox_send_goes_through_callback_with_a_valid_signature(sandbox):
    state = requests.get(sandbox.url + "/sandbox/api/state", timeout=5).json()
    patient = state["patient"]["chatId"]

    answer = requests.post(
        sandbox.url + "/sandbox/api/text", json={"pane": "patient", "text": "你好"}, timeout=5
    )
    assert answer.status_code == 202

    body, signature = sandbox.callbacks.wait_for("你好")
    assert signature == _signature(body)
    events = json.loads(body)["events"]
    assert [(e["type"], e["message"]["text"], e["source"]["userId"]) for e in events] == [
        ("message", "你好", patient)
    ]
    # The bot answered that event's reply token through the sandbox's LINE API endpoints.
    token = events[0]["replyToken"]
    sandbox.platform.wait_for(
        lambda: any(
            r.json and r.json.get("replyToken") == token and r.status == 200
            for r in sandbox.platform.requests("/v2/bot/message/reply")
        ),
        timeout=10,
    )
    timeline = requests.get(sandbox.url + "/sandbox/api/timeline?after=0", timeout=5).json()
    senders = [(e["pane"], e["sender"]) for e in timeline["entries"]]
    assert ("patient", "user") in senders and ("patient", "bot") in senders


def test_first_visit_adds_the_clinic_as_friend_and_the_bot_to_the_staff_group(sandbox):
    requests.get(sandbox.url + "/sandbox/api/state", timeout=5)
    requests.get(sandbox.url + "/sandbox/api/state", timeout=5)  # a reload starts nothing again
    delivered = sandbox.callbacks.wait_count(2)
    kinds = sorted(json.loads(b)["events"][0]["type"] for b, _ in delivered)
    assert kinds == ["follow", "join"]
    group_events = [json.loads(b)["events"][0] for b, _ in delivered]
    assert any(e["source"].get("groupId") == STAFF_GROUP for e in group_events)


def test_datetimepicker_value_comes_back_as_postback_params(sandbox):
    good = {"pane": "patient", "data": "step=time", "params": {"datetime": "2026-12-10T14:30"}}
    assert requests.post(sandbox.url + "/sandbox/api/postback", json=good, timeout=5).ok
    body, _ = sandbox.callbacks.wait_for("step=time")
    assert json.loads(body)["events"][0]["postback"] == {
        "data": "step=time",
        "params": {"datetime": "2026-12-10T14:30"},
    }


@pytest.mark.parametrize(
    "action",
    [
        {"pane": "patient", "data": "x", "params": {"datetime": "2026-12-10 14:30"}},
        {"pane": "patient", "data": "x", "params": {"date": "2026-12-10", "time": "14:30"}},
        {"pane": "patient", "data": ""},
        {"pane": "someone", "text": "hi"},
        {"pane": "patient", "text": ""},
    ],
)
def test_sandbox_refuses_what_line_would_never_send(sandbox, action):
    path = "/sandbox/api/text" if "text" in action else "/sandbox/api/postback"
    answer = requests.post(sandbox.url + path, json=action, timeout=5)
    assert answer.status_code == 400
    assert answer.json()["problems"]


def test_postback_display_text_is_shown_as_the_patients_message(sandbox):
    action = {"pane": "patient", "data": "action=book", "displayText": "預約諮詢"}
    assert requests.post(sandbox.url + "/sandbox/api/postback", json=action, timeout=5).ok
    entries = requests.get(sandbox.url + "/sandbox/api/timeline?after=0", timeout=5).json()
    shown = [e["message"] for e in entries["entries"] if e["kind"] == "postback"]
    assert shown == [{"type": "postback", "data": "action=book", "displayText": "預約諮詢"}]


def test_staff_pane_acts_in_the_staff_group(sandbox):
    action = {"pane": "staff", "data": "action=staff&do=contacted"}
    assert requests.post(sandbox.url + "/sandbox/api/postback", json=action, timeout=5).ok
    body, _ = sandbox.callbacks.wait_for("do=contacted")
    source = json.loads(body)["events"][0]["source"]
    assert source["type"] == "group" and source["groupId"] == STAFF_GROUP


def test_new_patient_starts_a_fresh_chat(sandbox):
    before = requests.get(sandbox.url + "/sandbox/api/state", timeout=5).json()["patient"]
    answer = requests.post(sandbox.url + "/sandbox/api/patients", json={}, timeout=5)
    assert answer.status_code == 202
    after = answer.json()["chatId"]
    assert after != before["chatId"]
    polled = requests.get(
        sandbox.url + f"/sandbox/api/timeline?after=0&wait=5&patient={before['chatId']}", timeout=10
    ).json()
    assert polled["patient"]["chatId"] == after


def test_timeline_long_poll_waits_for_the_next_entry(sandbox):
    first = requests.get(sandbox.url + "/sandbox/api/timeline?after=0", timeout=5).json()
    url = sandbox.url + "/sandbox/api/timeline"
    query = f"?after={first['cursor']}&wait=10&patient={first['patient']['chatId']}"
    threading.Timer(
        0.3,
        lambda: requests.post(
            sandbox.url + "/sandbox/api/text", json={"pane": "staff", "text": "收到"}, timeout=5
        ),
    ).start()
    polled = requests.get(url + query + f"&api={first['apiCursor']}", timeout=15).json()
    assert any(e["message"].get("text") == "收到" for e in polled["entries"])


# --- rich menu -------------------------------------------------------------------------------
def _menu_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (2500, 843), "#ffffff").save(out, "PNG")
    return out.getvalue()


def test_rich_menu_comes_from_config_until_one_is_deployed(sandbox):
    state = requests.get(sandbox.url + "/sandbox/api/state", timeout=5).json()
    assert "config/rich_menu.yaml" in state["richMenu"]["source"]
    assert requests.get(sandbox.url + state["richMenu"]["imageUrl"], timeout=5).ok

    auth = {"Authorization": "Bearer sandbox-token", "Content-Type": "application/json"}
    line = sandbox.url + "/sandbox/line/v2/bot"
    menu = {
        "size": {"width": 2500, "height": 843},
        "selected": True,
        "name": "deployed",
        "chatBarText": "點我",
        "areas": [
            {
                "bounds": {"x": 0, "y": 0, "width": 2500, "height": 843},
                "action": {"type": "postback", "data": "action=book"},
            }
        ],
    }
    created = requests.post(line + "/richmenu", json=menu, headers=auth, timeout=5)
    menu_id = created.json()["richMenuId"]
    image_headers = {**auth, "Content-Type": "image/png"}
    uploaded = requests.post(
        f"{line}/richmenu/{menu_id}/content", data=_menu_png(), headers=image_headers, timeout=5
    )
    assert uploaded.ok
    assert requests.post(f"{line}/user/all/richmenu/{menu_id}", headers=auth, timeout=5).ok

    state = requests.get(sandbox.url + "/sandbox/api/state", timeout=5).json()
    assert state["richMenu"]["menu"]["chatBarText"] == "點我"
    image = requests.get(sandbox.url + state["richMenu"]["imageUrl"], timeout=5)
    assert image.ok and image.headers["Content-Type"] == "image/png"
