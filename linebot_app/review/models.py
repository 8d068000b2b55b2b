"""The physician's decisions on reply cards, kept for good: every sign-off and send-back is a
row, bound to the sha256 of the card's rendered messages (see fingerprint.py). The newest row
of a card decides its state; older rows are its history.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from linebot_app.storage.models import Base, BigId


class Decision:
    SIGNED_OFF = "signed_off"
    SENT_BACK = "sent_back"

    ALL = (SIGNED_OFF, SENT_BACK)


class CardReview(Base):
    """One decision on one card's wording: who, when, on which rendered content."""

    __tablename__ = "card_reviews"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(String(40))
    content_hash: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(16))
    account_id: Mapped[int | None] = mapped_column(BigId)
    reviewer_email: Mapped[str] = mapped_column(String(254))
    reviewer_name: Mapped[str] = mapped_column(String(100))
    at: Mapped[dt.datetime]
    comment: Mapped[str | None] = mapped_column(Text)
    # What the patient read when the decision was taken, for the diff once the wording changes.
    snapshot: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_card_reviews_topic_id", "topic", "id"),)


class FaqCard(Base):
    """A card the clinic wrote in the console (price ranges, downtime, pregnancy …): the same
    fields as a replies/*.yaml topic (`data`), live only once a physician signs it off."""

    __tablename__ = "faq_cards"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(String(40), unique=True)
    data: Mapped[dict[str, Any]]
    examples: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    updated_by: Mapped[str] = mapped_column(String(254))
