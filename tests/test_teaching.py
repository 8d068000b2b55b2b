"""Teaching the bot on the console's Unanswered page: unanswered questions grouped (masked) with
counts and clarifying taps; a message added as an example or keyword of a topic answers the
next patient (on another worker process within 10 s); conflicting keywords are refused with the
reason; everything is audited, removable and exported to replies/_taught.yaml."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
import yaml
from sqlalchemy import select

from linebot_app.console.audit import AuditEntry
from linebot_app.content.cards import TAUGHT_FILE, load_replies
from linebot_app.content.yaml_config import ConfigError
from linebot_app.review.teaching import TaughtPhrase, phrase_problems, with_taught
from linebot_app.understanding.examples import ExampleMemory, flat_idf
from linebot_app.understanding.normalise import normalise
from tests.conftest import PROJECT_ROOT
from tests.support.console_client import ConsoleClient, add_account
from tests.support.consultation_chat import Chat, start_bot, texts
from tests.test_processes import production_env
from tests.test_review import DESK, content

ASKED = "療程後可以泡溫泉嗎"  # no card answers it today: the fallback
AGAIN = "療程後可以泡溫泉嗎？？"  # the next patient, typed a little differently


def side_effects_title(running) -> str:
    return running.bot.replies.topics["side_effects"].title


def desk_console(running) -> ConsoleClient:
    add_account(running.bot, DESK, "staff", "櫃台小美")
    desk = ConsoleClient(running.url)
    assert desk.login(DESK).status_code == 302
    return desk


def teach(desk: ConsoleClient, kind: str, topic: str, text: str, message_id: str = ""):
    desk.page("/console/unanswered")
    form = {"kind": kind, "topic": topic, "text": text}
    if message_id:
        form["message_id"] = message_id
    return desk.post("/console/unanswered/teach", form)


def unmatched_id(page: str, sample: str) -> str:
    before = page.split(sample, 1)[0]
    return before.rsplit('data-message="', 1)[1].split('"', 1)[0]


def audit_actions(running) -> list[str]:
    with running.bot.db.session() as session:
        return [e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


# --- the page and one-click teaching, through the signed webhook ----------------------------
def test_a_message_taught_as_an_example_answers_the_next_patient(runner):
    running = start_bot(runner)
    title = side_effects_title(running)
    first = Chat(running, running.platform.new_user_id())
    assert title not in texts(first.say(ASKED))
    Chat(running, running.platform.new_user_id()).say("我電話 0912-345-678，" + ASKED)
    Chat(running, running.platform.new_user_id()).say(ASKED)

    desk = desk_console(running)
    home = desk.page("/console/today")
    assert '<span class="count">2</span>未回答的問題' in home  # two distinct texts
    page = desk.page("/console/unanswered")
    assert ASKED in page and "0912" not in page and "&lt;phone&gt;" in page
    assert "3 次" in page and "相似的 1 則" in page  # twice as such, once with a phone number

    message = unmatched_id(page, ASKED)
    taught = teach(desk, "example", "side_effects", ASKED, message)
    assert taught.status_code == 302
    answer = texts(Chat(running, running.platform.new_user_id()).say(AGAIN))
    assert title in answer
    page = desk.page("/console/unanswered")
    assert 'class="taught-text">療程後可以泡溫泉嗎<' in page
    assert f'data-message="{message}"' not in page  # resolved: no longer in the list
    assert audit_actions(running)[-1] == "teach.add"

    phrase = page.split('class="taught-text">療程後可以泡溫泉嗎<')[0].rsplit('data-phrase="', 1)[1]
    removed = desk.post(f"/console/taught/{phrase.split(chr(34))[0]}/remove")
    assert removed.status_code == 302
    assert title not in texts(Chat(running, running.platform.new_user_id()).say(AGAIN))
    assert audit_actions(running)[-1] == "teach.remove"


def test_a_taught_keyword_routes_and_a_conflicting_one_is_refused(runner):
    running = start_bot(runner)
    desk = desk_console(running)
    claimed = teach(desk, "keyword", "safety", "副作用")
    assert claimed.status_code == 422
    assert "claimed by both" in claimed.text and "side_effects" in claimed.text
    too_long = teach(
        desk, "keyword", "side_effects", ASKED + "，還有打完多久可以去三溫暖或是游泳池呢"
    )
    assert too_long.status_code == 422 and "a keyword is a short phrase" in too_long.text
    action = teach(desk, "example", "booking", "我想約這週六")
    assert action.status_code == 422 and "teach it keywords" in action.text
    assert "teach.add" not in audit_actions(running)

    assert teach(desk, "keyword", "side_effects", "泡溫泉").status_code == 302
    title = side_effects_title(running)
    assert title in texts(Chat(running, running.platform.new_user_id()).say("做完能泡溫泉嗎"))
    again = teach(desk, "keyword", "safety", "泡溫泉")  # now claimed by a taught keyword
    assert again.status_code == 422 and "claimed by both" in again.text


def test_dismissing_and_starting_a_faq_card_from_a_message(runner):
    running = start_bot(runner)
    Chat(running, running.platform.new_user_id()).say(ASKED)
    desk = desk_console(running)
    page = desk.page("/console/unanswered")
    message = unmatched_id(page, ASKED)
    faq = desk.page(f"/console/faq/new?example={ASKED}")
    assert f">{ASKED}</textarea>" in faq
    assert desk.post(f"/console/unanswered/{message}/dismiss").status_code == 302
    assert ASKED not in desk.page("/console/unanswered")
    assert audit_actions(running)[-1] == "unanswered.dismiss"
    assert desk.post("/console/unanswered/999999/dismiss").status_code == 404


# the classifier is unsure of these: it asks back
UNSURE = ("打了會怎樣", "打了之後呢", "請問療效", "療效呢")


def test_clarifying_taps_are_shown_with_what_patients_chose(runner):
    running = start_bot(runner)
    understanding = running.bot.services.understanding
    asked = next(
        (t for t in UNSURE if understanding.interpret(t, running.clock.now()).band == "clarify"),
        None,
    )
    assert asked, "one of these should get the clarifying question"
    chat = Chat(running, running.platform.new_user_id())
    question = chat.say(asked)
    quick = [i["action"] for m in question for i in m.get("quickReply", {}).get("items", [])]
    chat.tap(quick[0]["data"])
    page = desk_console(running).page("/console/unanswered")
    taps = page.split('id="taps"')[1].split('id="taught"')[0]
    assert asked in taps and "1 人選了「" in taps


def test_staff_roles_only_and_forms_need_csrf(runner):
    running = start_bot(runner)
    add_account(running.bot, "admin@clinic.example", "admin", "管理員")
    admin = ConsoleClient(running.url)
    assert admin.login("admin@clinic.example").status_code == 302
    assert admin.get("/console/unanswered").status_code == 403
    anonymous = ConsoleClient(running.url)
    assert anonymous.get("/console/unanswered").status_code == 302
    desk = desk_console(running)
    forged = desk.post(
        "/console/unanswered/teach",
        {"kind": "keyword", "topic": "side_effects", "text": "泡溫泉"},
        csrf=False,
    )
    assert forged.status_code == 400
    with running.bot.db.session() as session:
        assert session.scalars(select(TaughtPhrase)).all() == []


def test_accuracy_is_computed_on_demand_with_and_without_what_was_taught(runner):
    running = start_bot(runner)
    desk = desk_console(running)
    page = desk.page("/console/unanswered")
    assert 'id="accuracy-table"' not in page
    assert teach(desk, "keyword", "side_effects", "泡溫泉").status_code == 302
    shown = desk.post("/console/unanswered/accuracy")
    assert shown.status_code == 200
    table = shown.text.split('id="accuracy-table"')[1].split("</table>")[0]
    assert 'data-set="unseen"' in table and 'data-set="tuning"' in table
    assert "%" in table.split('data-set="unseen"')[1]
    assert "療程" not in table  # figures only, never a message


# --- export round trip --------------------------------------------------------------------
def test_export_writes_taught_yaml_that_loads_back_into_the_topics(runner, tmp_path):
    running = start_bot(runner)
    desk = desk_console(running)
    assert teach(desk, "example", "side_effects", ASKED).status_code == 302
    assert teach(desk, "keyword", "side_effects", "三溫暖").status_code == 302
    download = desk.get("/console/taught.yaml")
    assert download.status_code == 200
    assert yaml.safe_load(download.text) == {
        "side_effects": {"examples": [ASKED], "keywords": ["三溫暖"]}
    }
    replies = tmp_path / "replies"
    shutil.copytree(PROJECT_ROOT / "replies", replies)
    exported = content(running, "export", "--dir", str(replies))
    assert exported.exit_code == 0, exported.output
    assert "2 taught phrase(s) written" in exported.output
    loaded = load_replies(replies, PROJECT_ROOT / "config")
    assert ASKED in loaded.topics["side_effects"].examples
    assert loaded.route_topics("可以去三溫暖嗎") == ["side_effects"]

    runner.stop(running)
    with running.bot.db.session() as session:  # deployed: the file is the teaching now
        for row in session.scalars(select(TaughtPhrase)):
            session.delete(row)
    again = start_bot(runner, replies_dir=replies)
    title = side_effects_title(again)
    assert title in texts(Chat(again, again.platform.new_user_id()).say("可以去三溫暖嗎"))


def test_a_taught_file_naming_an_unknown_topic_is_refused_at_load(tmp_path):
    replies = tmp_path / "replies"
    shutil.copytree(PROJECT_ROOT / "replies", replies)
    (replies / TAUGHT_FILE).write_text("no_such_topic:\n  keywords: [溫泉]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_replies(replies, PROJECT_ROOT / "config")
    assert "no_such_topic: no such topic" in str(refused.value)
    (replies / TAUGHT_FILE).write_text("safety:\n  keywords: [副作用]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as clash:
        load_replies(replies, PROJECT_ROOT / "config")
    assert "claimed by both" in str(clash.value)


# --- another worker process -----------------------------------------------------------------
def test_an_example_taught_reaches_another_worker_process_within_ten_seconds(runner):
    console = runner.start(worker=False)  # serves the console and the webhook, handles nothing
    title = side_effects_title(console)
    env = production_env(runner.database_url, runner.fake_line.url, CONTENT_REVIEW_REQUIRED="0")
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.support.worker_process"],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert worker.stdout.readline().strip() == "ready"
        assert title not in texts(Chat(console, console.platform.new_user_id()).say(ASKED))
        desk = desk_console(console)
        assert teach(desk, "example", "side_effects", ASKED).status_code == 302
        taught_at = time.monotonic()
        while True:
            answer = texts(Chat(console, console.platform.new_user_id()).say(AGAIN))
            if title in answer:
                break
            assert time.monotonic() - taught_at < 10, "the other process should have it by now"
            time.sleep(0.5)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(20)


# --- units ----------------------------------------------------------------------------------
def test_nearest_example_similarity():
    memory = ExampleMemory([("side_effects", ASKED), ("price", "一次大概多少錢")], flat_idf)
    assert memory.nearest(normalise(AGAIN)).similarity == pytest.approx(1.0)
    assert memory.nearest(normalise(AGAIN)).topic == "side_effects"
    assert memory.nearest(normalise("今天天氣很好")) is None or (
        memory.nearest(normalise("今天天氣很好")).similarity < 0.3
    )
    assert ExampleMemory([("price", "🙂")], flat_idf).nearest("錢") is None


def test_phrases_that_no_longer_fit_are_left_out_and_reported():
    library = load_replies(PROJECT_ROOT / "replies", PROJECT_ROOT / "config")
    taught, skipped = with_taught(
        library,
        [
            ("keyword", "safety", "副作用"),  # a deployed YAML keyword of side_effects
            ("keyword", "gone_topic", "溫泉"),
            ("keyword", "side_effects", "泡溫泉"),
            ("example", "side_effects", ASKED),
        ],
    )
    assert len(skipped) == 2
    assert taught.route_topics("可以泡溫泉嗎") == ["side_effects"]
    assert ASKED in taught.topics["side_effects"].examples
    assert phrase_problems("example", "side_effects", ASKED, taught) == [
        f"範例「{ASKED}」already an example of side_effects"
    ]
    assert phrase_problems("keyword", "greeting", "嗨嗨", library) == [
        "topic 'greeting' cannot be taught"
    ]
    assert phrase_problems("keyword", "side_effects", "🙂", library)[0].endswith(
        "(only emoji or punctuation)"
    )
