"""What patients ask that no card answers: recorded (masked, counted) for staff to review.

Only the text is kept, with phone numbers, e-mail addresses, ID numbers, URLs and long digit
runs masked; nothing links a row to a patient. One row per normalised text, with a count.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import Integer, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from linebot_app.features.consultation.patient_input import find_phones
from linebot_app.storage.models import Base, BigId
from linebot_app.understanding.normalise import fold_width, normalise

MAX_TEXT = 500
_MASKS = (
    (re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE), "<url>"),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "<email>"),
    (re.compile(r"(?<![A-Za-z0-9])[A-Za-z][12]\d{8}(?!\d)"), "<id>"),  # Taiwanese national ID
)
_LONG_NUMBER = (re.compile(r"\d(?:[\s.-]?\d){5,}"), "<number>")  # any other 6+ digits


def mask_personal_data(text: str) -> str:
    """`text` with contact details and long numbers replaced by <phone>, <email>, ... markers.
    Phones are found by the same reader as the booking's (phonenumbers)."""
    masked = fold_width(text)
    for pattern, marker in _MASKS:
        masked = pattern.sub(marker, masked)
    for _, raw in find_phones(masked):
        masked = masked.replace(raw, "<phone>")
    pattern, marker = _LONG_NUMBER
    return pattern.sub(marker, masked)


class UnmatchedMessage(Base):
    """A question the bot could not route, masked; `count` says how often it was asked."""

    __tablename__ = "unmatched_messages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    normalised_text: Mapped[str] = mapped_column(String(MAX_TEXT), unique=True)
    sample_text: Mapped[str] = mapped_column(String(MAX_TEXT))
    count: Mapped[int] = mapped_column(Integer, default=1)
    first_seen: Mapped[dt.datetime]
    last_seen: Mapped[dt.datetime]
    # Set on the console's Unanswered page: "dismissed", "example:<topic>", "keyword:<topic>".
    resolved_at: Mapped[dt.datetime | None]
    resolution: Mapped[str | None] = mapped_column(String(80))


def record_unmatched(session: Session, text: str, now: dt.datetime) -> UnmatchedMessage | None:
    """Count one unanswered message (masked); None when nothing is left to record (emoji only).

    Runs in a savepoint, so a concurrent insert of the same text becomes an update and a failure
    here never spoils the caller's transaction.
    """
    sample = mask_personal_data(text).strip()[:MAX_TEXT]
    key = normalise(sample)[:MAX_TEXT]
    if not key:
        return None
    for _attempt in range(2):
        row = session.scalars(
            select(UnmatchedMessage).where(UnmatchedMessage.normalised_text == key)
        ).first()
        if row is not None:
            row.count += 1
            row.last_seen = now
            row.sample_text = sample
            session.flush()
            return row
        try:
            with session.begin_nested():
                row = UnmatchedMessage(
                    normalised_text=key, sample_text=sample, count=1, first_seen=now, last_seen=now
                )
                session.add(row)
            return row
        except IntegrityError:
            continue  # another worker inserted it first: count it on that row
    raise RuntimeError(f"could not record unmatched message '{key}'")


def most_asked(session: Session, limit: int = 50) -> list[UnmatchedMessage]:
    """For `flask unmatched`: the most frequent unanswered questions not yet taught or
    dismissed in the console, latest first on ties."""
    query = (
        select(UnmatchedMessage)
        .where(UnmatchedMessage.resolved_at.is_(None))
        .order_by(UnmatchedMessage.count.desc(), UnmatchedMessage.last_seen.desc())
        .limit(limit)
    )
    return list(session.scalars(query))
