"""訊息額度: this month's pushes used and the plan's limit, and pushes held back for the quota.
A banner on every console page says when fewer than 10% remain or pushes are held: staff then
work from the console instead of the LINE group."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from linebot_app.console.blueprint import PATIENT_DATA, allow, bot, console
from linebot_app.console.quota_status import reader


@console.get("/quota")
@allow(*PATIENT_DATA, "admin")
def quota():
    status = reader.status(bot(), refresh=request.args.get("refresh") == "1")
    return render_template("console/quota.html", status=status)


@console.app_context_processor
def quota_banner() -> dict:
    """The banner's state for console pages (cached: LINE is asked at most every 5 minutes)."""
    if not request.blueprint == "console" or not current_user.is_authenticated:
        return {}
    try:
        return {"quota_status": reader.status(bot())}
    except Exception:  # the banner must never break a page
        return {}
