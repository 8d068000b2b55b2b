"""Hand-overs (who waits for a person, 恢復自動回覆) and patients (their requests and
hand-overs; 刪除個人資料 with a confirmation step: the same deletion the patient can ask for)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from linebot_app.console import queries
from linebot_app.console.audit import record_audit
from linebot_app.console.blueprint import PATIENT_DATA, allow, bot, console, desk, now, who
from linebot_app.console.pages.work import _context, console_actor
from linebot_app.features.consultation.handoff import end_handoff
from linebot_app.features.consultation.privacy import delete_personal_data
from linebot_app.logs import short_id


@console.get("/handoffs")
@allow(*PATIENT_DATA)
def handoffs():
    moment = now()
    with bot().db.session() as session:
        waiting = queries.waiting_handoffs(session, moment)
    return render_template("console/handoffs.html", waiting=waiting, now=moment, **_context())


@console.post("/handoffs/<int:handoff_id>/resume")
@allow(*PATIENT_DATA)
def resume(handoff_id: int):
    actor = who()
    with bot().db.session() as session:
        done = end_handoff(session, handoff_id, actor.label, now(), actor)
    d = desk()
    flash(d.say("staff_resumed" if done else "staff_resume_already"), "ok" if done else "warn")
    back = "console.today" if request.form.get("back") == "today" else "console.handoffs"
    return redirect(url_for(back))


@console.route("/patients", methods=["GET", "POST"])
@allow(*PATIENT_DATA)
def patients():
    text = (request.form.get("q") or "").strip()[:50]  # POSTed: names stay out of access logs
    with bot().db.session() as session:
        found = queries.patients(session, text)
    return render_template("console/patients.html", found=found, q=text, **_context())


def _patient_or_404(session, ref: str):
    found = queries.patient(session, ref[:24])
    if found is None:
        abort(404)
    return found


@console.get("/patients/<ref>")
@allow(*PATIENT_DATA)
def patient(ref: str):
    with bot().db.session() as session:
        found = _patient_or_404(session, ref)
    return render_template("console/patient.html", patient=found, now=now(), **_context())


@console.get("/patients/<ref>/delete")
@allow(*PATIENT_DATA)
def confirm_delete(ref: str):
    with bot().db.session() as session:
        found = _patient_or_404(session, ref)
    return render_template("console/delete.html", patient=found, **_context())


@console.post("/patients/<ref>/delete")
@allow(*PATIENT_DATA)
def delete_patient(ref: str):
    if request.form.get("confirm") != "yes":
        return redirect(url_for("console.confirm_delete", ref=ref))
    moment, settings = now(), bot().settings
    with bot().db.session() as session:
        user_id = _patient_or_404(session, ref).user_id
        report = delete_personal_data(
            session, user_id, moment, console_actor(), settings.staff_group_id
        )
        ids = ",".join(str(i) for i in report.request_ids)
        record_audit(
            session,
            moment,
            who(),
            "patient.delete",
            f"patient:{short_id(user_id)}",
            f"requests {ids or '-'}; cancelled {report.cancelled}; events {report.messages}",
        )
    shown = "、".join(f"#{i}" for i in report.request_ids) or "無"
    flash(f"已刪除這位病患的個人資料（預約 {shown} 已匿名化）。", "ok")
    return redirect(url_for("console.patients"))
