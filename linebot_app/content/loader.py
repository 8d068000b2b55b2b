"""Every YAML file the bot reads, loaded and checked in one place, inside the start-up check.

`load_content()` reads config/clinic.yaml, config/messages.yaml, config/consultation.yaml,
config/understanding.yaml and the reply cards (with config/style.yaml and
config/banned_words.yaml), and collects the problems of all of them (schema errors naming file
and field, banned wording in any sentence a patient can read, the cards' own rules) before
refusing with one ConfigError, so a typo anywhere is listed with the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict

from linebot_app.content.cards import ReplyLibrary, load_replies
from linebot_app.content.check import check_library, find_banned
from linebot_app.content.clinic import ClinicConfig, load_clinic
from linebot_app.content.wording import say
from linebot_app.content.yaml_config import ConfigError, load_yaml_model
from linebot_app.features.consultation.config import ConsultationConfig, load_consultation_config
from linebot_app.understanding.config import UnderstandingConfig, load_understanding_config

T = TypeVar("T")


class SystemMessages(BaseModel):
    """Sentences outside the cards and the consultation feature (config/messages.yaml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    placeholder_reply: str
    handler_error: str
    review_held_reply: str  # a medical card not yet signed off by the physician (review/)


@dataclass(frozen=True)
class Content:
    clinic: ClinicConfig
    replies: ReplyLibrary
    messages: SystemMessages
    consultation: ConsultationConfig
    warnings: list[str]
    understanding: UnderstandingConfig | None = None

    def say(self, key: str, **values: object) -> str:
        """A sentence of config/messages.yaml with the clinic's details filled in."""
        return say(getattr(self.messages, key), self.clinic, **values)


def load_content(config_dir: Path, replies_dir: Path) -> Content:
    """Load and check every YAML file; raises ConfigError listing every problem found."""
    problems: list[str] = []

    def attempt(load: Callable[[], T]) -> T | None:
        try:
            return load()
        except ConfigError as error:
            problems.extend(error.problems)
            return None

    clinic = attempt(lambda: load_clinic(config_dir / "clinic.yaml"))
    messages = attempt(lambda: load_yaml_model(config_dir / "messages.yaml", SystemMessages))
    consultation = attempt(lambda: load_consultation_config(config_dir))
    understanding = attempt(lambda: load_understanding_config(config_dir))
    replies = attempt(lambda: load_replies(replies_dir, config_dir))
    warnings: list[str] = []
    if replies is not None:
        phrases = [b.phrase for b in replies.banned.banned]
        if clinic is not None:
            errors, warnings = check_library(replies, clinic, with_schema=False)
            problems.extend(errors)
        if messages is not None:
            problems.extend(_banned("config/messages.yaml", _sentences(messages), phrases))
        if consultation is not None:
            problems.extend(
                _banned("config/consultation.yaml", consultation_sentences(consultation), phrases)
            )
        if understanding is not None:
            problems.extend(
                _banned("config/understanding.yaml", _sentences(understanding.texts), phrases)
            )
    if problems:
        raise ConfigError(problems)
    return Content(clinic, replies, messages, consultation, warnings, understanding)


def consultation_sentences(config: ConsultationConfig) -> list[tuple[str, str]]:
    """Every sentence and label of config/consultation.yaml that a patient can read."""
    found = _sentences(config.texts, "texts.") + _sentences(config.buttons, "buttons.")
    found += _sentences(config.fields, "fields.") + _sentences(
        config.status_labels, "status_labels."
    )
    found += [(f"services.{s.key}.label", s.label) for s in config.services]
    return found


def _sentences(model: BaseModel, prefix: str = "") -> list[tuple[str, str]]:
    return [
        (prefix + name, value)
        for name, value in model.model_dump().items()
        if isinstance(value, str)
    ]


def _banned(where: str, sentences: Iterable[tuple[str, str]], phrases: list[str]) -> list[str]:
    return [
        f"{where}: {field}: banned wording '{phrase}' in '{text}'"
        for field, text in sentences
        for phrase in find_banned(text, phrases)
    ]
