"""The console blueprint and its guard: every view needs a logged-in account whose role the
view names (`@allow(...)`); a view naming no role is refused (deny by default). Every POST
carries a CSRF token (Flask-WTF). Security headers go on every response.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from linebot_app.console.accounts import load_user
from linebot_app.console.audit import AuditActor
from linebot_app.console.models import Role
from linebot_app.console.security import add_security_headers

console = Blueprint(
    "console",
    __name__,
    url_prefix="/console",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
login_manager = LoginManager()
login_manager.login_view = "console.login"
login_manager.login_message = "請先登入。"
csrf = CSRFProtect()
PUBLIC_ENDPOINTS = {"console.login", "console.static", "console.calendar_feed", "console.theme"}
PATIENT_DATA = (Role.STAFF, Role.PHYSICIAN)
ADMIN = (Role.ADMIN,)


def allow(*roles: str) -> Callable:
    """Which roles may open the view."""

    def mark(view: Callable) -> Callable:
        view.allowed_roles = roles
        return view

    return mark


@login_manager.user_loader
def _load_user(user_id: str):
    with bot().db.session() as session:
        return load_user(session, user_id)


@login_manager.unauthorized_handler
def _unauthorized():
    if request.method == "GET":
        return redirect(url_for("console.login", next=request.path))
    return "請先登入。", 401


@console.before_request
def guard():
    if request.endpoint in PUBLIC_ENDPOINTS:
        if request.method == "POST":
            csrf.protect()
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    view = current_app.view_functions.get(request.endpoint)
    roles = getattr(view, "allowed_roles", ())
    if current_user.role not in roles:
        abort(403)
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()
    return None


@console.after_request
def headers(response):
    return add_security_headers(response)


def bot():
    return current_app.extensions["bot"]


def desk():
    return bot().services.desk


def now() -> dt.datetime:
    return bot().clock.now()


def local_minute(moment: dt.datetime | None) -> str:
    """A stored time as the clinic reads it (2026-12-03 10:30), or - when there is none."""
    return moment.astimezone(bot().clinic.tz).strftime("%Y-%m-%d %H:%M") if moment else "-"


def client_ip() -> str:
    return request.remote_addr or "-"


def who() -> AuditActor:
    return AuditActor(
        label=current_user.email, account_id=current_user.account_id, ip=client_ip(), via="console"
    )


@console.errorhandler(403)
def _forbidden(_error):
    from flask import render_template

    return render_template(
        "console/error.html", code=403, message="您的帳號沒有權限開啟這一頁。"
    ), 403


@console.errorhandler(404)
def _not_found(_error):
    from flask import render_template

    return render_template("console/error.html", code=404, message="找不到這一頁。"), 404


@console.errorhandler(CSRFError)
def _csrf_failed(_error):
    from flask import render_template

    message = "這個表單已過期，請重新整理頁面再試一次。"
    return render_template("console/error.html", code=400, message=message), 400
