"""The sandbox in a real headless Chromium, against the app started exactly as `make run` starts it
(no LINE credentials, SQLite): a patient asks, taps, picks a time; staff see the request.

Screenshots of every step go to test-artifacts/sandbox/ for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import expect

from linebot_app.content import load_replies
from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.browser

ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "sandbox"
TIMEOUT_MS = 15_000
PATIENT_NAME, PATIENT_PHONE = "王小美", "0912-345-678"


# --- the app, started as `make run` does ----------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_run_commands(port: int) -> list[str]:
    """The shell lines of the Makefile's `run` recipe, with the venv and port filled in."""
    lines = (PROJECT_ROOT / "Makefile").read_text().splitlines()
    start = lines.index(next(line for line in lines if line.startswith("run:")))
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    bin_dir = shlex.quote(str(Path(sys.executable).parent))
    return [line.replace("$(BIN)", bin_dir).replace("$(PORT)", str(port)) for line in recipe]


def _wait_healthy(url: str, server: subprocess.Popen, timeout: float = 45.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the app exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)  # another process: nothing to wait on but its port
    raise AssertionError("the app did not become healthy")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("make-run")
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LINE_", "SANDBOX")) or k == "LINE_OPENAPI_DIR"
    }
    env.update(DATABASE_URL=f"sqlite:///{workdir / 'linebot.sqlite3'}", PORT=str(port))
    *setup, serve = make_run_commands(port)
    for line in setup:
        done = subprocess.run(
            ["bash", "-c", line],
            env=env,
            cwd=PROJECT_ROOT,
            timeout=120,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
    log_path = workdir / "gunicorn.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            ["bash", "-c", serve],
            env=env,
            cwd=PROJECT_ROOT,
            start_new_session=True,
            stdout=log,
            stderr=log,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, server)
        log_text = log_path.read_text()
        assert f"chat with the bot at {url}/" in log_text, "the sandbox address is printed"
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "gunicorn.log").write_text(log_path.read_text())


@pytest.fixture
def page(browser, request):
    context = browser.new_context(
        viewport={"width": 1000, "height": 1000}, locale="zh-TW", timezone_id="Asia/Taipei"
    )
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


class Shots:
    """Numbered screenshots of one test under test-artifacts/sandbox/."""

    def __init__(self, page, test_name: str):
        self.page, self.prefix, self.count = page, test_name, 0
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(self, what: str, full_page: bool = False) -> Path:
        self.count += 1
        path = ARTIFACTS / f"{self.prefix}-{self.count:02d}-{what}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path


# --- what the clinic's files say (so the test follows content edits) --------------------------
def _library():
    return load_replies(PROJECT_ROOT / "replies", PROJECT_ROOT / "config")


def _consultation() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "config" / "consultation.yaml").read_text("utf-8"))


def literal(template: str) -> str:
    """The longest fixed line part of a config sentence (what shows whatever fills it in)."""
    return max(re.split(r"\{\w+\}|\n", template), key=len).strip()


def bookable_time(earliest: str, latest: str) -> str:
    """A weekday afternoon after `earliest` (the picker's min) and before `latest` (its max)."""
    day = dt.datetime.strptime(earliest, "%Y-%m-%dT%H:%M").date() + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    chosen = f"{day.isoformat()}T15:00"
    assert chosen <= latest, (chosen, latest)
    return chosen


# --- helpers speaking the patient's language ---------------------------------------------------
def open_sandbox(page, url: str) -> None:
    """The chat page, with a new patient who has just added the clinic as a friend."""
    page.goto(url + "/")
    page.wait_for_selector("body[data-ready=true]", timeout=TIMEOUT_MS)
    before = page.get_attribute("body", "data-patient")
    page.click("#new-patient")
    page.wait_for_function(
        "before => document.body.dataset.patient !== before", arg=before, timeout=TIMEOUT_MS
    )
    expect(page.locator("#patient .note-event")).to_be_visible(timeout=TIMEOUT_MS)


def type_as_patient(page, text: str) -> None:
    keyboard = page.locator("#patient .to-keyboard")
    if keyboard.is_visible():
        keyboard.click()
    page.fill("#patient .composer-input", text)
    page.press("#patient .composer-input", "Enter")


def patient_taps(page, label: str) -> None:
    page.locator("#patient").get_by_role("button", name=label, exact=True).last.click()


def expect_patient_message(page, text: str) -> None:
    expect(page.locator("#patient .row-out").last).to_contain_text(text, timeout=TIMEOUT_MS)


def expect_bot_says(page, pane: str, text: str):
    found = page.locator(f"#{pane} .msg[data-sender=bot]").filter(has_text=text).last
    expect(found).to_be_visible(timeout=TIMEOUT_MS)
    return found


