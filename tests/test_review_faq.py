"""FAQ cards written in the console: linted like replies/, previewed, live (routable by their
keywords, on every worker) only once a physician signs them off, exported to replies/ YAML."""

from __future__ import annotations

import datetime as dt
import shutil

from linebot_app.content.cards import load_replies
from linebot_app.content.render import render_topic
from linebot_app.review.models import CardReview, Decision
from linebot_app.review.state import rendered_card
from tests.conftest import PROJECT_ROOT
from tests.support.console_client import ConsoleClient, add_account
from tests.support.consultation_chat import Chat, start_bot, texts
from tests.test_review import DESK, DOCTOR, content, sign_off_in_console

FAQ = {
    "name": "faq_downtime",
    "kind": "medical",
    "title": "療程後的恢復期",
    "label": "恢復期",
    "summary": "恢復期因人而異，多數人當天即可回到日常作息；詳細情形請由醫師評估。",
    "points": "化妝｜建議依醫師指示，通常隔天再上妝。\n運動｜前幾天避免劇烈運動與三溫暖。",
    "risk_statement": "少數人可能出現暫時的紅腫或瘀青；您的情況請由醫師當面評估。",
    "source_section": "本院醫師說明",
    "keywords": "術後保養\n停機期\n多久可以化妝\naftercare",
    "examples": "打完多久可以上班\n隔天可以化妝嗎",
}
ASK = "請問打完多久可以化妝"


def staff_saves(running, form: dict, topic: str | None = None):
    desk = ConsoleClient(running.url)
    assert desk.login(DESK).status_code == 302
    path = f"/console/faq/{topic}/edit" if topic else "/console/faq/new"
    desk.page(path)
    return desk.post(path, form), desk


def test_a_console_faq_card_is_sent_only_after_a_physician_signs_it_off(runner):
    # Even with CONTENT_REVIEW_REQUIRED off: a card the clinic wrote always needs the sign-off.
    running = start_bot(runner)
    add_account(running.bot, DESK, "staff", "櫃台小美")
    add_account(running.bot, DOCTOR, "physician", "陳醫師")
    saved, desk = staff_saves(running, FAQ)
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/review/faq_downtime")
    page = desk.page("/console/review/faq_downtime")
    assert "療程後的恢復期" in page and "打完多久可以上班" in page and "沒有禁用字詞" in page
    assert "等待審閱" in desk.page("/console/review")
    assert "療程後的恢復期" not in texts(Chat(running, running.platform.new_user_id()).say(ASK))

    signed, _ = sign_off_in_console(running, DOCTOR, "faq_downtime")
    assert signed.status_code == 302
    answer = Chat(running, running.platform.new_user_id()).say(ASK)
    assert "療程後的恢復期" in texts(answer) and "化妝" in texts(answer)
    tapped = Chat(running, running.platform.new_user_id()).tap("action=topic&topic=faq_downtime")
    assert tapped == answer
    # Its examples answer too (no keyword in this one): the nearest-example stage.
    example = texts(Chat(running, running.platform.new_user_id()).say("隔天可以化妝嗎？"))
    assert "療程後的恢復期" in example

    edited = dict(FAQ, summary=FAQ["summary"].replace("多數人", "大部分的人"))
    assert staff_saves(running, edited, "faq_downtime")[0].status_code == 302
    assert "療程後的恢復期" not in texts(Chat(running, running.platform.new_user_id()).say(ASK))
    assert "審閱後已修改" in desk.page("/console/review")
    assert "<del>多數</del><ins>大部分的</ins>" in desk.page("/console/review/faq_downtime")


def test_faq_cards_are_linted_like_the_yaml_topics(runner):
    running = start_bot(runner)
    add_account(running.bot, DESK, "staff", "櫃台小美")
    claimed, desk = staff_saves(running, dict(FAQ, keywords="恢復期\n副作用"))
    assert claimed.status_code == 422
    assert "keyword &#39;副作用&#39; is claimed by both side_effects" in claimed.text
    banned = desk.post("/console/faq/new", dict(FAQ, summary="保證當天恢復，零風險。"))
    assert banned.status_code == 422
    assert "banned wording &#39;保證&#39;" in banned.text
    no_risk = desk.post("/console/faq/new", dict(FAQ, risk_statement=""))
    assert no_risk.status_code == 422 and "risk_statement" in no_risk.text
    too_big = desk.post("/console/faq/new", dict(FAQ, summary="長" * 11000))  # > 30 KB bubble
    assert too_big.status_code == 422 and "max 30 KB" in too_big.text
    bad_name = desk.post("/console/faq/new", dict(FAQ, name="side_effects"))
    assert bad_name.status_code == 422 and "faq_" in bad_name.text
    assert "faq_downtime" not in desk.page("/console/review")


