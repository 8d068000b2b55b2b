"""Accuracy of the understanding step, scored by `linebot_app.understanding.evaluation` (the
same scoring `python -m bench.understanding_accuracy` prints).

The tuning set (keywords and thresholds were tuned on it), the developer's own stories
(negation, cancel/move, slots, urgent, paraphrases), the development sets (each written by a
fresh writer who never saw the keywords, examples or other sets: dev, chat, third, actions,
fourth, fifth, sixth, seventh, eighth, ninth, tenth to thirty-fourth and off-topic were
tuned on, their misses read; fresh and check 1–12 are only scored, like the held-out set), and the
held-out set written before any tuning (tests/data/unseen_messages.yaml, never read to tune
anything; skipped when absent).
Failure output gives aggregate figures only, never messages of the held-out or the blind sets.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from linebot_app.understanding.evaluation import (
    REFERENCE_NOW,
    evaluate,
    load_labelled,
    summary_lines,
)
from linebot_app.understanding.interpretation import build_understanding

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"
TUNING = DATA / "labelled_messages.yaml"
STORIES = DATA / "understanding_stories.yaml"
DEV = DATA / "dev_messages.yaml"
FRESH = DATA / "dev_fresh_messages.yaml"
CHAT = DATA / "dev_chat_messages.yaml"
UNSEEN = DATA / "unseen_messages.yaml"
THIRD = DATA / "dev_third_messages.yaml"
ACTIONS = DATA / "dev_actions_messages.yaml"
FOURTH = DATA / "dev_fourth_messages.yaml"
FIFTH = DATA / "dev_fifth_messages.yaml"
CHECK = DATA / "dev_check_messages.yaml"
CHECK2 = DATA / "dev_check2_messages.yaml"
SIXTH = DATA / "dev_sixth_messages.yaml"
SEVENTH = DATA / "dev_seventh_messages.yaml"
CHECK3 = DATA / "dev_check3_messages.yaml"
OFFTOPIC = DATA / "dev_offtopic_messages.yaml"
EIGHTH = DATA / "dev_eighth_messages.yaml"
NINTH = DATA / "dev_ninth_messages.yaml"
CHECK4 = DATA / "dev_check4_messages.yaml"
TENTH = DATA / "dev_tenth_messages.yaml"
ELEVENTH = DATA / "dev_eleventh_messages.yaml"
TWELFTH = DATA / "dev_twelfth_messages.yaml"
THIRTEENTH = DATA / "dev_thirteenth_messages.yaml"
FOURTEENTH = DATA / "dev_fourteenth_messages.yaml"
FIFTEENTH = DATA / "dev_fifteenth_messages.yaml"
SIXTEENTH = DATA / "dev_sixteenth_messages.yaml"
CHECK6 = DATA / "dev_check6_messages.yaml"
CHECK5 = DATA / "dev_check5_messages.yaml"
SEVENTEENTH = DATA / "dev_seventeenth_messages.yaml"
EIGHTEENTH = DATA / "dev_eighteenth_messages.yaml"
NINETEENTH = DATA / "dev_nineteenth_messages.yaml"
TWENTIETH = DATA / "dev_twentieth_messages.yaml"
TWENTYFIRST = DATA / "dev_twentyfirst_messages.yaml"
TWENTYSECOND = DATA / "dev_twentysecond_messages.yaml"
TWENTYTHIRD = DATA / "dev_twentythird_messages.yaml"
TWENTYFOURTH = DATA / "dev_twentyfourth_messages.yaml"
TWENTYFIFTH = DATA / "dev_twentyfifth_messages.yaml"
TWENTYSIXTH = DATA / "dev_twentysixth_messages.yaml"
TWENTYSEVENTH = DATA / "dev_twentyseventh_messages.yaml"
TWENTYEIGHTH = DATA / "dev_twentyeighth_messages.yaml"
TWENTYNINTH = DATA / "dev_twentyninth_messages.yaml"
CHECK7 = DATA / "dev_check7_messages.yaml"
CHECK8 = DATA / "dev_check8_messages.yaml"
CHECK9 = DATA / "dev_check9_messages.yaml"
CHECK10 = DATA / "dev_check10_messages.yaml"
THIRTIETH = DATA / "dev_thirtieth_messages.yaml"
THIRTYFIRST = DATA / "dev_thirtyfirst_messages.yaml"
THIRTYSECOND = DATA / "dev_thirtysecond_messages.yaml"
CHECK11 = DATA / "dev_check11_messages.yaml"
THIRTYTHIRD = DATA / "dev_thirtythird_messages.yaml"
THIRTYFOURTH = DATA / "dev_thirtyfourth_messages.yaml"
CHECK12 = DATA / "dev_check12_messages.yaml"
BLIND = {
    UNSEEN,
    FRESH,
    CHECK,
    CHECK2,
    CHECK3,
    CHECK4,
    CHECK5,
    CHECK6,
    CHECK7,
    CHECK8,
    CHECK9,
    CHECK10,
    CHECK11,
    CHECK12,
}  # scored only: their messages are never shown
SETS = [
    TUNING,
    STORIES,
    DEV,
    FRESH,
    CHAT,
    THIRD,
    ACTIONS,
    FOURTH,
    FIFTH,
    SIXTH,
    SEVENTH,
    EIGHTH,
    NINTH,
    TENTH,
    ELEVENTH,
    TWELFTH,
    THIRTEENTH,
    FOURTEENTH,
    FIFTEENTH,
    SIXTEENTH,
    SEVENTEENTH,
    EIGHTEENTH,
    NINETEENTH,
    TWENTIETH,
    TWENTYFIRST,
    TWENTYSECOND,
    TWENTYTHIRD,
    TWENTYFOURTH,
    TWENTYFIFTH,
    TWENTYSIXTH,
    TWENTYSEVENTH,
    TWENTYEIGHTH,
    TWENTYNINTH,
    THIRTIETH,
    THIRTYFIRST,
    THIRTYSECOND,
    THIRTYTHIRD,
    THIRTYFOURTH,
    OFFTOPIC,
    CHECK,
    CHECK2,
    CHECK3,
    CHECK4,
    CHECK5,
    CHECK6,
    CHECK7,
    CHECK8,
    CHECK9,
    CHECK10,
    CHECK11,
    CHECK12,
    UNSEEN,
]
# What was reached (docs/understanding.md), less about a point: a floor, not the goal. The
# held-out set's goal was 92% with no off-topic card and no negated action; it has been scored
# often (aggregate figures only: at each commit of earlier sessions, a few times a session since
# and by every run of this test), last at 91.0% with 4 off-topic cards and 1 negated action
# fired (2026-12-04). Reaching the goal by tuning on it would make it one more
# tuning set.
REQUIRED = {
    TUNING: 0.98,
    STORIES: 0.99,
    DEV: 0.96,
    FRESH: 0.94,
    CHAT: 0.99,
    THIRD: 0.97,
    ACTIONS: 0.96,
    FOURTH: 0.98,
    FIFTH: 0.98,
    SIXTH: 0.96,
    SEVENTH: 0.95,
    EIGHTH: 0.98,
    NINTH: 0.97,
    TENTH: 0.98,
    ELEVENTH: 0.98,
    TWELFTH: 0.92,
    THIRTEENTH: 0.98,
    FOURTEENTH: 0.98,
    FIFTEENTH: 0.98,
    SIXTEENTH: 0.97,
    SEVENTEENTH: 0.97,
    EIGHTEENTH: 0.93,
    NINETEENTH: 0.95,
    TWENTIETH: 0.97,
    TWENTYFIRST: 0.89,
    TWENTYSECOND: 0.97,
    TWENTYTHIRD: 0.90,
    TWENTYFOURTH: 0.96,
    TWENTYFIFTH: 0.91,
    TWENTYSIXTH: 0.91,
    TWENTYSEVENTH: 0.93,
    TWENTYEIGHTH: 0.96,
    TWENTYNINTH: 0.95,
    THIRTIETH: 0.88,
    THIRTYFIRST: 0.95,
    THIRTYSECOND: 0.96,
    THIRTYTHIRD: 0.90,
    THIRTYFOURTH: 0.91,
    OFFTOPIC: 0.97,
    CHECK: 0.94,
    CHECK2: 0.94,
    CHECK3: 0.92,
    CHECK4: 0.89,
    CHECK5: 0.97,
    CHECK6: 0.94,
    CHECK7: 0.95,
    CHECK8: 0.91,
    CHECK9: 0.95,
    CHECK10: 0.95,
    CHECK11: 0.93,
    CHECK12: 0.93,
    UNSEEN: 0.90,
}
MAX_OFFTOPIC_CARDS = {
    THIRD: 1,
    ACTIONS: 2,
    FOURTH: 1,
    SIXTH: 1,
    NINTH: 1,
    TWELFTH: 1,
    SEVENTEENTH: 1,
    EIGHTEENTH: 4,
    NINETEENTH: 7,
    TWENTYFIRST: 1,
    TWENTYTHIRD: 2,
    TWENTYFOURTH: 1,
    TWENTYFIFTH: 4,
    TWENTYSIXTH: 20,
    TWENTYSEVENTH: 1,
    TWENTYEIGHTH: 3,
    TWENTYNINTH: 1,
    THIRTIETH: 13,
    THIRTYTHIRD: 2,
    THIRTYFOURTH: 3,
    CHECK3: 1,
    CHECK6: 1,
    CHECK7: 2,
    CHECK9: 1,
    CHECK10: 1,
    CHECK11: 1,
    UNSEEN: 4,
}
MAX_NEGATED_FIRED = {CHECK8: 1, CHECK9: 1, CHECK11: 1, UNSEEN: 1}


@pytest.fixture(scope="module")
def understanding():
    return build_understanding(PROJECT_ROOT / "replies", PROJECT_ROOT / "config")


def _report(understanding, path: Path):
    if not path.exists():
        pytest.skip(f"{path.name} not present")
    return evaluate(load_labelled(path), lambda text: understanding.interpret(text, REFERENCE_NOW))


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.stem)
def test_patients_are_understood(understanding, path):
    report = _report(understanding, path)
    summary = "\n".join(summary_lines(report, path.name))
    print("\n" + summary)
    if path not in BLIND:  # the held-out and blind sets' messages are never shown
        for expected, got in report.misses:
            print(f"  miss [{expected.kind}] {expected.text!r}: {got.intent} {got.topic_names}")
    accuracy, required = report.accuracy, REQUIRED[path]  # plain numbers in a failure
    assert accuracy >= required, summary


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.stem)
def test_off_topic_chat_never_gets_a_card_and_negated_actions_never_fire(understanding, path):
    report = _report(understanding, path)
    offtopic_cards, negated_fired = report.offtopic_cards, report.negated_fired
    limits = MAX_OFFTOPIC_CARDS.get(path, 0), MAX_NEGATED_FIRED.get(path, 0)
    summary = "\n".join(summary_lines(report, path.name))
    assert offtopic_cards <= limits[0] and negated_fired <= limits[1], summary
