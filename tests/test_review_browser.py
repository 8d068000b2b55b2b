"""Card review in Debian's Chromium (Playwright), against the real app with
CONTENT_REVIEW_REQUIRED=1: a patient gets the holding reply, a physician opens the card as LINE
draws it (flex.js under the console's CSP), signs it off, the next patient gets the card; a
YAML change then shows "changed since review" with the diff. No JS errors or CSP violations.

Screenshots go to test-artifacts/review/.
"""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect

from tests.conftest import PROJECT_ROOT
from tests.support.console_client import add_account
from tests.support.consultation_chat import Chat, start_bot, texts
from tests.test_console_browser import Screen
from tests.test_review import DESK, DOCTOR, HELD, QUESTION

pytestmark = pytest.mark.browser


def test_a_physician_signs_off_a_card_seen_as_line_shows_it(runner, browser, tmp_path):
    replies = tmp_path / "replies"
    shutil.copytree(PROJECT_ROOT / "replies", replies)
    running = start_bot(runner, content_review_required=True, replies_dir=replies)
    add_account(running.bot, DOCTOR, "physician", "陳醫師")
    add_account(running.bot, DESK, "staff", "櫃台小美")
    assert HELD in texts(Chat(running, running.platform.new_user_id()).say(QUESTION))

    desk = Screen(browser, "review-staff", 1366, 900)
    desk.login(running.url, DESK)
    desk.page.goto(running.url + "/console/review/side_effects")
    expect(
        desk.page.locator("#flex-preview .lm-bubble, #flex-preview [class*=lm-]").first
    ).to_be_visible()
    expect(desk.page.locator("#decide")).to_have_count(0)
    desk.close()

    doctor = Screen(browser, "review", 1366, 900)
    page = doctor.page
    doctor.login(running.url, DOCTOR)
    page.click("nav >> text=卡片審閱")
    expect(page.locator("#review-cards tr[data-topic=side_effects]")).to_contain_text("等待審閱")
    doctor.shot("list")
    page.click("#review-cards >> text=side_effects")
    expect(page.locator("#flex-preview")).to_have_attribute("data-rendered", "true")
    card = running.bot.replies.topics["side_effects"]
    expect(page.locator("#flex-preview")).to_contain_text(card.title)
    expect(page.locator("#flex-preview")).to_contain_text("預約諮詢")
    expect(page.locator("#risk-statement")).to_have_text(card.risk_statement)
    expect(page.locator("#banned-result")).to_contain_text("沒有禁用字詞")
    doctor.shot("card")
    page.click("button:has-text('簽核這個版本')")
    expect(page.locator(".flash-ok[role=status]")).to_contain_text("已簽核")
    expect(page.locator("#review-state")).to_have_text("已由醫師審閱")
    expect(page.locator("#review-history")).to_contain_text("陳醫師")
    doctor.shot("signed-off")
    answer = Chat(running, running.platform.new_user_id()).say(QUESTION)
    assert HELD not in texts(answer) and card.title in texts(answer)
    runner.stop(running)

    path = replies / "side_effects.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("副作用的報告相對較少", "副作用的報告不多", 1), encoding="utf-8")
    again = start_bot(runner, content_review_required=True, replies_dir=replies)
    # Same database and SECRET_KEY: the physician's session outlives the restart.
    page.goto(again.url + "/console/review/side_effects")
    expect(page.locator("#changed-since-review")).to_contain_text("changed since review")
    expect(page.locator("#diff del")).to_contain_text(["相對較少"])
    expect(page.locator("#diff ins")).to_contain_text(["不多"])
    doctor.shot("changed-since-review")
    doctor.close()


def test_staff_drafts_a_faq_card_and_it_goes_live_once_signed_off(runner, browser):
    from tests.test_review_faq import ASK, FAQ

    running = start_bot(runner, content_review_required=True)
    add_account(running.bot, DOCTOR, "physician", "陳醫師")
    add_account(running.bot, DESK, "staff", "櫃台小美")
    desk = Screen(browser, "faq-staff", 1366, 900)
    page = desk.page
    desk.login(running.url, DESK)
    page.click("nav >> text=卡片審閱")
    page.click("text=新增 FAQ 卡片")
    for field in ("name", "title", "label", "source_section"):
        page.fill(f"input[name={field}]", FAQ[field])
    for field in ("summary", "points", "risk_statement", "keywords", "examples"):
        page.fill(f"textarea[name={field}]", FAQ[field])
    page.fill("textarea[name=keywords]", FAQ["keywords"] + "\n副作用")
    page.click("button:has-text('儲存並預覽')")
    expect(page.locator("#faq-problems")).to_contain_text("claimed by both side_effects")
    desk.shot("lint")
    page.fill("textarea[name=keywords]", FAQ["keywords"])
    page.click("button:has-text('儲存並預覽')")
    expect(page.locator("#flex-preview")).to_have_attribute("data-rendered", "true")
    expect(page.locator("#flex-preview")).to_contain_text(FAQ["title"])
    expect(page.locator("#review-state")).to_have_text("等待審閱")
    desk.shot("preview")
    desk.close()
    assert FAQ["title"] not in texts(Chat(running, running.platform.new_user_id()).say(ASK))

    doctor = Screen(browser, "faq-physician", 375, 812)
    doctor.login(running.url, DOCTOR)
    doctor.page.goto(running.url + "/console/review/faq_downtime")
    expect(doctor.page.locator("#flex-preview")).to_contain_text(FAQ["title"])
    assert doctor.page.evaluate("document.documentElement.scrollWidth") <= 375
    doctor.page.click("button:has-text('簽核這個版本')")
    expect(doctor.page.locator("#review-state")).to_have_text("已由醫師審閱")
    doctor.shot("signed-off-phone")
    doctor.close()
    assert FAQ["title"] in texts(Chat(running, running.platform.new_user_id()).say(ASK))


def test_staff_teach_the_bot_on_the_unanswered_page(runner, browser):
    from tests.test_teaching import AGAIN, ASKED

    running = start_bot(runner)
    add_account(running.bot, DESK, "staff", "櫃台小美")
    title = running.bot.replies.topics["side_effects"].title
    assert title not in texts(Chat(running, running.platform.new_user_id()).say(ASKED))

    desk = Screen(browser, "unanswered", 1366, 900)
    page = desk.page
    desk.login(running.url, DESK)
    page.click("nav >> text=未回答")
    group = page.locator("#groups .group").filter(has_text=ASKED)
    expect(group).to_contain_text("1 次")
    group.locator("select[name=topic]").select_option("side_effects")
    desk.shot("before")
    group.locator("button:has-text('加為範例')").click()
    expect(page.locator(".flash-ok[role=status]")).to_contain_text("10 秒內所有程序都會生效")
    expect(page.locator("#taught .taught-text")).to_have_text([ASKED])
    expect(page.locator("#groups")).not_to_contain_text(ASKED)
    assert title in texts(Chat(running, running.platform.new_user_id()).say(AGAIN))

    page.locator("#accuracy button").click()
    expect(page.locator("#accuracy-table tr[data-set=unseen] .accuracy-now")).to_contain_text("%")
    desk.shot("accuracy")
    page.locator("#taught button:has-text('移除')").click()
    expect(page.locator(".flash-ok[role=status]")).to_contain_text("已移除")
    assert title not in texts(Chat(running, running.platform.new_user_id()).say(AGAIN))
    desk.close()