def test_a_signoff_from_another_process_reaches_this_one_within_seconds(runner):
    running = start_bot(runner)
    add_account(running.bot, DESK, "staff", "櫃台小美")
    staff_saves(running, FAQ)
    live = running.bot.live_cards
    ticks = [1000.0]
    live._monotonic = lambda: ticks[0]
    live.invalidate()
    assert "療程後的恢復期" not in texts(Chat(running, running.platform.new_user_id()).say(ASK))
    with running.bot.db.session() as session:  # as `content review` in another process would
        card = rendered_card("faq_downtime", live.review_library(session), running.bot.clinic)
        session.add(
            CardReview(
                topic="faq_downtime",
                content_hash=card.content_hash,
                decision=Decision.SIGNED_OFF,
                reviewer_email=DOCTOR,
                reviewer_name="陳醫師",
                at=dt.datetime.now(dt.UTC),
                snapshot=card.text,
            )
        )
    ticks[0] += live.ttl / 2
    assert "療程後的恢復期" not in texts(Chat(running, running.platform.new_user_id()).say(ASK))
    ticks[0] += live.ttl
    assert "療程後的恢復期" in texts(Chat(running, running.platform.new_user_id()).say(ASK))


def test_export_writes_yaml_that_loads_and_renders_identically(runner, tmp_path):
    running = start_bot(runner)
    add_account(running.bot, DESK, "staff", "櫃台小美")
    add_account(running.bot, DOCTOR, "physician", "陳醫師")
    staff_saves(running, FAQ)
    assert content(running, "review", "faq_downtime", "--by", DOCTOR).exit_code == 0
    replies = tmp_path / "replies"
    shutil.copytree(PROJECT_ROOT / "replies", replies)
    exported = content(running, "export", "--dir", str(replies))
    assert exported.exit_code == 0, exported.output
    assert "1 FAQ card(s) exported" in exported.output
    written = (replies / "faq_downtime.yaml").read_text(encoding="utf-8")
    assert "reviewed_by: doctor@clinic.example" in written and "打完多久可以上班" in written
    loaded = load_replies(replies, PROJECT_ROOT / "config")
    with running.bot.db.session() as session:
        library = running.bot.live_cards.review_library(session)
    clinic = running.bot.clinic
    assert render_topic("faq_downtime", loaded, clinic) == render_topic(
        "faq_downtime", library, clinic
    )
    assert loaded.route_topics(ASK) == ["faq_downtime"]
    # Deployed: the YAML file is the card now, and the physician's sign-off still holds.
    runner.stop(running)
    again = start_bot(runner, content_review_required=True, replies_dir=replies)
    assert "療程後的恢復期" in texts(Chat(again, again.platform.new_user_id()).say(ASK))
    assert "faq_downtime  medical  signed off by doctor" in content(again, "status").output


def test_a_console_card_does_not_claim_the_article_as_its_source(runner):
    running = start_bot(runner)
    add_account(running.bot, DESK, "staff", "櫃台小美")
    staff_saves(running, FAQ)
    with running.bot.db.session() as session:
        library = running.bot.live_cards.review_library(session)
    faq = texts(render_topic("faq_downtime", library, running.bot.clinic))
    assert "資料來源：本院醫師說明（本院撰寫）" in faq and "外泌體有副作用嗎" not in faq
    article = texts(render_topic("side_effects", library, running.bot.clinic))
    assert "資料來源：本院衛教文章〈外泌體有副作用嗎？〉" in article


def test_a_live_console_card_can_be_taken_down(runner):
    running = start_bot(runner)
    add_account(running.bot, DESK, "staff", "櫃台小美")
    add_account(running.bot, DOCTOR, "physician", "陳醫師")
    _, desk = staff_saves(running, FAQ)
    sign_off_in_console(running, DOCTOR, "faq_downtime")
    assert "療程後的恢復期" in texts(Chat(running, running.platform.new_user_id()).say(ASK))
    desk.page("/console/review/faq_downtime")
    assert desk.post("/console/faq/faq_downtime/delete").status_code == 302
    assert "療程後的恢復期" not in texts(Chat(running, running.platform.new_user_id()).say(ASK))
    assert 'data-topic="faq_downtime"' not in desk.page("/console/review")
    assert desk.post("/console/faq/faq_downtime/delete").status_code == 404
    with running.bot.db.session() as session:
        assert session.query(CardReview).filter_by(topic="faq_downtime").count() == 1
