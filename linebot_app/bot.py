"""The bot's parts wired together once per process; handlers reach them through EventContext."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from linebot_app.cards import ReplyLibrary, load_checked_replies
from linebot_app.clinic import ClinicConfig, load_clinic
from linebot_app.clock import Clock
from linebot_app.db import Database
from linebot_app.dispatch import Dispatcher
from linebot_app.inbox import Inbox
from linebot_app.line_client import LineClient
from linebot_app.outage import OutageTracker
from linebot_app.outbox import Outbox
from linebot_app.quota import QuotaGate
from linebot_app.settings import Settings
from linebot_app.yaml_config import load_yaml_model

log = logging.getLogger(__name__)


class SystemMessages(BaseModel):
    """Sentences outside the cards (config/messages.yaml); {clinic_name}, {clinic_phone} expand."""

    model_config = ConfigDict(extra="allow", frozen=True)

    welcome: str
    placeholder_reply: str
    handler_error: str

    def say(self, key: str, clinic: ClinicConfig, **values: str) -> str:
        template = getattr(self, key)
        return template.format(clinic_name=clinic.name, clinic_phone=clinic.phone, **values)


@dataclass
class Bot:
    settings: Settings
    clinic: ClinicConfig
    messages: SystemMessages
    replies: ReplyLibrary
    db: Database
    line: LineClient
    clock: Clock
    dispatcher: Dispatcher = field(default_factory=Dispatcher)
    services: dict[str, Any] = field(default_factory=dict)
    # Features that answer a topic themselves (booking, human) register here by topic name.
    topic_actions: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from linebot_app import metrics

        self.inbox = Inbox(self.db)
        self.db_outage = OutageTracker("database", on_failure=metrics.count_database_error)
        self.quota = QuotaGate(self.line, self.clock, self.settings.quota_check_seconds)
        self.outbox = Outbox(
            self.db, self.line, self.quota, self.settings.line_outage_retry_seconds
        )
        self.services.setdefault("line", self.line)
        self.services.setdefault("topic_actions", self.topic_actions)


def load_system_messages(config_dir: Path) -> SystemMessages:
    return load_yaml_model(config_dir / "messages.yaml", SystemMessages)


def build_bot(settings: Settings, clock: Clock) -> Bot:
    """Load and validate config and content (raises ConfigError listing every problem)."""
    clinic = load_clinic(settings.config_dir / "clinic.yaml")
    replies, warnings = load_checked_replies(settings.replies_dir, settings.config_dir, clinic)
    if warnings:
        log.info(
            "content warnings (see `flask --app linebot_app check-content`): %d", len(warnings)
        )
    return Bot(
        settings=settings,
        clinic=clinic,
        messages=load_system_messages(settings.config_dir),
        replies=replies,
        db=Database(
            settings.database_url,
            pool_size=settings.worker_threads + 4,
            lock_timeout=settings.database_lock_timeout_seconds,
        ),
        line=LineClient(settings),
        clock=clock,
    )
