"""The card gallery: every reply card rendered from `replies/` as it is on disk right now.

Loaded afresh on every page view, so staff see an edit at once; content problems (the same ones
`check-content` reports) are listed instead of stopping anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from linebot_app.content import (
    check_library,
    load_replies,
    render_fallback,
    render_greeting,
    render_media_reply,
    render_topic,
    render_topics,
)
from linebot_app.content.clinic import load_clinic
from linebot_app.content.wording import say
from linebot_app.content.yaml_config import ConfigError
from linebot_app.sandbox.chats import PATIENT_NAME

CAROUSEL_SAMPLE = ["side_effects", "safety", "price"]


@dataclass(frozen=True)
class GalleryCard:
    """One reply as the patient gets it. `key` is the topic, or `_<name>` for other replies."""

    key: str
    title: str
    source: str
    messages: list[dict[str, Any]]
    kind: str = ""
    reviewed: bool | None = None
    keywords: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Gallery:
    cards: list[GalleryCard]
    errors: list[str]
    warnings: list[str]


def build_gallery(replies_dir: Path, config_dir: Path) -> Gallery:
    try:
        clinic = load_clinic(config_dir / "clinic.yaml")
        library = load_replies(replies_dir, config_dir)
    except ConfigError as error:
        return Gallery([], list(error.problems), [])
    errors, warnings = check_library(library, clinic)
    cards = [
        GalleryCard(
            key=name,
            title=say(card.title, clinic),
            source=f"replies/{name}.yaml",
            messages=render_topic(name, library, clinic),
            kind=card.kind,
            reviewed=card.review.is_reviewed,
            keywords=card.keywords,
        )
        for name, card in sorted(library.topics.items())
    ]
    sample = [t for t in CAROUSEL_SAMPLE if t in library.topics]
    cards += [
        GalleryCard(
            "_greeting_named",
            "greeting",
            "replies/greeting.yaml",
            render_greeting(library, clinic, PATIENT_NAME),
        ),
        GalleryCard(
            "_fallback",
            "fallback",
            "replies/_shared.yaml: fallback_text",
            render_fallback(library, clinic),
        ),
        GalleryCard(
            "_media",
            "media",
            "replies/_shared.yaml: media_reply_text",
            render_media_reply(library, clinic),
        ),
        GalleryCard(
            "_carousel",
            "carousel",
            " + ".join(f"replies/{t}.yaml" for t in sample),
            render_topics(sample, library, clinic),
        ),
    ]
    return Gallery(cards, errors, warnings)
