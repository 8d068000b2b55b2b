"""The dispatcher's shape: middleware in one chain, listeners with several matchers, a start-up
check that refuses listeners that can never fire; one loader for every YAML file; LINE never
called inside a transaction."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from linebot_app import StartupRefused, create_app
from linebot_app.dispatch import (
    Dispatcher,
    UnreachableListeners,
    event_type,
    one_to_one,
    postback_action,
    text_message,
)
from linebot_app.line.client import LineCallInsideTransaction, LineClient
from linebot_app.settings import Settings
from linebot_app.storage.db import Database
from tests.support.consultation_chat import Chat, start_bot, texts

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PATIENT = "U" + "b" * 32


def nothing(ctx):
    return []


# --- the order check -------------------------------------------------------------------------
def test_a_listener_shadowed_by_an_earlier_one_is_refused_at_start_up():
    dispatcher = Dispatcher()
    dispatcher.add("booking.start", nothing, postback_action("book"))
    dispatcher.add("topics.book", nothing, postback_action("book"))  # can never fire
    dispatcher.add("topics.question", nothing, one_to_one, text_message)
    dispatcher.add("placeholder", nothing, text_message)  # groups: still reachable
    with pytest.raises(UnreachableListeners) as refused:
        dispatcher.check()
    assert refused.value.problems == [
        "listener topics.book can never fire: booking.start is registered before it and "
        "matches everything it matches"
    ]


def test_a_broader_listener_after_a_narrower_one_is_fine_but_not_the_reverse():
    dispatcher = Dispatcher()
    dispatcher.add("topics.greeting", nothing, event_type("follow"))
    dispatcher.add("welcome", nothing, event_type("follow"), one_to_one)
    with pytest.raises(UnreachableListeners, match="welcome can never fire"):
        dispatcher.check()


def test_a_listener_needs_a_matcher_and_a_unique_name():
    dispatcher = Dispatcher()
    with pytest.raises(ValueError, match="at least one matcher"):
        dispatcher.add("everything", nothing)
    dispatcher.add("x", nothing, text_message)
    with pytest.raises(ValueError, match="twice"):
        dispatcher.add("x", nothing, text_message)


def sandbox_settings(tmp_path: Path, **overrides) -> Settings:
    return Settings(
        channel_secret="0" * 32,
        channel_access_token="t",
        database_url=f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        **overrides,
    )


def test_the_app_has_no_dead_listeners_and_prints_its_order(tmp_path):
    app = create_app(sandbox_settings(tmp_path))
    dispatcher = app.extensions["bot"].dispatcher
    dispatcher.check()
    names = [listener.name for listener in dispatcher.listeners]
    assert not {"topics.book", "topics.human", "welcome"} & set(names)
    result = app.test_cli_runner().invoke(args=["listeners"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:3] == [
        "middleware 1. staff_group_is_silent",
        "middleware 2. urgent_words",
        "middleware 3. silence_while_handed_over",
    ]
    assert "listener 1. staff.action: postback.action=staff" in lines
    assert any(
        line.endswith("booking.conversation: one_to_one & message=text & in_conversation=booking")
        for line in lines
    )


# --- one loader for every YAML file ------------------------------------------------------------
@pytest.fixture
def content_copy(tmp_path) -> tuple[Path, Path]:
    config = tmp_path / "config"
    replies = tmp_path / "replies"
    shutil.copytree(PROJECT_ROOT / "config", config)
    shutil.copytree(PROJECT_ROOT / "replies", replies)
    return config, replies


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_typo_in_consultation_yaml_is_listed_with_the_other_problems(
    tmp_path, content_copy, capsys
):
    config, replies = content_copy
    edit(config / "consultation.yaml", "lead_time_minutes:", "lead_time_minutez:")
    edit(config / "clinic.yaml", "timezone: Asia/Taipei", "timezone: Asia/Taipie")
    with pytest.raises(StartupRefused) as refused:
        create_app(sandbox_settings(tmp_path, config_dir=config, replies_dir=replies))
    problems = "\n".join(refused.value.problems)
    assert "consultation.yaml: lead_time_minutez" in problems
    assert "consultation.yaml: lead_time_minutes: Field required" in problems
    assert "clinic.yaml: timezone" in problems
    printed = capsys.readouterr().err
    assert "The bot cannot start" in printed and "Traceback" not in printed


def test_banned_wording_is_refused_in_every_sentence_a_patient_reads(tmp_path, content_copy):
    config, replies = content_copy
    edit(config / "consultation.yaml", "handoff_started: ", "handoff_started: 保證滿意。")
    edit(config / "messages.yaml", "您好,我們已收到", "您好,我們是最專業的,已收到")
    with pytest.raises(StartupRefused) as refused:
        create_app(sandbox_settings(tmp_path, config_dir=config, replies_dir=replies))
    problems = refused.value.problems
    assert any(
        p.startswith("config/consultation.yaml: texts.handoff_started: banned wording '保證'")
        for p in problems
    ), problems
    assert any(
        p.startswith("config/messages.yaml: placeholder_reply: banned wording '最'")
        for p in problems
    ), problems


# --- LINE is never called inside a transaction ---------------------------------------------
def test_the_line_client_refuses_to_call_inside_a_transaction(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    line = LineClient(
        Settings(
            channel_secret="0" * 32, channel_access_token="t", api_base_url="http://127.0.0.1:9"
        )
    )
    with database.session(), pytest.raises(LineCallInsideTransaction):
        line.get_profile(PATIENT)
    with database.session(), pytest.raises(LineCallInsideTransaction):
        line.push(PATIENT, [{"type": "text", "text": "hi"}])
    database.dispose()


class WriteLockProbe:
    """Another connection that keeps taking SQLite's write lock with a short timeout: it fails
    whenever the bot holds the lock longer than that."""

    def __init__(self, path: str, timeout: float):
        self.path, self.timeout = path, timeout
        self.attempts = self.refusals = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        connection = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        while not self._stop.is_set():
            self.attempts += 1
            try:
                connection.execute("BEGIN IMMEDIATE")
                connection.execute("ROLLBACK")
            except sqlite3.OperationalError:
                self.refusals += 1
            time.sleep(0.02)
        connection.close()

    def __enter__(self) -> WriteLockProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_slow_line_never_holds_the_write_lock_on_booking_and_hand_over(runner, database_url):
    running = start_bot(runner)
    running.platform.set_profile(PATIENT, "小明")
    chat = Chat(running, PATIENT)
    chat.tap("action=book")
    chat.tap_label("外泌體療程")
    chat.pick_time("2026-12-04T14:30")
    chat.say("王小明")
    chat.say("0912-345-678")
    review = chat.tap_label("同意")
    running.platform.add_latency(0.8)  # every LINE call now takes 0.8 s
    with WriteLockProbe(database_url.removeprefix("sqlite:///"), timeout=0.4) as probe:
        done = chat.tap_label("確認送出", messages=review)  # needs the LINE name: not stored yet
        assert "#1" in texts(done)
        assert "已通知" in texts(chat.say("我要找真人"))
    assert probe.attempts > 10 and probe.refusals == 0
    [card] = running.platform.delivered(running.bot.settings.staff_group_id)[0].messages
    assert "小明" in texts([card])  # the LINE name made it to the staff card
