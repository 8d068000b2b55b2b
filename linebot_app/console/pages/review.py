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
from sqlalchemy import select

from linebot_app.console.audit import record_audit
from linebot_app.console.blueprint import allow, bot, console, local_minute, now, who
from linebot_app.console.models import Role, StaffAccount
from linebot_app.content.check import find_banned
from linebot_app.review.faq import FAQ_PREFIX, FaqProblems, form_to_data, save_faq
from linebot_app.review.fingerprint import word_diff
from linebot_app.review.models import Decision, FaqCard
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


@console.get("/review")
@allow(*READERS)
def review_list():
    with bot().db.session() as session:
        states = card_states(session, bot().live_cards.review_library(session), bot().clinic)
    return render_template(
        "console/review_list.html",
        states=states,
        required=bot().settings.content_review_required,
        when=local_minute,
    )


@console.get("/review/<topic>")
@allow(*READERS)
def review_card(topic: str):
    clinic = bot().clinic
    with bot().db.session() as session:
        library = bot().live_cards.review_library(session)
        card = library.topics.get(topic)
        if card is None:
            abort(404)
        state = card_state(session, topic, library, clinic)
        history = list(reversed(decisions_by_topic(session).get(topic, [])))
        faq = session.scalar(select(FaqCard).where(FaqCard.topic == topic))
        examples = list(getattr(card, "examples", None) or (faq.examples if faq else []))
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
        examples=examples,
        is_faq=faq is not None,
        messages_json=json.dumps(state.card.messages, ensure_ascii=False),
        can_decide=current_user.role == Role.PHYSICIAN,
        required=bot().settings.content_review_required,
        when=local_minute,
    )


@console.post("/review/<topic>/<op>")
@allow(Role.PHYSICIAN)
def review_decide(topic: str, op: str):
    decision = {"signoff": Decision.SIGNED_OFF, "send_back": Decision.SENT_BACK}.get(op)
    if decision is None:
        abort(404)
    try:
        with bot().db.session() as session:
            library = bot().live_cards.review_library(session)
            if topic not in library.topics:
                abort(404)
            account = session.get(StaffAccount, current_user.account_id)
            record_decision(
                session,
                now(),
                topic=topic,
                library=library,
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
        bot().live_cards.invalidate()
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


# --- FAQ cards written in the console ---------------------------------------------------------
FAQ_FIELDS = (
    "name",
    "kind",
    "label",
    "title",
    "summary",
    "points",
    "keywords",
    "examples",
    "risk_statement",
    "source_section",
)


def _form_of(row: FaqCard) -> dict[str, str]:
    data = row.data
    return {
        "name": row.topic,
        "kind": data.get("kind", "medical"),
        "label": data.get("label", ""),
        "title": data.get("title", ""),
        "summary": data.get("summary", ""),
        "points": "\n".join(
            f"{p['heading']}｜{p['text']}" if p.get("heading") else p["text"]
            for p in data.get("points", [])
        ),
        "keywords": "\n".join(data.get("keywords", [])),
        "examples": "\n".join(row.examples or []),
        "risk_statement": data.get("risk_statement", ""),
        "source_section": data.get("source_section", ""),
    }


@console.route("/faq/new", methods=["GET", "POST"])
@console.route("/faq/<topic>/edit", methods=["GET", "POST"])
@allow(Role.STAFF, Role.PHYSICIAN)
def faq_edit(topic: str | None = None):
    form: dict[str, str] = {"kind": "medical", "name": FAQ_PREFIX}
    if request.args.get("example"):  # started from the Unanswered page
        form["examples"] = request.args["example"][:200]
    if topic is not None:
        with bot().db.session() as session:
            row = session.scalar(select(FaqCard).where(FaqCard.topic == topic))
            if row is None:
                abort(404)
            form = _form_of(row)
    problems: list[str] = []
    if request.method == "POST":
        form = {k: request.form.get(k, "") for k in FAQ_FIELDS}
        name = topic or form["name"].strip()
        data, examples = form_to_data(form, bot().replies)
        try:
            with bot().db.session() as session:
                save_faq(
                    session,
                    now(),
                    name=name,
                    data=data,
                    examples=examples,
                    base=bot().replies,
                    clinic=bot().clinic,
                    author=current_user.email,
                )
                record_audit(session, now(), who(), "faq.save", f"card:{name}")
        except FaqProblems as found:
            problems = found.problems
        else:
            bot().live_cards.invalidate()
            flash("已儲存。醫師簽核後，這張卡片才會傳給病患。", "ok")
            return redirect(url_for("console.review_card", topic=name))
    return render_template("console/faq_edit.html", form=form, topic=topic, problems=problems), (
        422 if problems else 200
    )


@console.post("/faq/<topic>/delete")
@allow(Role.STAFF, Role.PHYSICIAN)
def faq_delete(topic: str):
    """Take a console card down: patients stop getting it at once; its review history stays."""
    with bot().db.session() as session:
        row = session.scalar(select(FaqCard).where(FaqCard.topic == topic))
        if row is None:
            abort(404)
        session.delete(row)
        record_audit(session, now(), who(), "faq.delete", f"card:{topic}")
    bot().live_cards.invalidate()
    flash(f"已刪除 FAQ 卡片 {topic}。", "ok")
    return redirect(url_for("console.review_list"))
