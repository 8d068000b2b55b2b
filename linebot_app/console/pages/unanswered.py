"""Unanswered: what patients asked that no card answered (masked, grouped, counted) and what
they tapped under a clarifying question. Staff teach the bot from here in one click (a message
as an example or a keyword of a topic), dismiss a message, or start a FAQ card from it; what
they taught is listed, removable and exported as replies/_taught.yaml. The accuracy on the
project's labelled sets, with and without what was taught, is computed on demand.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from linebot_app.console.audit import record_audit
from linebot_app.console.blueprint import allow, bot, console, local_minute, now, who
from linebot_app.console.models import Role
from linebot_app.review.accuracy import accuracy_report
from linebot_app.review.teaching import (
    EXAMPLE,
    KIND_LABELS,
    KINDS,
    NOT_TEACHABLE,
    TAUGHT_FILE,
    TeachingRefused,
    export_taught,
    forget,
    taught_rows,
    teach,
)
from linebot_app.review.unanswered import resolve, tapped_questions, unanswered_groups

TEACHERS = (Role.STAFF, Role.PHYSICIAN)


def _page(problem: str | None = None, accuracy=None, status: int = 200):
    with bot().db.session() as session:
        library = bot().live_cards.review_library(session)
        topics = {n: c for n, c in library.topics.items() if n not in NOT_TEACHABLE}
        groups = unanswered_groups(session, bot().services.understanding, set(topics))
        taps = tapped_questions(session)
        taught = taught_rows(session)
    choices = sorted(((name, card.label) for name, card in topics.items()), key=lambda t: t[0])
    return render_template(
        "console/unanswered.html",
        groups=groups,
        taps=taps,
        taught=taught,
        choices=choices,
        labels={name: card.label for name, card in library.topics.items()},
        kinds=[(k, KIND_LABELS[k]) for k in KINDS],
        problem=problem,
        accuracy=accuracy,
        taught_file=TAUGHT_FILE,
        when=local_minute,
    ), status


@console.get("/unanswered")
@allow(*TEACHERS)
def unanswered():
    return _page()


@console.post("/unanswered/teach")
@allow(*TEACHERS)
def unanswered_teach():
    kind = request.form.get("kind", EXAMPLE)
    topic = request.form.get("topic", "")
    text = request.form.get("text", "")
    message_id = request.form.get("message_id", "")
    try:
        with bot().db.session() as session:
            library = bot().live_cards.review_library(session)
            row = teach(
                session,
                now(),
                kind=kind,
                topic=topic,
                text=text,
                library=library,
                author=current_user.email,
            )
            if message_id.isdigit():
                resolve(session, int(message_id), f"{kind}:{topic}", now())
            record_audit(session, now(), who(), "teach.add", f"{kind}:{topic}", row.text)
    except TeachingRefused as refused:
        return _page(problem=f"無法加入：{refused}", status=422)
    except IntegrityError:  # the same phrase saved a moment ago by someone else
        return _page(problem="無法加入：這段文字剛剛已經有人加過了。", status=422)
    bot().live_cards.invalidate()
    label = library.topics[topic].label
    flash(
        f"已把「{row.text}」加為「{label}」的{KIND_LABELS[kind]}；10 秒內所有程序都會生效。", "ok"
    )
    return redirect(url_for("console.unanswered"))


@console.post("/unanswered/<message_id>/dismiss")
@allow(*TEACHERS)
def unanswered_dismiss(message_id: str):
    with bot().db.session() as session:
        if (
            not message_id.isdigit()
            or resolve(session, int(message_id), "dismissed", now()) is None
        ):
            abort(404)
        record_audit(session, now(), who(), "unanswered.dismiss", f"unmatched:{message_id}")
    flash("已略過這則訊息。", "ok")
    return redirect(url_for("console.unanswered"))


@console.post("/taught/<phrase_id>/remove")
@allow(*TEACHERS)
def taught_remove(phrase_id: str):
    with bot().db.session() as session:
        row = forget(session, int(phrase_id)) if phrase_id.isdigit() else None
        if row is None:
            abort(404)
        record_audit(session, now(), who(), "teach.remove", f"{row.kind}:{row.topic}", row.text)
    bot().live_cards.invalidate()
    flash(f"已移除「{row.text}」；10 秒內所有程序都會生效。", "ok")
    return redirect(url_for("console.unanswered"))


@console.get("/taught.yaml")
@allow(*TEACHERS)
def taught_export():
    with bot().db.session() as session:
        text = export_taught(taught_rows(session))
        record_audit(session, now(), who(), "teach.export", TAUGHT_FILE)
    return Response(
        text,
        mimetype="application/x-yaml",
        headers={"Content-Disposition": f"attachment; filename={TAUGHT_FILE.lstrip('_')}"},
    )


@console.post("/unanswered/accuracy")
@allow(*TEACHERS)
def unanswered_accuracy():
    live = bot().live_cards
    live.invalidate()
    live.refresh_if_due(bot().db)
    return _page(accuracy=accuracy_report(live))
