"""A receptionist works a day's requests in the console: the request a patient just made in
LINE, 已聯繫, 確認時段 (the patient is told by push, 我的預約 shows it), 取消, notes, the masked
phone and its audited reveal, the CSV export; the LINE group buttons and the console are one
code path with one audit. Hand-overs resume, a patient's data is deleted, Today lists it all.
"""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from linebot_app.console.models import AuditEntry
from linebot_app.features.consultation.models import ConsultationRequest, HumanHandoff, StatusChange
from tests.support.console_client import ConsoleClient, add_account
from tests.support.consultation_chat import STAFF_GROUP, STAFF_MEMBER, Chat, start_bot, texts

PATIENT = "U" + "c" * 32
RECEPTIONIST = "desk@clinic.example"


def booked(running, name: str = "王小明 0912345678", user: str = PATIENT) -> tuple[Chat, list]:
    patient = Chat(running, user)
    patient.tap("action=book")
    patient.tap_label("外泌體療程")
    patient.pick_time("2026-12-04T15:00")
    patient.say(name)
    patient.tap_label("同意")
    patient.tap_label("確認送出")
    cards = running.platform.wait_for_deliveries(1, chat_id=STAFF_GROUP)
    return patient, cards[-1].messages


def console_for(running, role: str = "staff") -> ConsoleClient:
    add_account(running.bot, RECEPTIONIST, role, "櫃台小美")
    client = ConsoleClient(running.url)
    assert client.login(RECEPTIONIST).status_code == 302
    return client


def audit(running) -> list[AuditEntry]:
    with running.bot.db.session() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def the_request(running) -> ConsultationRequest:
    with running.bot.db.session() as session:
        return session.scalars(select(ConsultationRequest)).one()


def patient_pushes(running) -> list:
    return [d for d in running.platform.delivered(PATIENT) if d.via == "push"]


def test_receptionist_sees_the_new_request_marks_it_contacted_and_confirms_a_time(runner):
    running = start_bot(runner)
    patient, _ = booked(running)
    console = console_for(running)

    today = console.page("/console/today")
    assert "#1" in today and "王小明" in today and "0912 ••• 678" in today
    assert "0912 345 678" not in today  # phones are masked by default
    listing = console.post("/console/requests", {"status": "open", "q": "0912345678"}).text
    assert "#1" in listing
    assert "#1" not in console.post("/console/requests", {"q": "陳大文"}).text
    assert "#1" not in console.page("/console/requests?status=confirmed")

    assert console.post("/console/requests/1/contacted").status_code == 302
    page = console.page("/console/requests/1")
    assert "#1 已標記為「已聯繫」" in page and "櫃台小美（管理介面）" in page
    assert the_request(running).status == "contacted"

    refused = console.post("/console/requests/1/confirm", {"when": "2026-12-04T23:00"})
    assert refused.status_code == 400  # validated like the patient's own choice
    assert "23:00 不在看診時間內" in refused.text
    assert the_request(running).status == "contacted"

    confirmed = console.post("/console/requests/1/confirm", {"when": "2026-12-04T16:30"})
    assert confirmed.status_code == 302
    assert the_request(running).status == "confirmed"
    [push] = running.platform.wait_for(lambda: patient_pushes(running))
    assert "12/4（週五）16:30" in texts(push.messages)
    assert "12/4（週五）16:30" in texts(patient.say("我的預約"))  # 我的預約 shows the time

    with running.bot.db.session() as session:
        changes = list(session.scalars(select(StatusChange).order_by(StatusChange.id)))
    assert [(c.to_status, c.actor_kind, c.via) for c in changes[1:]] == [
        ("contacted", "staff", "console"),
        ("confirmed", "staff", "console"),
    ]
    actions = [(e.action, e.actor, e.target) for e in audit(running)]
    assert ("request.contacted", RECEPTIONIST, "request:1") in actions
    assert ("request.confirm", RECEPTIONIST, "request:1") in actions
    assert all(e.ip == "127.0.0.1" for e in audit(running))


