"""Scoring an interpreter on labelled patient messages: one definition for the accuracy test and
the `bench.understanding_accuracy` printout.

A message is correct when the interpretation's intent matches and the topics it answers
(band "answer") equal the expected topics, in order. Details:

- The topic that *is* an intent's action is not counted twice: `booking` for book / cancel /
  move / my requests, `human` for hand-over, `greeting` for a greeting are dropped from both
  the expected and the answered topics before comparing (labels may or may not list them).
- Expected `offtopic` (or `ask` with no topic, which a card cannot answer either): correct when
  no topic card is answered and no action fires; clarifying or the fallback both count.
- Expected topics answered with band "clarify" whose quick replies hold the first expected topic
  count as *clarified*: reported separately, not correct.
- Older labels without `intent` get one derived from their topics (booking → book, human →
  handover, [greeting] → greeting, [] → offtopic, else ask).

Only aggregate figures leave this module through `summary_lines`; the held-out set's messages
are never printed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import yaml

ACTION_TOPIC = {
    "book": "booking",
    "cancel_request": "booking",
    "move_request": "booking",
    "my_requests": "booking",
    "handover": "human",
    "greeting": "greeting",
}
NOTHING_TO_ANSWER = frozenset({"offtopic", "ask"})
ACTIONS = frozenset({"book", "cancel_request", "move_request", "handover", "delete_data"})
REFERENCE_NOW = dt.datetime(2026, 12, 3, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


class Scorable(Protocol):
    """What the scoring reads from an interpretation (the real one or the legacy adapter)."""

    intent: str
    band: str

    @property
    def answered_topics(self) -> tuple[str, ...]: ...

    @property
    def clarify_topics(self) -> tuple[str, ...]: ...

    def entity_values(self) -> dict[str, str]: ...


@dataclass(frozen=True)
class Labelled:
    text: str
    topics: tuple[str, ...]
    intent: str
    negated: frozenset[str]
    entities: dict
    kind: str


@dataclass
class Outcome:
    correct: bool
    clarified: bool
    wrong_card: bool  # a card for a topic the patient did not ask about
    offtopic_card: bool  # off-topic chat answered with a topic card
    negated_fired: bool  # an intent the patient negated was acted on
    intent_ok: bool
    entities_ok: bool | None = None  # None: no entities expected


@dataclass
class Report:
    total: int = 0
    correct: int = 0
    clarified: int = 0
    wrong_cards: int = 0
    offtopic_cards: int = 0
    negated_fired: int = 0
    intent_ok: int = 0
    with_entities: int = 0
    entities_ok: int = 0
    by_kind: dict[str, list[int]] = field(default_factory=dict)  # kind → [correct, total]
    by_intent: dict[str, list[int]] = field(default_factory=dict)
    misses: list[tuple[Labelled, object]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def derive_intent(topics: Iterable[str]) -> str:
    topics = list(topics)
    if "booking" in topics:
        return "book"
    if "human" in topics:
        return "handover"
    if topics == ["greeting"]:
        return "greeting"
    return "ask" if topics else "offtopic"


def load_labelled(path: Path) -> list[Labelled]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]
    result = []
    for entry in entries:
        topics = tuple(entry.get("topics") or ())
        result.append(
            Labelled(
                text=str(entry["text"]),
                topics=topics,
                intent=entry.get("intent") or derive_intent(topics),
                negated=frozenset(entry.get("negated") or ()),
                entities=dict(entry.get("entities") or {}),
                kind=str(entry.get("kind", "")),
            )
        )
    return result


def _without_action_topic(topics: Iterable[str], intent: str) -> tuple[str, ...]:
    drop = ACTION_TOPIC.get(intent)
    return tuple(t for t in topics if t != drop)


def score_one(expected: Labelled, got: Scorable) -> Outcome:
    answered = tuple(got.answered_topics) if got.band == "answer" else ()
    negated_fired = got.intent in expected.negated
    if expected.intent in NOTHING_TO_ANSWER and not _without_action_topic(
        expected.topics, expected.intent
    ):
        shown = _without_action_topic(answered, got.intent)
        intent_ok = got.intent in NOTHING_TO_ANSWER
        correct = intent_ok and not shown
        return Outcome(
            correct=correct,
            clarified=False,
            wrong_card=bool(shown),
            offtopic_card=bool(shown) and expected.intent == "offtopic",
            negated_fired=negated_fired,
            intent_ok=intent_ok,
        )
    want = _without_action_topic(expected.topics, expected.intent)
    have = _without_action_topic(answered, got.intent)
    intent_ok = got.intent == expected.intent
    correct = intent_ok and want == have
    clarified = (
        not correct
        and got.band == "clarify"
        and bool(want)
        and want[0] in tuple(got.clarify_topics)
    )
    return Outcome(
        correct=correct,
        clarified=clarified,
        wrong_card=bool(set(have) - set(want)),
        offtopic_card=False,
        negated_fired=negated_fired,
        intent_ok=intent_ok,
    )


def _entities_ok(expected: Labelled, got: Scorable) -> bool | None:
    if not expected.entities:
        return None
    values = got.entity_values()
    for key, want in expected.entities.items():
        have = values.get(key)
        if key == "phone":
            want = "".join(c for c in str(want) if c.isdigit())
            have = "".join(c for c in str(have or "") if c.isdigit())
            have = "0" + have[3:] if have.startswith("886") else have
        if str(want) != str(have or ""):
            return False
    return True


def evaluate(labelled: list[Labelled], interpret: Callable[[str], Scorable]) -> Report:
    report = Report()
    for expected in labelled:
        got = interpret(expected.text)
        outcome = score_one(expected, got)
        outcome.entities_ok = _entities_ok(expected, got)
        if outcome.entities_ok is not None:
            report.with_entities += 1
            report.entities_ok += outcome.entities_ok
        report.total += 1
        report.correct += outcome.correct
        report.clarified += outcome.clarified
        report.wrong_cards += outcome.wrong_card
        report.offtopic_cards += outcome.offtopic_card
        report.negated_fired += outcome.negated_fired
        report.intent_ok += outcome.intent_ok
        for table, key in ((report.by_kind, expected.kind), (report.by_intent, expected.intent)):
            row = table.setdefault(key, [0, 0])
            row[0] += outcome.correct
            row[1] += 1
        if not outcome.correct:
            report.misses.append((expected, got))
    return report


def summary_lines(report: Report, title: str) -> list[str]:
    """Aggregate figures only (safe for the held-out set)."""
    lines = [
        f"{title}: {report.accuracy:.1%} correct ({report.correct}/{report.total}), "
        f"clarified {report.clarified}, intent right {report.intent_ok}/{report.total}, "
        f"wrong cards {report.wrong_cards}, off-topic cards {report.offtopic_cards}, "
        f"negated actions fired {report.negated_fired}, "
        f"entities right {report.entities_ok}/{report.with_entities}"
    ]
    for label, table in (("kind", report.by_kind), ("intent", report.by_intent)):
        parts = [f"{key} {ok}/{n} ({ok / n:.0%})" for key, (ok, n) in sorted(table.items()) if n]
        lines.append(f"  by {label}: " + ", ".join(parts))
    return lines
