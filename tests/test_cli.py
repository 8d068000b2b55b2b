"""Command-line tools as staff run them: `flask --app linebot_app ...` in a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import PROJECT_ROOT


def flask(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "SANDBOX"))}
    environment.update(env)
    command = [str(Path(sys.executable).parent / "flask"), "--app", "linebot_app", *args]
    return subprocess.run(
        command, cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_check_content_passes_on_the_shipped_content_and_lists_unreviewed_cards(tmp_path):
    result = flask("check-content", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert result.returncode == 0, result.stderr
    assert "content OK" in result.stdout
    assert "not yet reviewed" in result.stdout


def test_broken_content_stops_the_app_and_check_content_with_file_and_field(tmp_path):
    replies = tmp_path / "replies"
    shutil.copytree(PROJECT_ROOT / "replies", replies)
    card = replies / "safety.yaml"
    card.write_text(
        card.read_text(encoding="utf-8").replace("title:", "titel:", 1), encoding="utf-8"
    )
    result = flask(
        "check-content",
        REPLIES_DIR=str(replies),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    assert result.returncode == 2
    assert f"{card}: title: Field required" in result.stderr
    assert "Traceback" not in result.stderr


def test_banned_wording_fails_the_check(tmp_path):
    replies = tmp_path / "replies"
    shutil.copytree(PROJECT_ROOT / "replies", replies)
    card = replies / "side_effects.yaml"
    text = card.read_text(encoding="utf-8")
    card.write_text(text.replace("summary: ", "summary: 保證零風險。", 1), encoding="utf-8")
    result = flask(
        "check-content",
        REPLIES_DIR=str(replies),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    assert result.returncode == 2
    assert "side_effects.yaml" in result.stderr and "保證" in result.stderr


def test_invalid_settings_are_listed_one_per_line(tmp_path):
    result = flask("check-content", LINE_CHANNEL_SECRET="short", LINE_STAFF_GROUP_ID="nope")
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("- ")]
    assert any(line.startswith("- LINE_CHANNEL_ACCESS_TOKEN: missing") for line in lines)
    assert any(line.startswith("- LINE_CHANNEL_SECRET: expected 32") for line in lines)
    assert any(line.startswith("- LINE_STAFF_GROUP_ID:") for line in lines)


def test_unmatched_lists_what_patients_asked_masked(running, tmp_path):
    url = running.bot.settings.database_url
    user = running.platform.new_user_id()
    for text in ("有沒有推薦的保養品", "有沒有推薦的保養品？", "我電話0912345678可以打給我嗎"):
        running.send(running.platform.text_event(user, text))
    running.platform.wait_for_deliveries(3, chat_id=user)
    running.wait_idle()
    result = flask("unmatched", DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[0] == "2" and "保養品" in lines[0]
    assert "0912345678" not in result.stdout


def test_inbox_prune_deletes_handled_events_and_keeps_waiting_ones(runner):
    from linebot_app.storage.models import InboxEvent

    running = runner.start()
    user = running.platform.new_user_id()
    running.send(running.platform.text_event(user, "你好"))
    running.platform.wait_for_deliveries(1, chat_id=user)
    running.wait_idle()
    runner.stop(running)
    idle = runner.start(worker=False)  # its events stay pending
    idle.send(idle.platform.text_event(user, "還在等"))

    cli = idle.app.test_cli_runner()
    result = cli.invoke(args=["inbox", "prune", "--days", "0"])
    assert result.exit_code == 0, result.output
    assert "deleted 1 handled event(s)" in result.output
    with idle.bot.db.session() as session:
        assert [row.status for row in session.query(InboxEvent)] == ["pending"]
    assert "pending" in cli.invoke(args=["inbox", "status"]).output
