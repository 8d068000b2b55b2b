"""訊息額度: staff see this month's pushes against the plan's limit, and a banner on every console
page when fewer than 10% remain or pushes were held back for the quota."""

from __future__ import annotations

import time

import pytest

from linebot_app.console.quota_status import reader
from tests.support.console_client import ConsoleClient, add_account
from tests.support.consultation_chat import Chat, start_bot, texts

STAFF = "desk@clinic.example"
BANNER = "quota-banner"


@pytest.fixture
def running(runner):
    running = start_bot(runner, quota_check_seconds=3600)
    add_account(running.bot, STAFF, "staff")
    reader._cached = None  # the page's cache is per process; each test starts afresh
    return running


def logged_in(running) -> ConsoleClient:
    client = ConsoleClient(running.url)
    assert client.login(STAFF).status_code == 302
    return client


def test_quota_page_shows_the_months_usage_and_no_banner_with_room(running):
    running.platform.set_message_quota(200, usage=37)
    client = logged_in(running)
    page = client.page("/console/quota")
    assert "37</strong> / 200" in page and "剩餘 163 則" in page
    assert BANNER not in page
    assert BANNER not in client.page("/console/today")


def test_banner_when_fewer_than_ten_percent_remain(running):
    running.platform.set_message_quota(200, usage=185)
    client = logged_in(running)
    today = client.page("/console/today")
    assert BANNER in today and "剩不到 10%" in today and "剩 15 則" in today


def test_banner_and_held_pushes_when_the_quota_is_used_up(running):
    running.platform.set_message_quota(5, usage=5)
    patient = Chat(running, "U" + "d" * 32)
    assert "已通知工作人員" in texts(patient.tap("action=human"))  # replies still work
    deadline = time.monotonic() + 10
    while not running.bot.quota.blocked:
        assert time.monotonic() < deadline, "the push was not held for the quota"
        time.sleep(0.05)
    client = logged_in(running)
    today = client.page("/console/today")
    assert BANNER in today and "部分推播已暫停" in today
    page = client.page("/console/quota")
    assert "因額度暫停的推播" in page and "推播 #1" in page


def test_quota_page_needs_a_login(running):
    response = ConsoleClient(running.url).get("/console/quota")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]
