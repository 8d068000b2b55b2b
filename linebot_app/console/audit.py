"""The audit log: every console action (and every staff button in the LINE group) with who,
when and from where. Targets name records (request:12, account:3), never personal data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from linebot_app.console.models import AuditEntry


@dataclass(frozen=True)
class AuditActor:
    """Who acted: a console account (id, e-mail) from an IP, or a LINE user in the group."""

    label: str
    account_id: int | None = None
    ip: str | None = None
    via: str | None = None


def record_audit(
    session: Session,
    now: dt.datetime,
    actor: AuditActor,
    action: str,
    target: str | None = None,
    detail: str | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        at=now,
        account_id=actor.account_id,
        actor=actor.label[:120],
        action=action[:40],
        target=target[:80] if target else None,
        ip=(actor.ip or actor.via or "")[:64] or None,  # the LINE group for its buttons
        detail=detail[:300] if detail else None,
    )
    session.add(entry)
    return entry


def audit_entries(
    session: Session,
    *,
    action: str | None = None,
    actor: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int = 200,
) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if action:
        query = query.where(AuditEntry.action.startswith(action, autoescape=True))
    if actor:
        query = query.where(AuditEntry.actor.contains(actor, autoescape=True))
    if since:
        query = query.where(AuditEntry.at >= since)
    if until:
        query = query.where(AuditEntry.at < until)
    return list(session.scalars(query))
