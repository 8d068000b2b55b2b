"""`config/consultation.yaml`: services, timings, urgent words, staff IDs and every sentence.

Validated on load (pydantic), so a typo in a label length, a key or a {placeholder} stops the
app at start-up with the file and field named, instead of failing in a patient's chat.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from linebot_app.content.clinic import ClinicConfig
from linebot_app.content.wording import say
from linebot_app.content.yaml_config import load_yaml_model
from linebot_app.line.limits import MAX_QUICK_REPLY_LABEL
from linebot_app.understanding.normalise import normalise

CONFIG_FILE = "consultation.yaml"
PLACEHOLDERS = {
    "clinic_name",
    "clinic_phone",
    "clinic_address",
    "next_open",
    "earliest",
    "latest",
    "hours",
    "when",
    "date",
    "time",
    "ranges",
    "max",
    "id",
    "count",
    "status",
    "service",
    "name",
    "word",
    "until",
    "items",
    "ids",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Label = Field(min_length=1, max_length=MAX_QUICK_REPLY_LABEL)


class Service(_Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,29}$")
    label: str = Label
    words: list[str] = Field(default=[], description="words naming it in a message (外泌體)")


class Commands(_Strict):
    cancel: list[str] = Field(min_length=1)
    my_requests: list[str] = Field(min_length=1)
    delete_data: list[str] = Field(min_length=1)

    def matches(self, kind: str, text: str) -> bool:
        wanted = normalise_command(text)
        return any(normalise_command(word) == wanted for word in getattr(self, kind))


class StatusLabels(_Strict):
    open: str = Label
    contacted: str = Label
    confirmed: str = Label
    cancelled: str = Label


class Buttons(_Strict):
    cancel: str = Label
    pick_time: str = Label
    agree: str = Label
    disagree: str = Label
    submit: str = Label
    edit: str = Label
    book: str = Label
    my_requests: str = Label
    cancel_request: str = Label
    confirm_cancel_request: str = Label
    keep_request: str = Label
    confirm_delete: str = Label
    keep_data: str = Label
    staff_contacted: str = Label
    staff_confirm: str = Label
    staff_cancel: str = Label
    staff_resume: str = Label
    call: str = Label


class FieldNames(_Strict):
    service: str = Label
    time: str = Label
    name: str = Label
    phone: str = Label
    display_name: str = Label
    status: str = Label
    appointment: str = Label
    silent_until: str = Label


class Texts(_Strict):
    """Every sentence of the feature; see the YAML for which {placeholders} each one gets."""

    ask_service: str
    closed_now: str
    ask_time: str
    time_use_picker: str
    time_past: str
    time_too_soon: str
    time_too_far: str
    time_closed_day: str
    time_outside_hours: str
    ask_name: str
    name_too_long: str
    name_not_a_name: str
    ask_phone: str
    phone_invalid: str
    ask_consent: str
    consent_unclear: str
    consent_declined: str
    review_title: str
    review_unclear: str
    ask_edit: str
    submitted: str
    already_submitted: str
    flow_cancelled: str
    flow_expired: str
    resume_prefix: str
    one_to_one_only: str
    my_requests_empty: str
    my_requests_alt: str
    my_request_title: str
    confirm_patient_cancel: str
    patient_cancelled: str
    request_kept: str
    cannot_cancel: str
    not_your_request: str
    staff_card_title: str
    staff_card_alt: str
    staff_contacted: str
    staff_confirmed: str
    staff_confirmed_outside_hours: str
    staff_cancelled: str
    staff_no_change: str
    staff_not_allowed: str
    staff_unknown_request: str
    staff_time_past: str
    staff_patient_cancelled: str
    patient_confirmed: str
    patient_cancelled_by_clinic: str
    reminder: str
    handoff_started: str
    handoff_closed_now: str
    handoff_already: str
    staff_handoff_title: str
    staff_handoff_alt: str
    staff_resumed: str
    staff_resume_already: str
    urgent_reply: str
    staff_urgent: str
    delete_confirm: str
    delete_kept: str
    deleted: str
    deleted_requests: str
    deleted_cancelled: str
    deleted_profile: str
    deleted_conversation: str
    deleted_handoffs: str
    deleted_messages: str
    deleted_nothing: str
    staff_deletion: str

    @model_validator(mode="after")
    def _known_placeholders(self) -> Texts:
        problems = []
        for name, template in self:
            if not template.strip():
                problems.append(f"{name}: empty")
                continue
            try:
                used = {field for _, field, _, _ in string.Formatter().parse(template) if field}
            except ValueError as exc:
                problems.append(f"{name}: {exc} (write {{{{ and }}}} for literal braces)")
                continue
            unknown = sorted(used - PLACEHOLDERS)
            if unknown:
                problems.append(f"{name}: unknown placeholder(s) {', '.join(unknown)}")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class ConsultationConfig(_Strict):
    services: list[Service] = Field(min_length=1, max_length=12)
    lead_time_minutes: int = Field(ge=0, le=14 * 24 * 60)
    horizon_days: int = Field(ge=1, le=365)
    conversation_expiry_minutes: int = Field(ge=1, le=24 * 60)
    name_max_length: int = Field(ge=2, le=100)
    handoff_silence_minutes: int = Field(ge=1, le=7 * 24 * 60)
    urgent_words: list[str] = []
    staff_user_ids: list[str] = []
    unfollow_grace_days: int = Field(ge=0, le=365)
    commands: Commands
    question_markers: list[str] = []
    status_labels: StatusLabels
    buttons: Buttons
    fields: FieldNames
    texts: Texts

    @field_validator("staff_user_ids")
    @classmethod
    def _user_ids(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not re.fullmatch(r"U[0-9a-f]{32}", v)]
        if bad:
            raise ValueError(f"not LINE user IDs (U + 32 hex characters): {', '.join(bad)}")
        return value

    @field_validator("services")
    @classmethod
    def _unique_services(cls, value: list[Service]) -> list[Service]:
        keys = [s.key for s in value]
        if len(set(keys)) != len(keys):
            raise ValueError("service keys must be unique")
        return value

    @property
    def lead_time(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.lead_time_minutes)

    @property
    def horizon(self) -> dt.timedelta:
        return dt.timedelta(days=self.horizon_days)

    @property
    def conversation_expiry(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.conversation_expiry_minutes)

    @property
    def handoff_silence(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.handoff_silence_minutes)

    @property
    def unfollow_grace(self) -> dt.timedelta:
        return dt.timedelta(days=self.unfollow_grace_days)

    def service(self, key: str) -> Service | None:
        return next((s for s in self.services if s.key == key), None)

    def status_label(self, status: str) -> str:
        return getattr(self.status_labels, status, status)

    def looks_like_question(self, text: str) -> bool:
        return any(marker in text for marker in self.question_markers)


def normalise_command(text: str) -> str:
    """The one normalisation of patient text (understanding.normalise): script, width, case,
    spacing and punctuation folded, so 「我的预约！」 is the command 我的預約."""
    return normalise(text)


class Wording:
    """`say(key, **values)`: a sentence from `texts`, with the clinic's name, phone and address."""

    def __init__(self, config: ConsultationConfig, clinic: ClinicConfig):
        self.config = config
        self.clinic = clinic

    def say(self, key: str, **values: object) -> str:
        return say(getattr(self.config.texts, key), self.clinic, **values)


def load_consultation_config(config_dir: Path) -> ConsultationConfig:
    return load_yaml_model(config_dir / CONFIG_FILE, ConsultationConfig)
