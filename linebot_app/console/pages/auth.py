"""Log in (with the lockout after repeated failures), log out, and the theme stylesheet."""

from __future__ import annotations

import logging
from functools import lru_cache
from urllib.parse import urlparse

from flask import Response, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from linebot_app.console.accounts import (
    ConsoleUser,
    clear_failures,
    is_locked_out,
    normalise_email,
    record_failure,
    verify_login,
)
from linebot_app.console.audit import AuditActor, record_audit
from linebot_app.console.blueprint import PATIENT_DATA, allow, bot, client_ip, console, now, who
from linebot_app.console.models import Role
from linebot_app.logs import logfmt

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 15 * 60


class LoginForm(FlaskForm):
    email = EmailField("電子郵件", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("密碼", validators=[DataRequired(), Length(max=200)])


def _home_for(role: str) -> str:
    return url_for("console.today") if role in PATIENT_DATA else url_for("console.accounts")


def _safe_next(target: str | None, role: str) -> str:
    if target and target.startswith("/console/") and not urlparse(target).netloc:
        return target
    return _home_for(role)


@console.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_home_for(current_user.role))
    form = LoginForm()
    error = None
    if request.method == "POST":
        if not form.validate():
            return render_template(
                "console/login.html", form=form, error="請輸入電子郵件與密碼。"
            ), 400
        email, ip, moment = normalise_email(form.email.data), client_ip(), now()
        with bot().db.session() as session:
            if is_locked_out(session, email, ip, moment):
                record_audit(session, moment, AuditActor(email, ip=ip), "login.locked_out")
                locked = True
            else:
                locked = False
                account = verify_login(session, email, form.password.data)
                if account is None:
                    record_failure(session, email, ip, moment)
                    record_audit(session, moment, AuditActor(email, ip=ip), "login.failed")
                else:
                    account.last_login_at = moment
                    clear_failures(session, email, ip)
                    user = ConsoleUser(account)
                    record_audit(
                        session,
                        moment,
                        AuditActor(email, account_id=account.id, ip=ip),
                        "login",
                        f"account:{account.id}",
                    )
        if locked:
            log.warning(logfmt(console_login="locked_out", ip=ip))
            page = render_template(
                "console/login.html", form=form, error="嘗試次數過多，請 15 分鐘後再試。"
            )
            return page, 429, {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if account is None:
            log.info(logfmt(console_login="failed", ip=ip))
            error = "電子郵件或密碼不正確。"
            return render_template("console/login.html", form=form, error=error), 401
        login_user(user)
        from flask import session as cookie_session

        cookie_session.permanent = True  # the 8-hour idle timeout
        return redirect(_safe_next(request.args.get("next"), user.role))
    return render_template("console/login.html", form=form, error=error)


@console.post("/logout")
@allow(*Role.ALL)
def logout():
    with bot().db.session() as session:
        record_audit(session, now(), who(), "logout", f"account:{current_user.account_id}")
    logout_user()
    return redirect(url_for("console.login"))


@console.get("/")
@allow(*Role.ALL)
def home():
    return redirect(_home_for(current_user.role))


@console.get("/theme.css")
def theme():
    """The clinic's colours from config/style.yaml as CSS variables (read once per process)."""
    return Response(_theme_css(), mimetype="text/css", headers={"Cache-Control": "max-age=3600"})


@lru_cache(maxsize=1)
def _theme_css_for(colours: tuple[tuple[str, str], ...]) -> str:
    lines = [f"  --{name.replace('_', '-')}: {value};" for name, value in colours]
    return ":root {\n" + "\n".join(lines) + "\n}\n"


def _theme_css() -> str:
    colours = bot().replies.style.colours.model_dump()
    return _theme_css_for(tuple(sorted(colours.items())))
