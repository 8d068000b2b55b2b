"""GET /console/calendar/<token>.ics: the feed calendars subscribe to (no login: the token is
the key; a wrong or revoked token is 404)."""

from __future__ import annotations

from flask import Response, abort

from linebot_app.console.blueprint import bot, console, now
from linebot_app.console.calendar import build_feed, token_is_valid


@console.get("/calendar/<token>.ics")
def calendar_feed(token: str):
    b = bot()
    with b.db.session() as session:
        if len(token) > 100 or not token_is_valid(session, token):
            abort(404)
        body = build_feed(session, now(), b.clinic.name, b.clinic.tz.key)
    return Response(body, mimetype="text/calendar", headers={"Cache-Control": "no-store"})