# --- the stories ---------------------------------------------------------------------------------
def test_patient_asks_about_side_effects_and_books_a_consultation_with_the_date_picker(
    page, app_url
):
    library = _library()
    booking = _consultation()
    buttons = booking["buttons"]
    shots = Shots(page, "booking")

    open_sandbox(page, app_url)
    shots.take("opened")

    type_as_patient(page, "外泌體有副作用嗎")
    expect_patient_message(page, "外泌體有副作用嗎")
    card = expect_bot_says(page, "patient", library.topics["side_effects"].title)
    card.scroll_into_view_if_needed()
    shots.take("side-effects-card")

    card.get_by_role("button", name=library.shared.buttons.book, exact=True).click()
    expect_patient_message(page, library.shared.buttons.book)  # the postback's displayText
    service = booking["services"][0]["label"]
    expect_bot_says(page, "patient", literal(booking["texts"]["ask_service"]))
    shots.take("asked-for-service")
    patient_taps(page, service)

    patient_taps(page, buttons["pick_time"])
    picker = page.locator("#patient .picker")
    picker_input = picker.locator(".picker-input")
    expect(picker).to_be_visible(timeout=TIMEOUT_MS)
    earliest, latest = picker_input.get_attribute("min"), picker_input.get_attribute("max")
    assert earliest and latest, "the picker honours the action's min and max"
    assert picker_input.get_attribute("type") == "datetime-local"
    chosen = bookable_time(earliest, latest)
    picker_input.fill(chosen)
    shots.take("date-picker")
    picker.get_by_role("button", name="確定").click()
    expect(picker).to_be_hidden()

    expect_bot_says(page, "patient", literal(booking["texts"]["ask_name"]))
    type_as_patient(page, PATIENT_NAME)
    expect_bot_says(page, "patient", literal(booking["texts"]["ask_phone"]))
    type_as_patient(page, PATIENT_PHONE)
    expect_bot_says(page, "patient", literal(booking["texts"]["ask_consent"]))
    patient_taps(page, buttons["agree"])
    expect_bot_says(page, "patient", booking["texts"]["review_title"])
    shots.take("review")
    patient_taps(page, buttons["submit"])
    expect_bot_says(page, "patient", literal(booking["texts"]["submitted"]))
    shots.take("submitted")

    staff_card = expect_bot_says(page, "staff", literal(booking["texts"]["staff_card_title"]))
    expect(staff_card).to_contain_text(PATIENT_NAME)
    staff_card.scroll_into_view_if_needed()
    shots.take("staff-group-notified")

    # Staff confirm the time from their group: the picker opens at the patient's choice.
    staff_card.get_by_role("button", name=buttons["staff_confirm"], exact=True).click()
    staff_picker = page.locator("#staff .picker")
    expect(staff_picker).to_be_visible(timeout=TIMEOUT_MS)
    assert staff_picker.locator(".picker-input").input_value() == chosen
    staff_picker.get_by_role("button", name="確定").click()
    expect_bot_says(page, "staff", literal(booking["texts"]["staff_confirmed"]))
    expect_bot_says(page, "patient", literal(booking["texts"]["patient_confirmed"]))
    shots.take("staff-confirmed-patient-told")


def test_rich_menu_tile_asks_like_typing(page, app_url):
    shots = Shots(page, "richmenu")
    open_sandbox(page, app_url)
    menu = page.locator("#patient .rich-menu")
    expect(menu).to_be_visible()
    shots.take("menu-open")
    rich_menu = yaml.safe_load((PROJECT_ROOT / "config" / "rich_menu.yaml").read_text("utf-8"))
    tile = next(
        area for area in rich_menu["areas"] if "side_effects" in area["action"].get("data", "")
    )
    menu.get_by_role("button", name=tile["label"], exact=True).click()
    expect_patient_message(page, tile["action"].get("display_text") or tile["label"])
    expect_bot_says(page, "patient", _library().topics["side_effects"].title)
    shots.take("menu-answered")
    page.locator("#patient .menu-toggle").click()  # the chat bar folds the menu away
    expect(menu).to_be_hidden()
    shots.take("menu-folded")


def test_gallery_shows_every_card(page, app_url):
    shots = Shots(page, "gallery")
    page.goto(app_url + "/gallery")
    topics = _library().topics
    for name in topics:
        card = page.locator(f'[data-topic="{name}"]')
        assert card.locator(".lm-bubble").count() >= 1, name
    shots.take("all-cards", full_page=True)
    page.locator('[data-topic="side_effects"]').screenshot(
        path=str(ARTIFACTS / "gallery-side_effects.png")
    )


