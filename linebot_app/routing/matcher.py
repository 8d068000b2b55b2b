"""Keyword routing: which topics a patient's message asks about, in the order asked.

One Aho-Corasick automaton (pyahocorasick) holds every normalised keyword, so matching costs the
same with 20 keywords or 2,000. Overlapping matches are resolved longest-first ('安全帽' beats
'安全', '副作用' beats '作用'); phrases mapped to no topic (ignore phrases) swallow what they
cover. English keywords must sit on word boundaries ('book' does not fire inside 'facebook'),
with a plural 's' allowed.

Precision over recall: keywords come in tiers, and only the best tier present counts. Ordinary
keywords win; weak ones ('諮詢', '發展') count when nothing ordinary matched; last-resort ones
(the bare subject, '外泌體') when nothing weak matched either and the message says little else
(「外泌體?」, not 「外泌體可以除疤嗎」, which the bot does not understand); 'alone' topics
(greetings) only when nothing else matched at all. A message with no keyword routes to []
(the fallback reply).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

import ahocorasick

from linebot_app.routing.normalise import is_ascii_word_char, normalise

MAX_TOPICS = 12  # a Flex carousel holds at most 12 bubbles
# Characters a message may hold beyond its keywords for a last-resort keyword to count.
LAST_RESORT_SLACK = 2


class Tier(IntEnum):
    STRONG = 0
    WEAK = 1
    LAST_RESORT = 2
    ALONE = 3


@dataclass(frozen=True)
class KeywordRule:
    """A normalised keyword and the topic it stands for (None: an ignore phrase)."""

    keyword: str
    topic: str | None
    tier: Tier = Tier.STRONG


@dataclass(frozen=True)
class KeywordMatch:
    start: int
    end: int
    rule: KeywordRule

    @property
    def length(self) -> int:
        return self.end - self.start


class KeywordRouter:
    """Routes text to topics with one automaton over all keywords (see module docstring)."""

    def __init__(self, rules: Iterable[KeywordRule]):
        self._automaton = ahocorasick.Automaton()
        self.size = 0
        for rule in rules:
            if not rule.keyword:
                raise ValueError("empty keyword")
            if rule.keyword not in self._automaton:
                self._automaton.add_word(rule.keyword, rule)
                self.size += 1
        if self.size:
            self._automaton.make_automaton()

    def matches(self, normalised: str) -> list[KeywordMatch]:
        """Non-overlapping matches in `normalised` text, longer ones preferred, in text order."""
        if not self.size or not normalised:
            return []
        found = []
        for last, rule in self._automaton.iter(normalised):
            start = last - len(rule.keyword) + 1
            end = _word_end(normalised, start, last + 1, rule.keyword)
            if end is not None:
                found.append(KeywordMatch(start, end, rule))
        found.sort(key=lambda m: (-m.length, m.start))
        taken = bytearray(len(normalised))
        chosen = []
        for match in found:
            if not any(taken[match.start : match.end]):
                taken[match.start : match.end] = b"\x01" * match.length
                chosen.append(match)
        chosen.sort(key=lambda m: m.start)
        return chosen

    def route_normalised(self, normalised: str) -> list[str]:
        matches = self.matches(normalised)
        uncovered = len(normalised) - sum(m.length for m in matches)
        topical = [
            m
            for m in matches
            if m.rule.topic is not None
            and (m.rule.tier != Tier.LAST_RESORT or uncovered <= LAST_RESORT_SLACK)
        ]
        if not topical:
            return []
        tier = min(m.rule.tier for m in topical)
        topics: list[str] = []
        for match in topical:
            if match.rule.tier == tier and match.rule.topic not in topics:
                topics.append(match.rule.topic)
        return topics[:MAX_TOPICS]

    def route_topics(self, text: str) -> list[str]:
        """Topics `text` asks about, in the order mentioned; [] when none (never a guess)."""
        return self.route_normalised(normalise(text))


def route_topics(text: str, router: KeywordRouter) -> list[str]:
    return router.route_topics(text)


def _word_end(text: str, start: int, end: int, keyword: str) -> int | None:
    """End of the match if an English keyword sits on word boundaries, else None.

    Chinese keywords match anywhere. An English keyword may be followed by a plural 's'.
    """
    if is_ascii_word_char(keyword[0]) and start > 0 and is_ascii_word_char(text[start - 1]):
        return None
    if not is_ascii_word_char(keyword[-1]) or end == len(text):
        return end
    if not is_ascii_word_char(text[end]):
        return end
    if text[end] == "s" and (end + 1 == len(text) or not is_ascii_word_char(text[end + 1])):
        return end + 1
    return None
