"""What the console adds to the content, on every worker within a few seconds: FAQ cards once
a physician signs them off (they join the library the router and the cards use), and the
phrasings staff taught (keywords into the router, examples into the nearest-example stage).

`refresh_if_due(db)` runs before each event's transaction (processing.py) and reads the
database in its own short transaction at most every `ttl` seconds: never inside the event's
transaction, whose SQLite write lock must not be taken before the context's lazily loaded
state (Python 3.11's cached_property locks per class, so that order could deadlock). The
library and its keyword router are rebuilt only when the set of live cards (name and content
hash) or of taught phrases changes.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace

from sqlalchemy.orm import Session

from linebot_app.content.cards import ReplyLibrary, TopicCard
from linebot_app.review.faq import faq_rows, library_with, valid_faq_cards
from linebot_app.review.gate import signed_off_pairs
from linebot_app.review.state import rendered_card
from linebot_app.review.teaching import EXAMPLE, taught_rows, with_taught
from linebot_app.understanding.examples import ExampleMemory

log = logging.getLogger(__name__)
DEFAULT_TTL_SECONDS = 3.0


class LiveCards:
    def __init__(
        self,
        bot,
        ttl: float = DEFAULT_TTL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self.bot = bot
        self.base: ReplyLibrary = bot.replies
        self.ttl = ttl
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._checked_at: float | None = None
        self._live: dict[str, str] = {}  # topic → content hash of the live FAQ cards
        self._taught: tuple[tuple[str, str, str], ...] = ()  # (kind, topic, text)
        self._untaught: tuple[ReplyLibrary, ExampleMemory | None] = (self.base, None)
        self._hashes: dict[tuple[str, str], str] = {}  # (topic, data json) → content hash

    def invalidate(self) -> None:
        with self._lock:
            self._checked_at = None

    def review_library(self, session: Session) -> ReplyLibrary:
        """YAML cards plus every valid console card, live or not, with what staff taught (for
        review, lint and teaching)."""
        library, _ = library_with(self.base, valid_faq_cards(faq_rows(session)))
        library, _ = with_taught(library, _phrases(session))
        return library

    def _hash(self, name: str, card: TopicCard) -> str:
        key = (name, json.dumps(card.model_dump(mode="json"), sort_keys=True, ensure_ascii=False))
        found = self._hashes.get(key)
        if found is None:
            library, _ = library_with(self.base, {name: card})
            found = rendered_card(name, library, self.bot.clinic).content_hash
            self._hashes[key] = found
        return found

    def _due(self) -> bool:
        now = self._monotonic()
        with self._lock:
            if self._checked_at is not None and now - self._checked_at < self.ttl:
                return False
            self._checked_at = now
            return True

    def refresh_if_due(self, db) -> None:
        """Outside any transaction. A database error keeps the cards as they are (logged)."""
        if not self._due():
            return
        try:
            with db.session() as session:
                self._load(session)
        except Exception as error:
            self.invalidate()
            log.warning("live FAQ cards not refreshed: %s", error.__class__.__name__)

    def refresh(self, session: Session) -> None:
        if self._due():
            self._load(session)

    def _load(self, session: Session) -> None:
        rows = faq_rows(session)
        cards = valid_faq_cards(rows)
        signed = signed_off_pairs(session)
        live = {}
        for name, card in cards.items():
            digest = self._hash(name, card)
            if (name, digest) in signed:
                live[name] = digest
        taught = _phrases(session)
        if live == self._live and taught == self._taught:
            return
        library, problems = library_with(self.base, {n: cards[n] for n in live})
        if problems:
            log.error("live FAQ cards not loaded (keyword clash): %s", "; ".join(problems))
            return
        idf = self.bot.services.understanding.idf
        faq_examples = [(r.topic, e) for r in rows if r.topic in live for e in r.examples or []]
        self._untaught = (library, ExampleMemory(faq_examples, idf))
        library, skipped = with_taught(library, taught)
        if skipped:
            log.warning("taught phrases left out: %s", "; ".join(skipped))
        examples = faq_examples + [(t, text) for kind, t, text in taught if kind == EXAMPLE]
        memory = ExampleMemory([(t, e) for t, e in examples if t in library.topics], idf)
        self._install(library, memory)
        self._live, self._taught = live, taught
        log.info(
            "live FAQ cards: %s; taught phrases: %d",
            ", ".join(sorted(live)) or "none",
            len(taught),
        )

    def untaught_understanding(self):
        """A copy of this process's understanding step without what staff taught (FAQ cards
        still live), to show whether the teaching helped."""
        plain = copy.copy(self.bot.services.understanding)
        library, memory = self._untaught
        plain.use_library(library)
        plain.use_examples(memory if memory is not None and len(memory) else None)
        return plain

    def _install(self, library: ReplyLibrary, memory: ExampleMemory) -> None:
        services = self.bot.services
        gate = services.topics.gate
        if gate is not None:
            gate.use_library(library)
        services.understanding.use_library(library)
        services.understanding.use_examples(memory if len(memory) else None)
        services.topics = replace(services.topics, library=library)


def _phrases(session: Session) -> tuple[tuple[str, str, str], ...]:
    return tuple((row.kind, row.topic, row.text) for row in taught_rows(session))
