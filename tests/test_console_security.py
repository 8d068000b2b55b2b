"""The console's security battery over HTTP: no anonymous access, roles, CSRF, the durable
lockout, cookie flags, headers, the calendar token, and no personal data in the log."""

from __future__ import annotations

import logging
import re

import pytest
import requests

from linebot_app.console.accounts import LOCKOUT_FAILURES
from linebot_app.console.blueprint import PUBLIC_ENDPOINTS
from tests.support.console_client import PASSWORD, ConsoleClient, add_account
from tests.support.consultation_chat import STAFF_GROUP, Chat, start_bot

PATIENT = "U" + "c" * 32
STAFF, ADMIN, PHYSICIAN = "staff@clinic.example", "admin@clinic.example", "doc@clinic.example"
ADMIN_PAGES = ["/console/accounts", "/console/audit"]
PATIENT_PAGES = [
    "/console/today",
    "/console/requests",
    "/console/requests/1",
    "/console/handoffs",
    "/console/patients",
    "/console/patients/r1",
    "/console/patients/r1/delete",
    "/console/insights",
    "/console/insights.csv",
]


def console_urls(app) -> list[tuple[str, str]]:
    """Every console URL with sample values, and its method: the battery follows the app."""
    samples = {"request_id": "1", "handoff_id": "1", "account_id": "1", "ref": "r1"}
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/console") or rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        path = rule.rule
        for name in rule.arguments:
            value = samples.get(name, "contacted" if name == "op" else "x")
            path = re.sub(rf"<(?:\w+:)?{name}>", value, path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, path))
    return found


def book(running) -> None:
    patient = Chat(running, PATIENT)
    patient.tap("action=book")
    patient.tap_label("外泌體療程")
    patient.pick_time("2026-12-04T15:00")
    patient.say("王小明 0912345678")
    patient.tap_label("同意")
    patient.tap_label("確認送出")
    running.platform.wait_for_deliveries(1, chat_id=STAFF_GROUP)


@pytest.fixture
def running(runner):
    running = start_bot(runner)
    for email, role in ((STAFF, "staff"), (ADMIN, "admin"), (PHYSICIAN, "physician")):
        add_account(running.bot, email, role)
    return running


def logged_in(running, email: str) -> ConsoleClient:
    client = ConsoleClient(running.url)
    assert client.login(email).status_code == 302
    return client


def test_every_console_url_refuses_anonymous_access(running):
    urls = console_urls(running.app)
    assert len(urls) >= 20
    for method, path in urls:
        response = requests.request(method, running.url + path, allow_redirects=False, timeout=5)
        if method == "GET":
            assert response.status_code == 302, path
            assert response.headers["Location"].startswith("/console/login"), path
        else:
            assert response.status_code == 401, (method, path)


def test_roles_see_only_their_pages(running):
    book(running)
    staff, admin, doctor = (logged_in(running, e) for e in (STAFF, ADMIN, PHYSICIAN))
    for path in ADMIN_PAGES:
        assert staff.get(path).status_code == 403
        assert doctor.get(path).status_code == 403
        assert admin.get(path).status_code == 200
    for path in PATIENT_PAGES:
        assert admin.get(path).status_code == 403, path
        assert staff.get(path).status_code == 200, path
        assert doctor.get(path).status_code == 200, path
    assert staff.post("/console/accounts", {"email": "x@y.z", "role": "admin"}).status_code == 403
    assert staff.post("/console/calendar/regenerate").status_code == 403
    assert "王小明" not in admin.get("/console/").text + admin.page("/console/audit")
    assert "/console/requests" not in admin.page("/console/accounts")  # no link to patient data
    assert "/console/accounts" not in staff.page("/console/today")


def test_a_post_without_the_csrf_token_is_refused(running):
    book(running)
    staff = logged_in(running, STAFF)
    refused = staff.post("/console/requests/1/contacted", csrf=False)
    assert refused.status_code == 400
    forged = staff.post("/console/requests/1/contacted", {"csrf_token": "forged"}, csrf=False)
    assert forged.status_code == 400
    assert "待聯繫" in staff.page("/console/requests/1")
    anonymous_login = requests.post(
        running.url + "/console/login", data={"email": STAFF, "password": PASSWORD}, timeout=5
    )
    assert anonymous_login.status_code == 400  # the login form has its token too


def test_repeated_failures_lock_the_account_and_the_ip_out(running):
    client = ConsoleClient(running.url)
    for _ in range(LOCKOUT_FAILURES):
        assert client.login(STAFF, "wrong password!").status_code == 401
    assert client.login(STAFF).status_code == 429  # even the right password, for a while
    other = ConsoleClient(running.url)
    assert other.login(PHYSICIAN).status_code == 429  # the same IP
    running.clock.advance(minutes=16)
    assert client.login(STAFF).status_code == 302
    from sqlalchemy import select

    from linebot_app.console.models import AuditEntry

    with running.bot.db.session() as session:
        actions = list(session.scalars(select(AuditEntry.action)))
    assert actions.count("login.failed") == LOCKOUT_FAILURES
    assert "login.locked_out" in actions and "login" in actions


