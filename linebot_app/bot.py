"""The bot's parts wired together once per process; handlers reach them through EventContext."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from linebot_app.clock import Clock
from linebot_app.content import ReplyLibrary
from linebot_app.content.clinic import ClinicConfig
from linebot_app.content.loader import Content, load_content
from linebot_app.delivery.inbox import Inbox
from linebot_app.delivery.outage import OutageTracker
from linebot_app.delivery.outbox import Outbox
from linebot_app.delivery.quota import QuotaGate
from linebot_app.dispatch import Dispatcher
from linebot_app.features.consultation.config import ConsultationConfig
from linebot_app.features.topics import TopicCards
from linebot_app.line.client import LineClient
from linebot_app.review.gate import ReviewGate
from linebot_app.review.live import LiveCards
from linebot_app.services import Services
from linebot_app.settings import Settings
from linebot_app.storage.db import Database
from linebot_app.understanding.interpretation import Understanding, load_model

log = logging.getLogger(__name__)


@dataclass
class Bot:
    settings: Settings
    content: Content
    db: Database
    line: LineClient
    clock: Clock
    dispatcher: Dispatcher = field(default_factory=Dispatcher)
    services: Services = field(init=False)

    def __post_init__(self) -> None:
        from linebot_app import metrics

        self.inbox = Inbox(self.db)
        self.db_outage = OutageTracker("database", on_failure=metrics.count_database_error)
        self.quota = QuotaGate(self.line, self.clock, self.settings.quota_check_seconds)
        self.outbox = Outbox(
            self.db, self.line, self.quota, self.settings.line_outage_retry_seconds
        )
        self.services = Services(
            line=self.line,
            understanding=Understanding(
                self.replies,
                self.consultation,
                self.content.understanding,
                self.clinic.tz,
                load_model(self.settings.replies_dir),
            ),
            topics=TopicCards(
                self.replies,
                self.clinic,
                gate=ReviewGate(
                    self.replies,
                    self.clinic,
                    required=self.settings.content_review_required,
                    held_text=self.content.say("review_held_reply"),
                ),
            ),
        )
        self.live_cards = LiveCards(self)  # console FAQ cards, once signed off

    @property
    def clinic(self) -> ClinicConfig:
        return self.content.clinic

    @property
    def replies(self) -> ReplyLibrary:
        return self.content.replies

    @property
    def consultation(self) -> ConsultationConfig:
        return self.content.consultation


def build_bot(settings: Settings, clock: Clock) -> Bot:
    """Load and validate config and content (raises ConfigError listing every problem)."""
    content = load_content(settings.config_dir, settings.replies_dir)
    if content.warnings:
        log.info(
            "content warnings (see `flask --app linebot_app check-content`): %d",
            len(content.warnings),
        )
    return Bot(
        settings=settings,
        content=content,
        db=Database(
            settings.database_url,
            pool_size=settings.worker_threads + 4,
            lock_timeout=settings.database_lock_timeout_seconds,
        ),
        line=LineClient(settings),
        clock=clock,
    )
