"""Tables of the consultation feature: requests, their status history, and hand-overs to staff.

Personal data (patient name, phone) lives only in `consultation_requests` and is erased by
`privacy.delete_personal_data`; the history keeps who changed what and when, never the data.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from linebot_app.storage.models import Base, BigId


class RequestStatus:
    OPEN = "open"  # sent by the patient, nobody has acted yet
    CONTACTED = "contacted"  # staff reached the patient
    CONFIRMED = "confirmed"  # staff confirmed a time (appointment_at)
    CANCELLED = "cancelled"  # by the patient, by staff, or when the patient deleted their data

    ACTIVE = (OPEN, CONTACTED, CONFIRMED)
    ALL = (OPEN, CONTACTED, CONFIRMED, CANCELLED)


class ConsultationRequest(Base):
    __tablename__ = "consultation_requests"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # The booking conversation's token: confirming twice finds the same row instead of a new one.
    flow_token: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[str | None] = mapped_column(String(64), index=True)
    service_key: Mapped[str] = mapped_column(String(40))
    service_label: Mapped[str] = mapped_column(String(100))
    preferred_at: Mapped[dt.datetime]
    appointment_at: Mapped[dt.datetime | None]
    patient_name: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20))  # E.164, e.g. +886912345678
    consent_at: Mapped[dt.datetime | None]
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.OPEN)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    reminder_sent_at: Mapped[dt.datetime | None]
    personal_data_deleted_at: Mapped[dt.datetime | None]

    history: Mapped[list[StatusChange]] = relationship(
        back_populates="request", order_by="StatusChange.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        Index("ix_consultation_requests_status_appointment", "status", "appointment_at"),
    )

    @property
    def is_active(self) -> bool:
        return self.status in RequestStatus.ACTIVE


class StatusChange(Base):
    """One change of a request's status: who (patient, staff member, system) and when."""

    __tablename__ = "consultation_status_changes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_requests.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor_kind: Mapped[str] = mapped_column(String(16))  # patient | staff | system
    actor_id: Mapped[str | None] = mapped_column(String(64))  # LINE user ID of who pressed
    via: Mapped[str | None] = mapped_column(String(64))  # group ID, "line", "cli"
    note: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[dt.datetime]

    request: Mapped[ConsultationRequest] = relationship(back_populates="history")


class HumanHandoff(Base):
    """A patient asked for a person: no automatic replies to them until `silent_until` or resume."""

    __tablename__ = "human_handoffs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(String(16))  # button | words | urgent
    started_at: Mapped[dt.datetime]
    silent_until: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]
    ended_by: Mapped[str | None] = mapped_column(String(64))

    def is_silencing(self, now: dt.datetime) -> bool:
        return self.ended_at is None and now < self.silent_until
