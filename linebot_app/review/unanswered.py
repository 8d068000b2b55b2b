"""The console's Unanswered page: what patients asked that no card answered, grouped by
similarity (masked, with counts), and what patients tapped under a clarifying question
(「patients who wrote X chose topic Y」), with the topic the classifier would guess.

Grouping is greedy over the same character n-gram vectors as the nearest-example stage: the
most frequent message leads a group; a later one joins the first leader it resembles at
`GROUP_SIMILARITY` or more.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from linebot_app.understanding.clarifications import NONE_OF_THESE, ClarificationQuestion
from linebot_app.understanding.classifier import OFFTOPIC
from linebot_app.understanding.examples import ExampleMemory
from linebot_app.understanding.unmatched import UnmatchedMessage

GROUP_SIMILARITY = 0.5
MAX_ROWS = 300
MIN_GUESS = 0.2  # below this the classifier's guess is not worth preselecting


@dataclass
class UnansweredGroup:
    lead: UnmatchedMessage
    members: list[UnmatchedMessage] = field(default_factory=list)
    guess: str | None = None  # the topic the classifier leans to, preselected in the form

    @property
    def count(self) -> int:
        return sum(m.count for m in self.members)

    @property
    def last_seen(self) -> dt.datetime:
        return max(m.last_seen for m in self.members)


@dataclass
class TappedQuestion:
    sample_text: str
    normalised_text: str
    chosen: Counter  # topic (or "none") → how many patients tapped it

    @property
    def count(self) -> int:
        return sum(self.chosen.values())

    @property
    def top_topic(self) -> str | None:
        topics = [t for t, _ in self.chosen.most_common() if t != NONE_OF_THESE]
        return topics[0] if topics else None


def unanswered_groups(session: Session, understanding, topics: set[str]) -> list[UnansweredGroup]:
    rows = session.scalars(
        select(UnmatchedMessage)
        .where(UnmatchedMessage.resolved_at.is_(None))
        .order_by(UnmatchedMessage.count.desc(), UnmatchedMessage.last_seen.desc())
        .limit(MAX_ROWS)
    )
    leaders = ExampleMemory([], understanding.idf)
    groups: list[UnansweredGroup] = []
    for row in rows:
        near = leaders.nearest(row.normalised_text)
        if near is not None and near.similarity >= GROUP_SIMILARITY:
            groups[int(near.topic)].members.append(row)
            continue
        leaders.add(str(len(groups)), row.normalised_text)  # the group's index as its label
        groups.append(UnansweredGroup(lead=row, members=[row]))
    for group in groups:
        group.guess = _guess(understanding, group.lead.normalised_text, topics)
    return sorted(groups, key=lambda g: (-g.count, -g.last_seen.timestamp()))


def tapped_questions(session: Session, limit: int = 100) -> list[TappedQuestion]:
    rows = session.scalars(
        select(ClarificationQuestion)
        .where(ClarificationQuestion.chosen_topic.is_not(None))
        .order_by(ClarificationQuestion.chosen_at.desc())
        .limit(MAX_ROWS)
    )
    found: dict[str, TappedQuestion] = {}
    for row in rows:
        entry = found.setdefault(
            row.normalised_text, TappedQuestion(row.sample_text, row.normalised_text, Counter())
        )
        entry.chosen[row.chosen_topic] += 1
    return sorted(found.values(), key=lambda t: -t.count)[:limit]


def resolve(session: Session, message_id: int, resolution: str, now: dt.datetime):
    row = session.get(UnmatchedMessage, message_id)
    if row is not None:
        row.resolved_at, row.resolution = now, resolution[:80]
    return row


def _guess(understanding, normalised: str, topics: set[str]) -> str | None:
    model = understanding.model
    if model is None:
        return None
    for prediction in model.predict(normalised):
        if prediction.label == OFFTOPIC or prediction.probability < MIN_GUESS:
            return None
        if prediction.label in topics:
            return prediction.label
    return None
