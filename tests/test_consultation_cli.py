"""Staff and scheduler commands: requests list/export/history, send-reminders (once each)."""

from __future__ import annotations

import csv
import io

from tests.support.consultation_chat import (
    STAFF_GROUP,
    STAFF_MEMBER,
    Chat,
    actions_in,
    start_bot,
    texts,
)

PATIENT = "U" + "3" * 32


def book(chat: Chat, when: str, name: str = "王小明") -> list[dict]:
    """Book, and return the staff card of the new request."""
    before = len(chat.platform.delivered(STAFF_GROUP))
    chat.tap("action=book")
    chat.tap_label("外泌體療程")
    chat.pick_time(when)
    chat.say(f"{name} 0912345678")
    chat.tap_label("同意")
    chat.tap_label("確認送出")
    return chat.platform.wait_for_deliveries(before + 1, chat_id=STAFF_GROUP)[before].messages


def confirm(running, card: list[dict], when: str) -> None:
    picker = next(a for a in actions_in(card) if a["type"] == "datetimepicker")
    Chat(running, STAFF_MEMBER, group_id=STAFF_GROUP).tap(picker["data"], {"datetime": when})


def reminders(running) -> list:
    return [
        d
        for d in running.platform.delivered(PATIENT)
        if d.via == "push" and "提醒您" in texts(d.messages)
    ]


def test_reminders_go_once_for_tomorrows_confirmed_consultations(runner):
    running = start_bot(runner)
    patient = Chat(running, PATIENT)
    tomorrow = book(patient, "2026-12-04T15:00")
    later = book(patient, "2026-12-05T11:00", "王大明")
    book(patient, "2026-12-04T16:00", "王三明")  # never confirmed: no reminder
    confirm(running, tomorrow, "2026-12-04T15:30")
    confirm(running, later, "2026-12-05T11:00")
    cli = running.app.test_cli_runner()

    result = cli.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "1 sent of 1 due" in result.output
    [reminder] = reminders(running)
    assert "明天 12/4（週五）15:30" in texts(reminder.messages)
    assert "retry" in str(running.platform.requests(path="/v2/bot/message/push")[-1].headers)

    assert "0 sent of 0 due" in cli.invoke(args=["send-reminders"]).output
    running.clock.advance(days=1)
    assert "1 sent of 1 due" in cli.invoke(args=["send-reminders"]).output
    assert len(reminders(running)) == 2
    assert "0 sent of 0 due" in cli.invoke(args=["send-reminders"]).output


def test_export_writes_csv_with_a_bom_that_excel_reads_as_chinese(runner, tmp_path):
    running = start_bot(runner)
    patient = Chat(running, PATIENT)
    card = book(patient, "2026-12-04T15:00")
    confirm(running, card, "2026-12-04T15:30")
    path = tmp_path / "requests.csv"
    cli = running.app.test_cli_runner()
    result = cli.invoke(args=["requests", "export", "--since", "2026-12-01", "--output", str(path)])
    assert result.exit_code == 0, result.output
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 1
    row = rows[0]
    assert (row["id"], row["status"], row["service"]) == ("1", "已確認", "外泌體療程")
    assert (row["name"], row["phone"]) == ("王小明", "0912 345 678")
    assert row["preferred_time"] == "2026-12-04 15:00"
    assert row["confirmed_time"] == "2026-12-04 15:30"
    assert row["created"] == "2026-12-03 10:30"

    result = cli.invoke(args=["requests", "export", "--since", "2026-12-04", "--output", "-"])
    assert result.exit_code == 0
    assert len(list(csv.reader(io.StringIO(result.stdout_bytes.decode("utf-8-sig"))))) == 1


def test_list_and_history_show_requests_and_who_changed_them(runner):
    running = start_bot(runner)
    patient = Chat(running, PATIENT)
    card = book(patient, "2026-12-04T15:00")
    confirm(running, card, "2026-12-04T15:30")
    cli = running.app.test_cli_runner()
    listing = cli.invoke(args=["requests", "list", "--status", "confirmed"])
    assert listing.exit_code == 0
    assert "王小明" in listing.output and "已確認" in listing.output
    assert "王小明" not in cli.invoke(args=["requests", "list", "--status", "open"]).output
    history = cli.invoke(args=["requests", "history", "1"]).output.splitlines()
    assert "- → open\tpatient" in history[0]
    assert f"open → confirmed\tstaff {STAFF_MEMBER} {STAFF_GROUP}" in history[1]
    assert cli.invoke(args=["requests", "history", "7"]).exit_code != 0
