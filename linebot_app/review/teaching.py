"""Teaching the bot from the console: a patient's phrasing added as an example (or a keyword)
of a topic, stored in the database, validated like replies/ content, audited by the caller,
live on every worker within seconds (live.py), removable, and exported to YAML
(`replies/_taught.yaml`, which load_replies reads back into the topics).

Keywords go into the keyword automaton (the precise first stage): one claimed by two topics is
refused with the reason check-content would give. Examples go to the nearest-example stage
(understanding/examples.py) and, once exported, into the classifier's training data. Booking
and hand-over are actions: they can be taught keywords only, never examples, so a look-alike
question never starts a booking or silences the bot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import yaml
from sqlalchemy import String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from linebot_app.content.cards import TAUGHT_FILE, ReplyLibrary, keyword_rules
from linebot_app.storage.models import Base, BigId
from linebot_app.understanding.keywords import KeywordRouter
from linebot_app.understanding.normalise import normalise

EXAMPLE, KEYWORD = "example", "keyword"
KINDS = (EXAMPLE, KEYWORD)
KIND_LABELS = {EXAMPLE: "範例", KEYWORD: "關鍵字"}
NOT_TEACHABLE = frozenset({"greeting"})
KEYWORD_ONLY = frozenset({"booking", "human"})  # actions: a look-alike must never fire them
MIN_KEYWORD, MAX_KEYWORD, MAX_EXAMPLE = 2, 24, 200


class TaughtPhrase(Base):
    """One phrasing staff taught: an example or a keyword of `topic`."""

    __tablename__ = "taught_phrases"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(10))
    topic: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(String(MAX_EXAMPLE))
    normalised: Mapped[str] = mapped_column(String(MAX_EXAMPLE))
    created_at: Mapped[dt.datetime]
    created_by: Mapped[str] = mapped_column(String(254))

    __table_args__ = (UniqueConstraint("kind", "normalised", name="uq_taught_kind_text"),)


class TeachingRefused(ValueError):
    pass


def taught_rows(session: Session) -> list[TaughtPhrase]:
    return list(session.scalars(select(TaughtPhrase).order_by(TaughtPhrase.id)))


def with_taught(
    library: ReplyLibrary, phrases: Iterable[tuple[str, str, str]]
) -> tuple[ReplyLibrary, list[str]]:
    """`library` with taught (kind, topic, text) added to its topics' keywords and examples.
    A phrase that no longer fits (its topic is gone, or a deployed YAML file now claims the
    keyword for another topic) is left out and reported; the rest still apply."""
    topics = dict(library.topics)
    skipped: list[str] = []
    rules, _ = keyword_rules(topics, library.shared)
    owners = {rule.keyword: rule.topic for rule in rules}
    for kind, topic, text in phrases:
        card = topics.get(topic)
        key = normalise(text)
        if card is None or not key:
            skipped.append(f"{KIND_LABELS.get(kind, kind)}「{text}」: topic {topic} not found")
            continue
        if kind == KEYWORD:
            owner = owners.get(key, topic)
            if owner != topic:
                skipped.append(f"關鍵字「{text}」: now claimed by {owner or 'ignore_phrases'}")
                continue
            owners[key] = topic
            topics[topic] = card.model_copy(update={"keywords": [*card.keywords, text]})
        else:
            topics[topic] = card.model_copy(update={"examples": [*card.examples, text]})
    rules, _ = keyword_rules(topics, library.shared)
    return replace(library, topics=topics, router=KeywordRouter(rules)), skipped


def phrase_problems(kind: str, topic: str, text: str, library: ReplyLibrary) -> list[str]:
    """Why `text` cannot be taught to `topic` (empty when it can). `library` is what the bot
    routes with now, taught phrases included."""
    key = normalise(text)
    label = KIND_LABELS.get(kind)
    if label is None:
        return [f"unknown kind '{kind}': use example or keyword"]
    if topic not in library.topics or topic in NOT_TEACHABLE:
        return [f"topic '{topic}' cannot be taught"]
    if not key:
        return [f"{label}「{text}」is empty once normalised (only emoji or punctuation)"]
    if kind == EXAMPLE and topic in KEYWORD_ONLY:
        return [f"{topic} is an action (booking, hand-over): teach it keywords, not examples"]
    if kind == KEYWORD and not MIN_KEYWORD <= len(key) <= MAX_KEYWORD:
        return [
            f"關鍵字「{text}」must be {MIN_KEYWORD}–{MAX_KEYWORD} characters once normalised: "
            "a keyword is a short phrase (副作用, 恢復期), not a whole message"
        ]
    if len(text) > MAX_EXAMPLE:
        return [f"{label} is longer than {MAX_EXAMPLE} characters"]
    card = library.topics[topic]
    if kind == KEYWORD:
        if key in {normalise(k) for k in card.keywords}:
            return [f"關鍵字「{text}」is already a keyword of {topic}"]
        # The topic with this keyword alone: whatever clash is found is this keyword's.
        trial = {**library.topics, topic: card.model_copy(update={"keywords": [text]})}
        _, problems = keyword_rules(trial, library.shared)
        return [p for p in problems if f"read as '{key}'" in p][:1]
    for name, other in library.topics.items():
        if key in {normalise(e) for e in other.examples}:
            where = "already an example of" if name == topic else "is an example of"
            return [f"範例「{text}」{where} {name}"]
    return []


def teach(
    session: Session,
    now: dt.datetime,
    *,
    kind: str,
    topic: str,
    text: str,
    library: ReplyLibrary,
    author: str,
) -> TaughtPhrase:
    text = " ".join(text.split())
    problems = phrase_problems(kind, topic, text, library)
    if problems:
        raise TeachingRefused(problems[0])
    row = TaughtPhrase(
        kind=kind,
        topic=topic,
        text=text,
        normalised=normalise(text),
        created_at=now,
        created_by=author,
    )
    session.add(row)
    session.flush()
    return row


def forget(session: Session, phrase_id: int) -> TaughtPhrase | None:
    row = session.get(TaughtPhrase, phrase_id)
    if row is not None:
        session.delete(row)
        session.flush()
    return row


def _by_topic(
    phrases: Iterable[tuple[str, str, str]], into: dict | None = None
) -> dict[str, dict[str, list[str]]]:
    """(kind, topic, text) as {topic: {keywords: [...], examples: [...]}}, without repeats."""
    by_topic: dict[str, dict[str, list[str]]] = into if into is not None else {}
    for kind, topic, text in phrases:
        entry = by_topic.setdefault(topic, {})
        texts = entry.setdefault("keywords" if kind == KEYWORD else "examples", [])
        if normalise(text) not in {normalise(t) for t in texts}:
            texts.append(text)
    return by_topic


def export_taught(rows: Iterable[TaughtPhrase], existing: dict | None = None) -> str:
    """The taught phrases as replies/_taught.yaml (added to `existing`, the file's content)."""
    merged = {
        topic: {k: list(v) for k, v in entry.items()} for topic, entry in (existing or {}).items()
    }
    by_topic = _by_topic(((r.kind, r.topic, r.text) for r in rows), merged)
    header = (
        "# Phrasings staff taught in the console, exported by `content export`. load_replies adds\n"
        "# them to each topic's keywords and examples; `understanding train` learns the examples.\n"
    )
    return header + yaml.safe_dump(
        dict(sorted(by_topic.items())), allow_unicode=True, sort_keys=False, width=100
    )


def export_taught_file(rows: Iterable[TaughtPhrase], path: Path) -> None:
    """Write (or extend) replies/_taught.yaml: what it held stays, the database's rows join."""
    existing = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    path.write_text(export_taught(rows, existing or {}), encoding="utf-8")


__all__ = [
    "EXAMPLE",
    "KEYWORD",
    "TAUGHT_FILE",
    "TaughtPhrase",
    "TeachingRefused",
    "export_taught",
    "export_taught_file",
    "forget",
    "phrase_problems",
    "taught_rows",
    "teach",
    "with_taught",
]
