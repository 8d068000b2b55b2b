"""Review state of every card, read from the database: signed off (by whom, when), changed
since review (the wording a physician signed off is no longer what patients would get), sent
back with a comment, or waiting. Decisions are recorded here too, for the console and the CLI.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from linebot_app.console.audit import AuditActor, record_audit
from linebot_app.console.models import Role, StaffAccount
from linebot_app.content.cards import ReplyLibrary
from linebot_app.content.clinic import ClinicConfig
from linebot_app.content.render import render_topic
from linebot_app.review.fingerprint import content_hash, readable_text
from linebot_app.review.models import CardReview, Decision

SIGNED_OFF = "signed_off"
CHANGED = "changed"
SENT_BACK = "sent_back"
WAITING = "waiting"
STATE_LABELS = {
    SIGNED_OFF: "已由醫師審閱",
    CHANGED: "審閱後已修改",
    SENT_BACK: "退回修改",
    WAITING: "等待審閱",
}


class ReviewRefused(ValueError):
    """A kind sentence for the person trying to sign off or send back."""


@dataclass(frozen=True)
class RenderedCard:
    topic: str
    kind: str
    messages: list[dict]
    content_hash: str
    text: str


def rendered_card(topic: str, library: ReplyLibrary, clinic: ClinicConfig) -> RenderedCard:
    """The card exactly as a patient gets it (render_topic), with its hash and readable text."""
    messages = render_topic(topic, library, clinic)
    return RenderedCard(
        topic=topic,
        kind=library.topics[topic].kind,
        messages=messages,
        content_hash=content_hash(messages),
        text=readable_text(messages),
    )


@dataclass(frozen=True)
class CardState:
    card: RenderedCard
    state: str
    latest: CardReview | None  # the newest decision on this card, any wording
    last_signoff: CardReview | None  # the newest sign-off, any wording (the diff's "before")

    @property
    def topic(self) -> str:
        return self.card.topic

    @property
    def is_signed_off(self) -> bool:
        return self.state == SIGNED_OFF

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]

    def describe(self, tz) -> str:
        """One line for the CLI: 'signed off by X on 2026-12-01', 'changed since review' …"""
        if self.state == SIGNED_OFF:
            return f"signed off by {self.latest.reviewer_email} on {_day(self.latest.at, tz)}"
        if self.state == SENT_BACK:
            return (
                f"sent back by {self.latest.reviewer_email} on {_day(self.latest.at, tz)}: "
                f"{self.latest.comment or ''}"
            ).rstrip(": ")
        if self.state == CHANGED:
            return (
                f"changed since review (signed off by {self.last_signoff.reviewer_email} "
                f"on {_day(self.last_signoff.at, tz)})"
            )
        return "waiting: not yet reviewed by the physician"


def _day(moment: dt.datetime, tz) -> str:
    return f"{moment.astimezone(tz):%Y-%m-%d %H:%M}"


def state_of(card: RenderedCard, rows: list[CardReview]) -> CardState:
    """`rows`: this card's decisions, oldest first."""
    latest = rows[-1] if rows else None
    last_signoff = next((r for r in reversed(rows) if r.decision == Decision.SIGNED_OFF), None)
    if latest is not None and latest.content_hash == card.content_hash:
        state = SIGNED_OFF if latest.decision == Decision.SIGNED_OFF else SENT_BACK
    elif last_signoff is not None:
        state = CHANGED
    else:
        state = WAITING
    return CardState(card, state, latest, last_signoff)


def decisions_by_topic(session: Session) -> dict[str, list[CardReview]]:
    found: dict[str, list[CardReview]] = {}
    for row in session.scalars(select(CardReview).order_by(CardReview.id)):
        found.setdefault(row.topic, []).append(row)
    return found


def card_states(session: Session, library: ReplyLibrary, clinic: ClinicConfig) -> list[CardState]:
    """Every card of the library with its review state, medical cards first."""
    rows = decisions_by_topic(session)
    states = [
        state_of(rendered_card(name, library, clinic), rows.get(name, []))
        for name in library.topics
    ]
    return sorted(states, key=lambda s: (s.card.kind != "medical", s.topic))


def card_state(
    session: Session, topic: str, library: ReplyLibrary, clinic: ClinicConfig
) -> CardState:
    rows = list(
        session.scalars(select(CardReview).where(CardReview.topic == topic).order_by(CardReview.id))
    )
    return state_of(rendered_card(topic, library, clinic), rows)


def waiting_medical_cards(states: list[CardState]) -> list[CardState]:
    return [s for s in states if s.card.kind == "medical" and not s.is_signed_off]


def physician_account(session: Session, email: str) -> StaffAccount:
    """The active physician account with this e-mail, or ReviewRefused saying why not."""
    account = session.scalar(
        select(StaffAccount).where(StaffAccount.email == email.strip().lower())
    )
    if account is None:
        raise ReviewRefused(f"no console account {email}: only a physician may sign off cards")
    if not account.is_active:
        raise ReviewRefused(f"{account.email} is disabled: only an active physician may sign off")
    if account.role != Role.PHYSICIAN:
        raise ReviewRefused(
            f"{account.email} is a {account.role} account: only a physician may sign off cards"
        )
    return account


def record_decision(
    session: Session,
    now: dt.datetime,
    *,
    topic: str,
    library: ReplyLibrary,
    clinic: ClinicConfig,
    decision: str,
    account: StaffAccount,
    actor: AuditActor,
    comment: str | None = None,
    seen_hash: str | None = None,
) -> CardReview:
    """Sign off (or send back) the card's current wording, audited. `seen_hash`: the content
    the reviewer looked at; if the card changed since, nothing is recorded."""
    if decision not in Decision.ALL:
        raise ValueError(decision)
    if topic not in library.topics:
        raise ReviewRefused(f"no card named '{topic}'")
    if account.role != Role.PHYSICIAN or not account.is_active:
        raise ReviewRefused("only an active physician may sign off or send back cards")
    comment = (comment or "").strip()
    if decision == Decision.SENT_BACK and not comment:
        raise ReviewRefused("退回時請寫下需要修改的地方。")
    card = rendered_card(topic, library, clinic)
    if seen_hash is not None and seen_hash != card.content_hash:
        raise ReviewRefused("這張卡片在您審閱時已被修改，請重新檢視後再決定。")
    row = CardReview(
        topic=topic,
        content_hash=card.content_hash,
        decision=decision,
        account_id=account.id,
        reviewer_email=account.email,
        reviewer_name=account.name,
        at=now,
        comment=comment[:2000] or None,
        snapshot=card.text,
    )
    session.add(row)
    session.flush()
    action = "content.signoff" if decision == Decision.SIGNED_OFF else "content.send_back"
    record_audit(session, now, actor, action, f"card:{topic}", f"sha256 {card.content_hash[:12]}")
    return row
