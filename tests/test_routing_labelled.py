"""Routing accuracy on realistic patient messages (tests/data/labelled_messages.yaml).

Accuracy counts a message right only when the topics match exactly, in the order asked. For
off-topic chat the rule is absolute: it must route to nothing (the fallback), never to a card.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from linebot_app.content import load_replies

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LABELLED = Path(__file__).parent / "data" / "labelled_messages.yaml"
REQUIRED_ACCURACY = 0.95


@pytest.fixture(scope="module")
def library():
    return load_replies(PROJECT_ROOT / "replies", PROJECT_ROOT / "config")


@pytest.fixture(scope="module")
def labelled() -> list[dict]:
    return yaml.safe_load(LABELLED.read_text(encoding="utf-8"))["messages"]


def test_labelled_set_is_large_and_varied(labelled, library):
    kinds = Counter(m["kind"] for m in labelled)
    assert len(labelled) >= 150
    for kind in ("zh-TW", "zh-CN", "en", "fullwidth", "emoji", "typo", "polite", "multi"):
        assert kinds[kind] >= 5, f"too few '{kind}' messages"
    assert kinds["offtopic"] >= 30
    for message in labelled:
        assert set(message["topics"]) <= set(library.topics), message
    asked = {t for m in labelled for t in m["topics"]}
    assert asked == set(library.topics), f"topics never asked: {set(library.topics) - asked}"


def test_patients_questions_reach_the_right_cards(labelled, library):
    misses = []
    for message in labelled:
        got = library.route_topics(message["text"])
        if got != message["topics"]:
            misses.append((message["kind"], message["text"], message["topics"], got))
    accuracy = 1 - len(misses) / len(labelled)
    print(f"\nrouting accuracy {accuracy:.1%} ({len(labelled) - len(misses)}/{len(labelled)})")
    for kind, text, expected, got in misses:
        print(f"  miss [{kind}] {text!r}: expected {expected}, got {got}")
    assert accuracy >= REQUIRED_ACCURACY


def test_off_topic_chat_never_gets_a_topic_card(labelled, library):
    wrong = [
        (m["text"], library.route_topics(m["text"]))
        for m in labelled
        if not m["topics"] and library.route_topics(m["text"])
    ]
    for text, got in wrong:
        print(f"  off-topic {text!r} routed to {got}")
    assert wrong == []


def test_no_message_routes_to_a_topic_it_did_not_ask_about(labelled, library):
    """Recall misses fall back to the menu; a card for another topic is the error that matters."""
    wrong = []
    for message in labelled:
        extra = set(library.route_topics(message["text"])) - set(message["topics"])
        if extra:
            wrong.append((message["text"], sorted(extra)))
    for text, extra in wrong:
        print(f"  {text!r} also got {extra}")
    assert wrong == []
