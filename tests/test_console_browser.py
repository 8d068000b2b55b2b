"""The console in Debian's Chromium (Playwright), against the real app: a patient books
through the signed webhook, and a receptionist logs in, marks the request 已聯繫, confirms a
time (the patient's 我的預約 shows it), resumes a handed-over patient, deletes a patient's
data, opens insights with its charts and fetches the calendar feed; on a desktop and a phone.

Screenshots go to test-artifacts/console/; Today and Insights also to docs/ for the README.
"""

from __future__ import annotations

import re
import shutil

import pytest
import requests
from playwright.sync_api import expect

from linebot_app.console.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from tests.conftest import PROJECT_ROOT
from tests.support.console_client import PASSWORD, add_account
from tests.support.consultation_chat import STAFF_GROUP, Chat, start_bot, texts
from tests.test_sandbox_browser import app_url  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "console"
DOCS = PROJECT_ROOT / "docs"
TIMEOUT_MS = 15_000
PATIENT, WAITING = "U" + "c" * 32, "U" + "e" * 32
DESK, ADMIN = "desk@clinic.example", "admin@clinic.example"


class Screen:
    """One browser context (desktop or phone) with numbered screenshots; fails the test on any
    JavaScript error or CSP violation."""

    def __init__(self, browser, name: str, width: int, height: int):
        self.context = browser.new_context(
            viewport={"width": width, "height": height}, locale="zh-TW", timezone_id="Asia/Taipei"
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.name, self.count, self.problems = name, 0, []
        self.page.on("pageerror", lambda error: self.problems.append(str(error)))
        self.page.on(
            "console",
            lambda m: self.problems.append(m.text) if "Content Security Policy" in m.text else None,
        )
        self.page.on("dialog", lambda dialog: dialog.accept())  # data-confirm dialogs
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def shot(self, what: str, full_page: bool = True):
        self.count += 1
        path = ARTIFACTS / f"{self.name}-{self.count:02d}-{what}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def login(self, url: str, email: str) -> None:
        self.page.goto(url + "/console/")
        expect(self.page.locator("h1")).to_have_text("診所人員登入")
        self.page.fill("input[name=email]", email)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("button[type=submit]")

    def close(self) -> None:
        self.context.close()
        assert self.problems == [], self.problems


def patient_books(running) -> Chat:
    patient = Chat(running, PATIENT)
    patient.say("外泌體有副作用嗎")
    patient.say("今天天氣很好")
    patient.tap("action=book")
    patient.tap_label("外泌體療程")
    patient.pick_time("2026-12-04T15:00")
    patient.say("王小明 0912345678")
    patient.tap_label("同意")
    patient.tap_label("確認送出")
    running.platform.wait_for_deliveries(1, chat_id=STAFF_GROUP)
    return patient


def test_receptionist_works_the_day_in_the_console(runner, browser, database_url):
    running = start_bot(runner)
    add_account(running.bot, DESK, "staff", "櫃台小美")
    add_account(running.bot, ADMIN, "admin", "管理員")
    Chat(running, WAITING).tap("action=human")
    running.clock.advance(minutes=25)
    patient = patient_books(running)
    url = running.url
    desk = Screen(browser, "desktop", 1366, 900)
    page = desk.page

    desk.login(url, DESK)
    expect(page.locator("h1")).to_have_text("今天")
    expect(page.locator("#new")).to_contain_text("王小明")
    expect(page.locator("#new")).to_contain_text("0912 ••• 678")
    expect(page.locator("#handoffs")).to_contain_text("已等待 25 分鐘")
    desk.shot("today")
    if "sqlite" in database_url:
        shutil.copy(desk.shot("today-for-docs", full_page=False), DOCS / "console-today.png")

    page.click("#new >> text=#1")
    expect(page.locator("h1")).to_contain_text("預約 #1")
    page.click("button:has-text('顯示電話')")
    expect(page.locator("a.phone")).to_have_text("0912 345 678")
    page.click("button:has-text('已聯繫')")
    expect(page.locator(".flash-ok")).to_contain_text("#1 已標記為「已聯繫」")
    page.fill("input[name=when]", "2026-12-04T16:30")
    page.click("button:has-text('確認時段')")
    expect(page.locator(".flash-ok")).to_contain_text("已確認：12/4（週五）16:30")
    expect(page.locator(".history")).to_contain_text("櫃台小美（管理介面）")
    desk.shot("request-confirmed")
    running.platform.wait_for(
        lambda: [d for d in running.platform.delivered(PATIENT) if d.via == "push"]
    )
    assert "12/4（週五）16:30" in texts(patient.say("我的預約"))

    page.click("nav >> text=真人客服")
    page.click("button:has-text('恢復自動回覆')")
    expect(page.locator(".flash-ok")).to_contain_text("已恢復這位病患的自動回覆")
    desk.shot("handoff-resumed")
    assert Chat(running, WAITING).say("外泌體有副作用嗎") != []

    admin = Screen(browser, "admin", 1366, 900)
    admin.login(url, ADMIN)
    admin.page.click("button:has-text('產生網址')")
    feed_url = admin.page.locator("code.feed-url").inner_text()
    admin.shot("calendar-url")
    feed = requests.get(feed_url, timeout=5)
    assert feed.status_code == 200 and "#1 外泌體療程：王小明" in feed.text
    assert "0912" not in feed.text
    admin.page.click("nav >> text=稽核紀錄")
    expect(admin.page.locator("table")).to_contain_text("phone.view")
    admin.shot("audit")
    admin.close()

    page.click("nav >> text=病患")
    page.fill("input[name=q]", "王小明")
    page.click("button:has-text('搜尋')")
    page.click("a:has-text('王小明')")
    page.click("text=刪除個人資料…")
    expect(page.locator("h1")).to_have_text("刪除個人資料：確認")
    desk.shot("delete-confirm")
    page.check("input[name=confirm]")
    page.click("button:has-text('確認刪除')")
    expect(page.locator(".flash-ok")).to_contain_text("已刪除這位病患的個人資料")
    assert "王小明" not in requests.get(feed_url, timeout=5).text

    page.click("nav >> text=數據")
    expect(page.locator("svg.chart")).to_have_count(4)
    expect(page.locator(".tiles")).to_contain_text("33%")  # one of three questions fell back
    desk.shot("insights")
    if "sqlite" in database_url:
        shutil.copy(desk.shot("insights-for-docs", full_page=False), DOCS / "console-insights.png")
    page.click("button:has-text('登出')")
    expect(page.locator("h1")).to_have_text("診所人員登入")
    desk.close()

    phone = Screen(browser, "phone", 375, 812)
    phone.login(url, DESK)
    expect(phone.page.locator("h1")).to_have_text("今天")
    assert phone.page.evaluate("document.documentElement.scrollWidth") <= 375
    phone.page.click("button.menu-toggle")
    expect(phone.page.locator("nav >> text=數據")).to_be_visible()
    phone.shot("today-menu")
    phone.page.click("nav >> text=數據")
    assert phone.page.evaluate("document.documentElement.scrollWidth") <= 375
    phone.shot("insights")
    box = phone.page.locator("button.menu-toggle").bounding_box()
    assert box["height"] >= 44  # touch targets
    phone.close()
    assert re.search(r"/console/calendar/[\w-]{40,}\.ics$", feed_url)


def test_a_newcomer_opens_the_console_of_make_run_with_the_demo_account(browser, app_url):  # noqa: F811
    """`make run` without LINE credentials: the printed demo account logs in at once."""
    screen = Screen(browser, "make-run", 1366, 900)
    screen.page.goto(app_url + "/console/")
    screen.page.fill("input[name=email]", DEMO_ACCOUNTS[0][0])
    screen.page.fill("input[name=password]", DEMO_PASSWORD)
    screen.page.click("button[type=submit]")
    expect(screen.page.locator("h1")).to_have_text("今天")
    screen.shot("demo-today")
    screen.close()