SPECIMEN = {
    "type": "flex",
    "altText": "specimen",
    "contents": {
        "type": "carousel",
        "contents": [
            {
                "type": "bubble",
                "size": "kilo",
                "hero": {"type": "image", "url": "data:,", "size": "full", "aspectRatio": "2:1"},
                "body": {
                    "type": "box",
                    "layout": "vertical",
                    "spacing": "md",
                    "contents": [
                        {
                            "type": "text",
                            "text": "Title",
                            "size": "xl",
                            "weight": "bold",
                            "color": "#123456",
                            "align": "center",
                        },
                        {
                            "type": "box",
                            "layout": "horizontal",
                            "margin": "xxl",
                            "contents": [
                                {"type": "text", "text": "a", "flex": 1},
                                {"type": "separator", "color": "#FF0000"},
                                {"type": "text", "text": "b", "flex": 3, "wrap": True},
                            ],
                        },
                        {
                            "type": "box",
                            "layout": "baseline",
                            "contents": [
                                {"type": "icon", "url": "data:,"},
                                {"type": "text", "text": "c", "flex": 0},
                            ],
                        },
                    ],
                },
                "footer": {
                    "type": "box",
                    "layout": "vertical",
                    "contents": [
                        {
                            "type": "button",
                            "style": "primary",
                            "height": "sm",
                            "action": {"type": "postback", "label": "P", "data": "p=1"},
                        },
                        {
                            "type": "button",
                            "style": "secondary",
                            "color": "#00FF00",
                            "action": {"type": "message", "label": "S", "text": "s"},
                        },
                        {
                            "type": "button",
                            "style": "link",
                            "action": {"type": "uri", "label": "Call", "uri": "tel:062527333"},
                        },
                    ],
                },
                "styles": {"footer": {"separator": True, "separatorColor": "#0000FF"}},
            },
            {"type": "bubble", "body": {"type": "box", "layout": "vertical", "contents": []}},
        ],
    },
}


def test_flex_renderer_follows_lines_layout_rules(page, app_url):
    """flex.js draws boxes, texts, buttons, separators and images the way LINE sizes them."""
    page.goto(app_url + "/gallery")
    found = page.evaluate(
        """(message) => {
            const root = window.LineMessages.render(message, () => {});
            document.body.appendChild(root);
            const css = (node) => getComputedStyle(node);
            const bubble = root.querySelector(".lm-bubble");
            const [title, a, b, c] = root.querySelectorAll(".lm-text");
            const [horizontal, baseline] = root.querySelectorAll(".lm-box .lm-box");
            const buttons = [...root.querySelectorAll(".lm-button-control")];
            return {
                bubbles: root.querySelectorAll(".lm-bubble").length,
                width: bubble.style.width,
                titleSize: css(title).fontSize,
                titleWeight: css(title.firstChild).fontWeight,
                titleColor: css(title.firstChild).color,
                titleAlign: css(title.firstChild).textAlign,
                horizontal: css(horizontal).flexDirection,
                horizontalMargin: css(horizontal).marginTop,
                flexA: css(a).flexGrow, flexB: css(b).flexGrow,
                wrapB: css(b.firstChild).whiteSpace, wrapA: css(a.firstChild).whiteSpace,
                separator: css(root.querySelector(".lm-separator")).borderLeftColor,
                baseline: css(baseline).alignItems,
                heroRatio: root.querySelector(".lm-image-sizer").style.paddingBottom,
                buttons: buttons.map((x) => [x.tagName, css(x).backgroundColor, css(x).color,
                                             css(x).height]),
                tel: buttons[2].getAttribute("href"),
                footerLine: css(root.querySelector(".lm-footer")).borderTopColor,
            };
        }""",
        SPECIMEN,
    )
    assert found["bubbles"] == 2 and found["width"] == "260px"
    assert found["titleSize"] == "22px" and found["titleWeight"] == "700"
    assert found["titleColor"] == "rgb(18, 52, 86)" and found["titleAlign"] == "center"
    assert found["horizontal"] == "row" and found["horizontalMargin"] == "20px"
    assert (found["flexA"], found["flexB"]) == ("1", "3")
    assert (found["wrapA"], found["wrapB"]) == ("nowrap", "pre-wrap")
    assert found["separator"] == "rgb(255, 0, 0)"
    assert found["baseline"] == "baseline"
    assert found["heroRatio"] == "50%"
    assert found["buttons"] == [
        ["BUTTON", "rgb(23, 201, 80)", "rgb(255, 255, 255)", "40px"],
        ["BUTTON", "rgb(0, 255, 0)", "rgb(17, 17, 17)", "52px"],
        ["A", "rgba(0, 0, 0, 0)", "rgb(66, 101, 154)", "52px"],
    ]
    assert found["tel"] == "tel:062527333"
    assert found["footerLine"] == "rgb(0, 0, 255)"
