"""Insights count what happened as it happened (daily_stats), survive `inbox prune`, show as
SVG charts without personal data, and download as CSV; the counting function is public."""

from __future__ import annotations

import csv
import datetime as dt
import io

from sqlalchemy import select

from linebot_app.console.models import DailyStat
from linebot_app.console.stats import count_stat
from tests.support.console_client import ConsoleClient, add_account
from tests.support.consultation_chat import STAFF_GROUP, STAFF_MEMBER, Chat, start_bot

PATIENT = "U" + "c" * 32


def counts(running) -> dict[tuple[str, str], int]:
    with running.bot.db.session() as session:
        return {(s.metric, s.key): s.count for s in session.scalars(select(DailyStat))}


def test_a_days_events_are_counted_and_shown_without_personal_data(runner):
    running = start_bot(runner)
    patient = Chat(running, PATIENT)
    patient.say("外泌體有副作用嗎")
    patient.say("今天天氣很好")
    patient.tap("action=book")
    patient.tap_label("外泌體療程")
    patient.pick_time("2026-12-04T15:00")
    patient.say("王小明 0912345678")
    patient.tap_label("同意")
    patient.tap_label("確認送出")
    card = running.platform.wait_for_deliveries(1, chat_id=STAFF_GROUP)[0].messages
    running.clock.advance(minutes=42)
    group = Chat(running, STAFF_MEMBER, group_id=STAFF_GROUP)
    group.tap_label("已聯繫", messages=card)
    group.pick_time("2026-12-04T16:30", messages=card)
    Chat(running, "U" + "e" * 32).tap("action=human")
    with running.bot.db.session() as session:  # the other developer's clarifying questions
        count_stat(session, "clarify", at=running.clock.now(), tz=running.bot.clinic.tz)

    found = counts(running)
    assert found[("question", "")] == 2 and found[("fallback", "")] == 1
    assert found[("topic", "side_effects")] == 1
    assert found[("booking_started", "")] == 1 and found[("booking_submitted", "")] == 1
    assert found[("request_contacted", "")] == 1 and found[("request_confirmed", "")] == 1
    assert found[("handoff_started", "button")] == 1 and found[("clarify", "")] == 1

    runner_cli = running.app.test_cli_runner()
    assert runner_cli.invoke(args=["inbox", "prune", "--days", "0"]).exit_code == 0
    assert counts(running) == found  # history outlives the inbox

    add_account(running.bot, "doc@clinic.example", "physician")
    console = ConsoleClient(running.url)
    console.login("doc@clinic.example")
    page = console.page("/console/insights")
    assert page.count("<svg") == 4 and "預約流程" in page
    assert "50%" in page  # one question of two fell back
    assert "42 分鐘" in page  # median from request to 已聯繫
    assert "王小明" not in page and "0912" not in page
    assert console.page("/console/insights?by=week").count("<svg") == 4
    export = console.get("/console/insights.csv")
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert {"day": "2026-12-03", "metric": "fallback", "key": "", "count": "1"} in rows


def test_counts_are_per_clinic_day(runner):
    running = start_bot(runner)
    tz = running.bot.clinic.tz
    late = dt.datetime(2026, 12, 3, 15, 59, tzinfo=dt.UTC)  # 23:59 in Taipei
    with running.bot.db.session() as session:
        count_stat(session, "fallback", at=late, tz=tz)
        count_stat(session, "fallback", at=late + dt.timedelta(minutes=2), tz=tz)
        count_stat(session, "fallback", at=late + dt.timedelta(minutes=3), tz=tz, n=2)
    with running.bot.db.session() as session:
        days = {s.day.isoformat(): s.count for s in session.scalars(select(DailyStat))}
    assert days == {"2026-12-03": 1, "2026-12-04": 3}
