"""Physician review end to end (CONTENT_REVIEW_REQUIRED=1): signed webhooks in, what reaches the
fake LINE server out; sign-offs in the console (as a browser posts them) and from the CLI."""

from __future__ import annotations

import re
import shutil

from prometheus_client import REGISTRY
from sqlalchemy import select

from linebot_app.console.models import AuditEntry, DailyStat, StaffAccount
from linebot_app.content.render import render_topics
from tests.conftest import PROJECT_ROOT
from tests.support.console_client import ConsoleClient, add_account
from tests.support.consultation_chat import Chat, start_bot, texts

DOCTOR, DESK = "doctor@clinic.example", "desk@clinic.example"
QUESTION = "外泌體有副作用嗎"
HELD = "這個主題的說明正在由醫師審閱"
_HASH = re.compile(r'name="content_hash" value="([0-9a-f]{64})"')


def held_count(topic: str) -> float:
    return REGISTRY.get_sample_value("linebot_review_held_total", {"topic": topic}) or 0.0


def content(running, *args: str):
    return running.app.test_cli_runner().invoke(args=["content", *args])


def sign_off_in_console(running, email: str, topic: str):
    """Open the card's review page and press 簽核 (with the hash of what the page showed)."""
    browser = ConsoleClient(running.url)
    assert browser.login(email).status_code == 302
    page = browser.page(f"/console/review/{topic}")
    seen = _HASH.search(page)
    data = {"content_hash": seen.group(1) if seen else ""}
    return browser.post(f"/console/review/{topic}/signoff", data), browser


def test_a_medical_card_waits_for_the_physician_and_then_reaches_the_next_patient(runner):
    running = start_bot(runner, content_review_required=True)
    add_account(running.bot, DOCTOR, "physician", "陳醫師")
    add_account(running.bot, DESK, "staff", "櫃台小美")
    library, clinic = running.bot.replies, running.bot.clinic
    before = held_count("side_effects")

    first = Chat(running, running.platform.new_user_id()).say(QUESTION)
    assert HELD in texts(first) and clinic.phone in texts(first)
    assert "預約諮詢" in texts(first) and clinic.phone_uri in texts(first)
    assert library.topics["side_effects"].title not in texts(first)
    # Not medical: never gated. A carousel keeps its other cards; a topic button is gated too.
    price = Chat(running, running.platform.new_user_id()).say("請問多少錢")
    assert price == render_topics(["price"], library, clinic)
    mixed = Chat(running, running.platform.new_user_id())
    answer = mixed.tap("action=topic&topic=side_effects,price")
    assert answer[0] == render_topics(["price"], library, clinic)[0]
    assert HELD in texts(answer[1:])
    assert held_count("side_effects") == before + 2
    with running.bot.db.session() as session:
        counted = session.scalar(
            select(DailyStat.count).where(
                DailyStat.metric == "review_held", DailyStat.key == "side_effects"
            )
        )
    assert counted == 2

    refused, desk = sign_off_in_console(running, DESK, "side_effects")
    assert refused.status_code == 403
    assert "簽核這個版本" not in desk.page("/console/review/side_effects")
    assert HELD in texts(Chat(running, running.platform.new_user_id()).say(QUESTION))

    signed, doctor = sign_off_in_console(running, DOCTOR, "side_effects")
    assert signed.status_code == 302
    page = doctor.page("/console/review/side_effects")
    assert "已由醫師審閱" in page and "陳醫師" in page
    nxt = Chat(running, running.platform.new_user_id()).say(QUESTION)
    assert nxt == render_topics(["side_effects"], library, clinic)
    status = content(running, "status")
    assert re.search(
        rf"side_effects\s+medical\s+signed off by {DOCTOR} on 2026-12-03", status.output
    )
    assert re.search(r"safety\s+medical\s+waiting: not yet reviewed", status.output)
    assert re.search(r"price\s+service\s+waiting: not yet reviewed", status.output)
    with running.bot.db.session() as session:
        audit = list(session.scalars(select(AuditEntry).where(AuditEntry.action.like("content.%"))))
    assert [(a.action, a.actor, a.target) for a in audit] == [
        ("content.signoff", DOCTOR, "card:side_effects")
    ]