def test_console_and_line_group_buttons_share_one_path_and_one_audit(runner):
    running = start_bot(runner)
    _, card = booked(running)
    staff = Chat(running, STAFF_MEMBER, group_id=STAFF_GROUP)
    staff.tap_label("已聯繫", messages=card)
    console = console_for(running)
    page = console.page("/console/requests/1")
    assert "LINE 群組" in page  # the group's press is in the console's history
    # the console now finds nothing to change, exactly as the group's button would say
    console.post("/console/requests/1/contacted")
    assert "沒有變更" in console.page("/console/requests/1")
    entries = [(e.action, e.actor.startswith("LINE U5"), e.ip) for e in audit(running)]
    assert ("request.contacted", True, STAFF_GROUP) in entries
    assert [e.action for e in audit(running)].count("request.contacted") == 1


def test_cancel_tells_the_patient_politely_and_notes_stay_in_the_history(runner):
    running = start_bot(runner)
    booked(running)
    console = console_for(running)
    console.post("/console/requests/1/note", {"note": "病患希望下午來電"})
    assert console.post("/console/requests/1/cancel").status_code == 302
    assert the_request(running).status == "cancelled"
    [push] = running.platform.wait_for(lambda: patient_pushes(running))
    assert "很抱歉" in texts(push.messages)
    page = console.page("/console/requests/1")
    assert "病患希望下午來電" in page and "已取消" in page
    assert {"request.note", "request.cancel"} <= {e.action for e in audit(running)}


def test_showing_a_phone_is_audited_and_the_export_is_audited(runner):
    running = start_bot(runner)
    booked(running)
    console = console_for(running)
    assert "0912 345 678" not in console.page("/console/requests/1")
    revealed = console.post("/console/requests/1/phone")
    assert revealed.status_code == 200 and "0912 345 678" in revealed.text
    assert revealed.headers["Cache-Control"] == "no-store"
    export = console.post("/console/requests/export.csv")
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0][0] == "id" and rows[1][0] == "1" and rows[1][6] == "王小明"
    actions = [(e.action, e.target) for e in audit(running)]
    assert ("phone.view", "request:1") in actions
    assert any(action == "requests.export" for action, _ in actions)


def test_resuming_a_handed_over_patient_from_the_console(runner):
    running = start_bot(runner)
    patient = Chat(running, PATIENT)
    patient.tap("action=human")
    console = console_for(running)
    page = console.page("/console/handoffs")
    assert "已等待 0 分鐘" in page
    running.clock.advance(minutes=95)
    assert "已等待 1 小時 35 分" in console.page("/console/today")
    with running.bot.db.session() as session:
        handoff_id = session.scalars(select(HumanHandoff.id)).one()
    assert console.post(f"/console/handoffs/{handoff_id}/resume").status_code == 302
    assert "已恢復這位病患的自動回覆" in console.page("/console/handoffs")
    assert patient.say("外泌體有副作用嗎") != []  # the bot answers again
    assert ("handoff.resume", f"handoff:{handoff_id}") in [
        (e.action, e.target) for e in audit(running)
    ]


def test_deleting_a_patients_data_asks_first_then_does_what_the_patient_can_do(runner):
    running = start_bot(runner)
    booked(running)
    console = console_for(running)
    patients = console.post("/console/patients", {"q": "王小明"}).text
    assert "/console/patients/r1" in patients and PATIENT not in patients
    assert "王小明" in console.page("/console/patients/r1")
    confirm = console.page("/console/patients/r1/delete")
    assert "確認刪除" in confirm
    not_confirmed = console.post("/console/patients/r1/delete")
    assert not_confirmed.status_code == 302 and the_request(running).patient_name == "王小明"
    done = console.post("/console/patients/r1/delete", {"confirm": "yes"})
    assert done.status_code == 302
    request = the_request(running)
    assert (request.patient_name, request.phone, request.user_id) == (None, None, None)
    assert request.status == "cancelled"
    assert console.get("/console/patients/r1").status_code == 404
    [entry] = [e for e in audit(running) if e.action == "patient.delete"]
    assert "王小明" not in (entry.detail or "") and PATIENT not in (entry.target or "")


def test_a_staff_account_needs_the_role_for_each_page(runner):
    running = start_bot(runner)
    console = console_for(running, role="admin")
    assert console.get("/console/requests").status_code == 403  # admins see no patient data
    assert console.page("/console/audit")