def test_session_cookie_flags_and_secure_behind_https(running):
    add_account(running.bot, "https@clinic.example", "staff")
    plain = ConsoleClient(running.url)
    plain.get("/console/login")
    response = plain.post("/console/login", {"email": STAFF, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # plain HTTP on 127.0.0.1
    behind_router = ConsoleClient(running.url)
    behind_router.http.headers["X-Forwarded-Proto"] = "https"
    host = running.url.removeprefix("http://")
    behind_router.http.headers["Referer"] = f"https://{host}/console/login"  # as a browser
    assert "Secure" in behind_router.get("/console/login").headers["Set-Cookie"]
    for kept in behind_router.http.cookies:  # the test talks plain HTTP to the app itself
        kept.secure = False
    response = behind_router.post("/console/login", {"email": STAFF, "password": PASSWORD})
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"]
    assert "Expires=" in cookie  # 8-hour idle timeout
    assert running.app.permanent_session_lifetime.total_seconds() == 8 * 3600


def test_security_headers_on_every_console_page(running):
    book(running)
    staff = logged_in(running, STAFF)
    for path in ["/console/login", *PATIENT_PAGES]:
        headers = staff.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
        assert "unsafe-inline" not in csp and "http" not in csp
        assert headers["Cache-Control"] == "no-store", path
        assert headers["X-Frame-Options"] == "DENY"
    assert "<script>" not in staff.page("/console/today")  # no inline scripts anywhere
    assert " style=" not in staff.page("/console/insights")


def test_logout_and_disabled_accounts_end_the_session(running):
    staff = logged_in(running, STAFF)
    staff.page("/console/today")
    assert staff.post("/console/logout").status_code == 302
    assert staff.get("/console/today").status_code == 302
    staff = logged_in(running, STAFF)
    admin = logged_in(running, ADMIN)
    admin.page("/console/accounts")
    assert admin.post("/console/accounts/1/disable").status_code == 302
    assert staff.get("/console/today").status_code == 302  # the open session stops at once
    assert ConsoleClient(running.url).login(STAFF).status_code == 401


def test_calendar_feed_needs_its_current_token(running):
    assert requests.get(running.url + "/console/calendar/.ics", timeout=5).status_code == 404
    assert requests.get(running.url + "/console/calendar/guess.ics", timeout=5).status_code == 404
    admin = logged_in(running, ADMIN)
    admin.page("/console/accounts")
    admin.post("/console/calendar/regenerate")
    old = re.search(r"/console/calendar/([\w-]+)\.ics", admin.page("/console/accounts")).group(1)
    assert len(old) >= 40
    assert requests.get(f"{running.url}/console/calendar/{old}.ics", timeout=5).status_code == 200
    admin.post("/console/calendar/regenerate")
    new = re.search(r"/console/calendar/([\w-]+)\.ics", admin.page("/console/accounts")).group(1)
    assert new != old
    assert requests.get(f"{running.url}/console/calendar/{old}.ics", timeout=5).status_code == 404
    assert requests.get(f"{running.url}/console/calendar/{new}.ics", timeout=5).status_code == 200


def test_personal_data_never_reaches_the_log(running, caplog):
    with caplog.at_level(logging.DEBUG):
        book(running)
        staff = logged_in(running, STAFF)
        staff.post("/console/requests/1/phone")
        staff.post("/console/requests/1/contacted")
        staff.post("/console/requests/1/confirm", {"when": "2026-12-04T16:30"})
        staff.post("/console/requests", {"q": "王小明"})
        staff.post("/console/patients", {"q": "0912345678"})
        staff.post("/console/requests/export.csv")
        staff.get("/console/patients/r1")
        ConsoleClient(running.url).login(STAFF, "wrong password!")
        staff.post("/console/patients/r1/delete", {"confirm": "yes"})
        running.wait_idle()
    fake_line_access = ("/v2/bot/", "/v2/bot/profile")  # the fake LINE server's own log
    log = "\n".join(
        r.getMessage()
        for r in caplog.records
        if not (r.name == "werkzeug" and any(p in r.getMessage() for p in fake_line_access))
    )
    assert "/console/" in log  # the console's access log is there, and checked
    for secret in ("王小明", "0912345678", "912345678", "0912 345 678", PASSWORD, PATIENT):
        assert secret not in log, secret


def test_a_session_idle_for_8_hours_is_logged_out(running, monkeypatch):
    staff = logged_in(running, STAFF)
    assert staff.get("/console/today").status_code == 200
    import itsdangerous.timed

    signed_at = itsdangerous.timed.TimestampSigner.get_timestamp
    monkeypatch.setattr(
        itsdangerous.timed.TimestampSigner,
        "get_timestamp",
        lambda self: signed_at(self) + 8 * 3600 + 60,  # the clock the cookie is checked with
    )
    assert staff.get("/console/today").status_code == 302
