"""Accounts from the command line (`flask --app linebot_app staff ...`), the sandbox's demo
accounts, and the calendar feed's URL and content."""

from __future__ import annotations

import logging

import requests
from icalendar import Calendar
from sqlalchemy import select

from linebot_app import create_app
from linebot_app.console.demo import DEMO_PASSWORD
from linebot_app.console.models import AuditEntry, StaffAccount
from linebot_app.settings import load_settings
from tests.support.console_client import PASSWORD, ConsoleClient, csrf_token
from tests.support.consultation_chat import STAFF_GROUP, STAFF_MEMBER, Chat, start_bot

EMAIL = "desk@clinic.example"
PATIENT = "U" + "c" * 32


def staff(running, *args: str, password: str | None = PASSWORD, input: str | None = None):
    env = {"STAFF_PASSWORD": password} if password is not None else {}
    cli = running.app.test_cli_runner()
    return cli.invoke(args=["staff", *args], env=env, input=input)


def test_staff_add_takes_the_password_from_staff_password_or_asks_twice(runner):
    running = start_bot(runner)
    added = staff(running, "add", EMAIL, "--role", "staff", "--name", "櫃台小美")
    assert added.exit_code == 0, added.output
    assert f"created {EMAIL} (staff)" in added.output
    asked = staff(
        running,
        "add",
        "doc@clinic.example",
        "--role",
        "physician",
        password=None,
        input="a long enough password\na long enough password\n",
    )
    assert asked.exit_code == 0, asked.output
    with running.bot.db.session() as session:
        account = session.scalar(select(StaffAccount).where(StaffAccount.email == EMAIL))
        assert account.password_hash.startswith("$argon2")
        assert PASSWORD not in account.password_hash
    assert ConsoleClient(running.url).login("doc@clinic.example", "a long enough password")
    listed = staff(running, "list")
    assert EMAIL in listed.output and "physician" in listed.output


def test_weak_passwords_unknown_roles_and_duplicates_are_refused(runner):
    running = start_bot(runner)
    short = staff(running, "add", EMAIL, "--role", "staff", password="short")
    assert short.exit_code != 0 and "至少需要 12" in short.output
    assert staff(running, "add", EMAIL, "--role", "root").exit_code != 0
    assert staff(running, "add", EMAIL, "--role", "staff").exit_code == 0
    again = staff(running, "add", EMAIL.upper(), "--role", "staff")
    assert again.exit_code != 0 and "已經有帳號" in again.output


def test_disable_and_reset_password_end_open_sessions(runner):
    running = start_bot(runner)
    staff(running, "add", EMAIL, "--role", "staff")
    browser = ConsoleClient(running.url)
    assert browser.login(EMAIL).status_code == 302
    assert browser.get("/console/today").status_code == 200
    assert staff(running, "reset-password", EMAIL, password="another long password").exit_code == 0
    assert browser.get("/console/today").status_code == 302  # logged out by the reset
    assert ConsoleClient(running.url).login(EMAIL).status_code == 401
    assert ConsoleClient(running.url).login(EMAIL, "another long password").status_code == 302
    assert staff(running, "disable", EMAIL).exit_code == 0
    assert ConsoleClient(running.url).login(EMAIL, "another long password").status_code == 401
    with running.bot.db.session() as session:
        actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert {"account.create", "account.reset_password", "account.disable"} <= set(actions)


def test_calendar_url_and_feed_carry_confirmed_consultations_without_phones(runner):
    running = start_bot(runner)
    patient = Chat(running, PATIENT)
    patient.tap("action=book")
    patient.tap_label("外泌體療程")
    patient.pick_time("2026-12-04T15:00")
    patient.say("王小明 0912345678")
    patient.tap_label("同意")
    patient.tap_label("確認送出")
    staff_card = running.platform.wait_for_deliveries(1, chat_id=STAFF_GROUP)[0].messages
    group = Chat(running, STAFF_MEMBER, group_id=STAFF_GROUP)
    group.pick_time("2026-12-04T16:30", messages=staff_card)

    printed = staff(running, "calendar-url", "--base-url", running.url).output.strip()
    assert printed.startswith(running.url + "/console/calendar/") and printed.endswith(".ics")
    assert staff(running, "calendar-url", "--base-url", running.url).output.strip() == printed
    feed = requests.get(printed, timeout=5)
    assert feed.status_code == 200 and feed.headers["Content-Type"].startswith("text/calendar")
    [event] = Calendar.from_ical(feed.content).walk("VEVENT")
    assert "#1" in str(event["SUMMARY"]) and "外泌體療程" in str(event["SUMMARY"])
    assert "王小明" in str(event["SUMMARY"])
    assert event.decoded("DTSTART").isoformat() == "2026-12-04T08:30:00+00:00"
    assert "0912" not in feed.text and "912345678" not in feed.text
    renewed = staff(running, "calendar-url", "--regenerate", "--base-url", running.url)
    assert renewed.output.strip() != printed
    assert requests.get(printed, timeout=5).status_code == 404
    assert requests.get(renewed.output.strip(), timeout=5).status_code == 200


def test_the_sandbox_creates_a_demo_account_and_prints_it(database_url, caplog):
    settings = load_settings({"PORT": "8765", "DATABASE_URL": database_url})
    assert settings.console_demo_account
    with caplog.at_level(logging.INFO):
        app = create_app(settings)
    assert "console: staff console at http://127.0.0.1:8765/console/" in caplog.text
    assert "demo@sandbox.local" in caplog.text
    client = app.test_client()
    token = csrf_token(client.get("/console/login").text)
    form = {"csrf_token": token, "email": "demo@sandbox.local", "password": DEMO_PASSWORD}
    assert client.post("/console/login", data=form).status_code == 302
    app.extensions["bot"].db.dispose()


def test_real_credentials_never_get_a_demo_account(database_url):
    settings = load_settings(
        {
            "LINE_CHANNEL_SECRET": "0123456789abcdef0123456789abcdef",
            "LINE_CHANNEL_ACCESS_TOKEN": "token",
            "LINE_STAFF_GROUP_ID": "C" + "1" * 32,
            "SECRET_KEY": "k" * 64,
            "SANDBOX": "1",
            "DATABASE_URL": database_url,
        }
    )
    assert not settings.console_demo_account
    app = create_app(settings)
    with app.extensions["bot"].db.session() as session:
        assert session.scalars(select(StaffAccount)).all() == []
    app.extensions["bot"].db.dispose()
