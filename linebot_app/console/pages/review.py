"""Card review: physicians see every card as a patient gets it (the sandbox's Flex renderer,
flex.js + flex.css, served here under the console's CSP), with its source, risk statement,
disclaimer, keywords, examples and the banned-wording check, and sign it off or send it back.
A card whose wording changed since its sign-off shows a word-level diff against it.
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import abort, flash, redirect, render_template, request, send_from_directory, url_for
from flask_login import current_user

from linebot_app.cards.check import find_banned
from linebot_app.console.blueprint import allow, bot, console, now, who
from linebot_app.console.models import Role, StaffAccount
from linebot_app.review.fingerprint import word_diff
from linebot_app.review.models import Decision
from linebot_app.review.state import (
    ReviewRefused,
    card_state,
    card_states,
    decisions_by_topic,
    record_decision,
)

READERS = (Role.PHYSICIAN, Role.STAFF, Role.ADMIN)
FLEX_STATIC = Path(__file__).resolve().parent.parent.parent / "sandbox" / "static"
FLEX_FILES = {"flex.js", "flex.css"}


def _when(moment) -> str:
    return moment.astimezone(bot().clinic.tz).strftime("%Y-%m-%d %H:%M") if moment else "-"


@console.get("/review")
@allow(*READERS)
def review_list():
    with bot().db.session() as session:
        states = card_states(session, bot().replies, bot().clinic)
    return render_template(
        "console/review_list.html",
        states=states,
        required=bot().settings.content_review_required,
        when=_when,
    )


@console.get("/review/<topic>")
@allow(*READERS)
def review_card(topic: str):
    library, clinic = bot().replies, bot().clinic
    card = library.topics.get(topic)
    if card is None:
        abort(404)
    with bot().db.session() as session:
        state = card_state(session, topic, library, clinic)
        history = list(reversed(decisions_by_topic(session).get(topic, [])))
    phrases = [b.phrase for b in library.banned.banned]
    signed = state.last_signoff
    diff = None
    if signed is not None and signed.content_hash != state.card.content_hash:
        diff = word_diff(signed.snapshot, state.card.text)
    return render_template(
        "console/review_card.html",
        topic=topic,
        card=card,
        state=state,
        history=history,
        diff=diff,
        banned=sorted(set(find_banned(state.card.text, phrases))),
        examples=list(getattr(card, "examples", None) or []),
        messages_json=json.dumps(state.card.messages, ensure_ascii=False),
        can_decide=current_user.role == Role.PHYSICIAN,
        required=bot().settings.content_review_required,
        when=_when,
    )


@console.post("/review/<topic>/<op>")
@allow(Role.PHYSICIAN)
def review_decide(topic: str, op: str):
    decision = {"signoff": Decision.SIGNED_OFF, "send_back": Decision.SENT_BACK}.get(op)
    if decision is None or topic not in bot().replies.topics:
        abort(404)
    try:
        with bot().db.session() as session:
            account = session.get(StaffAccount, current_user.account_id)
            record_decision(
                session,
                now(),
                topic=topic,
                library=bot().replies,
                clinic=bot().clinic,
                decision=decision,
                account=account,
                actor=who(),
                comment=request.form.get("comment"),
                seen_hash=request.form.get("content_hash", ""),
            )
    except ReviewRefused as refused:
        flash(str(refused), "warn")
    else:
        bot().services.topics.gate.invalidate()
        done = "已簽核，病患現在會收到這張卡片。" if op == "signoff" else "已退回，並留下意見。"
        flash(done, "ok")
    return redirect(url_for("console.review_card", topic=topic))


@console.get("/review/flex/<name>")
@allow(*READERS)
def review_flex_static(name: str):
    """The sandbox's LINE renderer (flex.js, flex.css), also when the sandbox is off."""
    if name not in FLEX_FILES:
        abort(404)
    response = send_from_directory(FLEX_STATIC, name, max_age=300)
    response.headers["Cache-Control"] = "private, max-age=300"
    return response
