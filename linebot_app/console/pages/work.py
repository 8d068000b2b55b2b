"""Today (首頁) and requests: the list with filters and search, one request with its history,
and the staff actions, which are the LINE group's buttons (`apply_staff_action`, one code
path and one audit); pushes to the patient go through the durable outbox.
"""

from __future__ import annotations

import datetime as dt

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from linebot_app.console import queries
from linebot_app.console.audit import record_audit
from linebot_app.console.blueprint import PATIENT_DATA, allow, bot, console, desk, now, who
from linebot_app.features.consultation.cli import requests_csv
from linebot_app.features.consultation.models import ConsultationRequest, RequestStatus
from linebot_app.features.consultation.patient_input import display_phone
from linebot_app.features.consultation.requests import Actor
from linebot_app.features.consultation.slots import booking_window, check_preferred_time
from linebot_app.features.consultation.staff import apply_staff_action

PICKER_FORMAT = "%Y-%m-%dT%H:%M"


def console_actor() -> Actor:
    return Actor("staff", f"console:{current_user.account_id}", "console")


def _context() -> dict:
    d = desk()
    return {
        "status_label": d.config.status_label,
        "statuses": RequestStatus.ALL,
        "when": d.when,
        "mask_phone": queries.mask_phone,
    }


@console.get("/today")
@allow(*PATIENT_DATA)
def today():
    moment = now()
    with bot().db.session() as session:
        found = queries.today(session, moment, bot().clinic.tz)
    return render_template("console/today.html", today=found, now=moment, **_context())


def _day(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return None
    return queries.local_day_start(day, bot().clinic.tz)


def _filters() -> dict:
    """Status and dates may be in the URL; a searched name or phone only in a POST body, so it
    never reaches an access log."""
    values = request.values
    return {
        "status": values.get("status") or None,
        "first": _day(values.get("from")),
        "last": (lambda d: d + dt.timedelta(days=1) if d else None)(_day(values.get("to"))),
        "text": (request.form.get("q") or "").strip()[:50] or None,
    }


@console.route("/requests", methods=["GET", "POST"])
@allow(*PATIENT_DATA)
def requests_list():
    with bot().db.session() as session:
        found = queries.find_requests(session, **_filters())
    return render_template("console/requests.html", found=found, args=request.values, **_context())


@console.post("/requests/export.csv")
@allow(*PATIENT_DATA)
def requests_export():
    filters = _filters()
    with bot().db.session() as session:
        found = queries.find_requests(session, **filters)
        record_audit(session, now(), who(), "requests.export", None, f"{len(found)} request(s)")
        data = requests_csv(found)
    today = now().astimezone(bot().clinic.tz).date()
    name = f"consultation-requests-{today:%Y%m%d}.csv"
    return Response(
        data.encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={name}"},
    )


def _request_page(request_id: int, *, phone: str | None = None, problem: str | None = None):
    d, moment = desk(), now()
    with bot().db.session() as session:
        found = session.get(ConsultationRequest, request_id)
        if found is None:
            abort(404)
        history = list(found.history)
        labels = queries.actor_labels(session, history)
    window = booking_window(moment, d.clinic, d.config)
    proposed = found.appointment_at or found.preferred_at  # a confirmed time is moved from
    initial = max(proposed.astimezone(d.clinic.tz), window.earliest)
    return render_template(
        "console/request.html",
        req=found,
        history=history,
        labels=labels,
        phone=phone,
        problem=problem,
        picker={
            "min": window.earliest.strftime(PICKER_FORMAT),
            "max": window.latest.strftime(PICKER_FORMAT),
            "value": initial.strftime(PICKER_FORMAT),
        },
        **_context(),
    )


@console.get("/requests/<int:request_id>")
@allow(*PATIENT_DATA)
def request_detail(request_id: int):
    return _request_page(request_id)


@console.post("/requests/<int:request_id>/phone")
@allow(*PATIENT_DATA)
def reveal_phone(request_id: int):
    """顯示電話: the number, and an audit entry saying who saw it (個資法 accountability)."""
    with bot().db.session() as session:
        found = session.get(ConsultationRequest, request_id)
        if found is None:
            abort(404)
        phone = display_phone(found.phone)
        if found.phone:
            record_audit(session, now(), who(), "phone.view", f"request:{request_id}")
    return _request_page(request_id, phone=phone)


@console.post("/requests/<int:request_id>/<op>")
@allow(*PATIENT_DATA)
def request_action(request_id: int, op: str):
    if op not in ("contacted", "confirm", "cancel", "note"):
        abort(404)
    d, moment, picked = desk(), now(), None
    if op == "confirm":
        check = check_preferred_time(request.form.get("when", ""), moment, d.clinic, d.config)
        if check.moment is None:
            return _request_page(request_id, problem=d.say(check.problem, **check.values)), 400
        picked = check.moment
    result = run_staff_action(request_id, op, picked=picked, note=request.form.get("note"))
    if result.problem == "unknown":
        abort(404)
    flash(result.reply, "ok" if result.changed else "warn")
    return redirect(url_for("console.request_detail", request_id=request_id))


def run_staff_action(request_id: int, op: str, **options):
    """The shared domain operation, its pushes queued in the same transaction, sent after."""
    b, moment = bot(), now()
    with b.db.session() as session:
        result = apply_staff_action(
            desk(), session, request_id, op, console_actor(), moment, who(), **options
        )
        ids = [b.outbox.enqueue(session, p.to, p.messages, moment).id for p in result.pushes]
    if ids:
        lease = dt.timedelta(seconds=b.settings.inbox_lease_seconds)
        b.outbox.send(b.outbox.claim(b.clock.now(), lease, ids), b.clock.now)
    return result