def test_a_yaml_change_voids_the_signoff_and_shows_what_changed(runner, tmp_path):
    replies = tmp_path / "replies"
    shutil.copytree(PROJECT_ROOT / "replies", replies)
    running = start_bot(runner, content_review_required=True, replies_dir=replies)
    add_account(running.bot, DOCTOR, "physician", "陳醫師")
    signed = content(running, "review", "side_effects", "--by", DOCTOR)
    assert signed.exit_code == 0, signed.output
    assert "signed off side_effects" in signed.output
    assert HELD not in texts(Chat(running, running.platform.new_user_id()).say(QUESTION))
    runner.stop(running)

    card = replies / "side_effects.yaml"
    text = card.read_text(encoding="utf-8")
    card.write_text(text.replace("副作用的報告相對較少", "副作用的報告不多", 1), encoding="utf-8")
    again = start_bot(runner, content_review_required=True, replies_dir=replies)
    assert HELD in texts(Chat(again, again.platform.new_user_id()).say(QUESTION))
    assert re.search(
        r"side_effects\s+medical\s+changed since review", content(again, "status").output
    )
    doctor = ConsoleClient(again.url)
    doctor.login(DOCTOR)
    page = doctor.page("/console/review/side_effects")
    assert "changed since review" in page and 'id="diff"' in page
    assert "<del>相對較少</del><ins>不多</ins>" in page.replace("\n", "")
    assert "審閱後已修改" in doctor.page("/console/review")


def test_only_an_active_physician_signs_off_from_the_cli(runner):
    running = start_bot(runner, content_review_required=True)
    add_account(running.bot, DESK, "staff", "櫃台小美")
    add_account(running.bot, DOCTOR, "physician", "陳醫師")
    staff = content(running, "review", "side_effects", "--by", DESK)
    assert staff.exit_code != 0
    assert "refused: desk@clinic.example is a staff account: only a physician" in staff.output
    unknown = content(running, "review", "side_effects", "--by", "nobody@clinic.example")
    assert unknown.exit_code != 0 and "no console account" in unknown.output
    with running.bot.db.session() as session:
        session.scalar(select(StaffAccount).where(StaffAccount.email == DOCTOR)).is_active = False
    disabled = content(running, "review", "side_effects", "--by", DOCTOR)
    assert disabled.exit_code != 0 and "disabled" in disabled.output
    assert content(running, "review", "no_such_card", "--by", DESK).exit_code != 0
    assert HELD in texts(Chat(running, running.platform.new_user_id()).say(QUESTION))


def test_a_physician_sends_a_card_back_with_a_comment(runner):
    running = start_bot(runner, content_review_required=True)
    add_account(running.bot, DOCTOR, "physician", "陳醫師")
    doctor = ConsoleClient(running.url)
    doctor.login(DOCTOR)
    page = doctor.page("/console/review/safety")
    seen = _HASH.search(page).group(1)
    empty = doctor.post("/console/review/safety/send_back", {"content_hash": seen, "comment": ""})
    assert "請寫下需要修改的地方" in doctor.page("/console/review/safety")
    assert empty.status_code == 302
    stale = doctor.post("/console/review/safety/signoff", {"content_hash": "0" * 64})
    assert stale.status_code == 302
    assert "已被修改" in doctor.page("/console/review/safety")
    back = doctor.post(
        "/console/review/safety/send_back", {"content_hash": seen, "comment": "風險說明再具體一點"}
    )
    assert back.status_code == 302
    assert "退回：風險說明再具體一點" in doctor.page("/console/review/safety")
    status = content(running, "status").output
    assert re.search(rf"safety\s+medical\s+sent back by {DOCTOR} on .*風險說明再具體一點", status)
    assert HELD in texts(Chat(running, running.platform.new_user_id()).say("外泌體安全嗎"))


def test_check_content_lists_the_review_state_from_the_database(runner):
    running = start_bot(runner, content_review_required=True)
    add_account(running.bot, DOCTOR, "physician", "陳醫師")
    assert content(running, "review", "safety", "--by", DOCTOR).exit_code == 0
    with running.app.app_context():  # a plain click command (the flask CLI pushes one itself)
        checked = running.app.test_cli_runner().invoke(args=["check-content"])
    assert "replies/side_effects.yaml: review: waiting: not yet reviewed" in checked.output
    assert "replies/safety.yaml" not in checked.output
    assert "content OK" in checked.output
