"""Clarifying questions and what the patient then tapped: labelled examples for staff.

When the classifier is unsure, the bot asks back 「您是想問…嗎？」 with its guesses as quick
replies; each question is stored (the text masked as in `routing.unmatched`, nothing linking it
to the patient) and the tap fills in the topic the patient meant (`none` for 都不是).
`flask --app linebot_app unmatched` lists them: candidates for a topic's `examples:`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from linebot_app.storage.models import Base, BigId
from linebot_app.understanding.normalise import normalise
from linebot_app.understanding.unmatched import MAX_TEXT, mask_personal_data

NONE_OF_THESE = "none"


class ClarificationQuestion(Base):
    """One 「您是想問…嗎？」: the masked message, the topics offered, the one tapped."""

    __tablename__ = "clarification_questions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    normalised_text: Mapped[str] = mapped_column(String(MAX_TEXT))
    sample_text: Mapped[str] = mapped_column(String(MAX_TEXT))
    offered: Mapped[str] = mapped_column(String(200))  # topic names, comma-separated
    asked_at: Mapped[dt.datetime]
    chosen_topic: Mapped[str | None] = mapped_column(String(40))
    chosen_at: Mapped[dt.datetime | None]


def record_question(
    session: Session, text: str, offered: list[str], now: dt.datetime
) -> ClarificationQuestion:
    sample = mask_personal_data(text).strip()[:MAX_TEXT]
    row = ClarificationQuestion(
        normalised_text=normalise(sample)[:MAX_TEXT],
        sample_text=sample,
        offered=",".join(offered)[:200],
        asked_at=now,
    )
    session.add(row)
    session.flush()
    return row


def record_tap(
    session: Session, question_id: str, topic: str, now: dt.datetime
) -> ClarificationQuestion | None:
    """The patient's answer to question `question_id` (the last tap counts); None if unknown."""
    row = session.get(ClarificationQuestion, int(question_id)) if question_id.isdigit() else None
    if row is None or (topic != NONE_OF_THESE and topic not in row.offered.split(",")):
        return None
    row.chosen_topic = topic
    row.chosen_at = now
    return row


def answered_questions(session: Session, limit: int = 50) -> list[ClarificationQuestion]:
    """For `flask unmatched`: clarifying questions the patient answered, latest first."""
    query = (
        select(ClarificationQuestion)
        .where(ClarificationQuestion.chosen_topic.is_not(None))
        .order_by(ClarificationQuestion.chosen_at.desc())
        .limit(limit)
    )
    return list(session.scalars(query))
