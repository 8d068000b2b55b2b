"""Admin pages: accounts (create, disable, new password), the audit log with filters, and the
calendar feed's URL (regenerating it revokes the old one)."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from linebot_app.console import queries
from linebot_app.console.accounts import (
    AccountError,
    create_account,
    disable_account,
    set_password,
)
from linebot_app.console.audit import audit_entries, record_audit
from linebot_app.console.blueprint import ADMIN, allow, bot, console, local_minute, now, who
from linebot_app.console.calendar import active_token, feed_path, regenerate_token
from linebot_app.console.models import Role, StaffAccount


@console.get("/accounts")
@allow(*ADMIN)
def accounts():
    with bot().db.session() as session:
        found = list(session.scalars(select(StaffAccount).order_by(StaffAccount.id)))
        token = active_token(session)
    feed_url = request.url_root.rstrip("/") + feed_path(token) if token else None
    return render_template(
        "console/accounts.html",
        accounts=found,
        roles=Role.ALL,
        role_labels=Role.LABELS,
        feed_url=feed_url,
        when=local_minute,
    )


@console.post("/accounts")
@allow(*ADMIN)
def add_account():
    form = request.form
    moment = now()
    try:
        with bot().db.session() as session:
            account = create_account(
                session,
                form.get("email", ""),
                form.get("role", ""),
                form.get("name") or None,
                form.get("password", ""),
                moment,
            )
            record_audit(
                session, moment, who(), "account.create", f"account:{account.id}", account.role
            )
    except AccountError as error:
        flash(str(error), "warn")
    else:
        flash(f"已建立帳號 {account.email}。", "ok")
    return redirect(url_for("console.accounts"))


@console.post("/accounts/<int:account_id>/<op>")
@allow(*ADMIN)
def change_account(account_id: int, op: str):
    if op not in ("disable", "password"):
        abort(404)
    moment = now()
    try:
        with bot().db.session() as session:
            account = session.get(StaffAccount, account_id)
            if account is None:
                abort(404)
            if op == "disable":
                disable_account(account)
            else:
                set_password(account, request.form.get("password", ""))
            record_audit(session, moment, who(), f"account.{op}", f"account:{account.id}")
    except AccountError as error:
        flash(str(error), "warn")
    else:
        flash("已停用帳號。" if op == "disable" else "已設定新密碼。", "ok")
    return redirect(url_for("console.accounts"))


@console.post("/calendar/regenerate")
@allow(*ADMIN)
def regenerate_calendar():
    moment = now()
    with bot().db.session() as session:
        regenerate_token(session, moment)
        record_audit(session, moment, who(), "calendar.regenerate", "calendar")
    flash("已產生新的行事曆網址，舊的網址已失效。", "ok")
    return redirect(url_for("console.accounts"))


@console.get("/audit")
@allow(*ADMIN)
def audit():
    tz = bot().clinic.tz
    first = _day(request.args.get("from"), tz)
    last = _day(request.args.get("to"), tz)
    with bot().db.session() as session:
        found = audit_entries(
            session,
            action=(request.args.get("action") or "").strip()[:40] or None,
            actor=(request.args.get("actor") or "").strip()[:120] or None,
            since=first,
            until=last + dt.timedelta(days=1) if last else None,
        )
    return render_template(
        "console/audit.html",
        entries=found,
        args=request.args,
        when=lambda m: m.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
    )


def _day(value: str | None, tz) -> dt.datetime | None:
    try:
        return queries.local_day_start(dt.date.fromisoformat(value), tz) if value else None
    except ValueError:
        return None
