"""Keyword routing: which topics a patient's message asks about, in the order asked.

One Aho-Corasick automaton (pyahocorasick) holds every normalised keyword, so matching costs
about the same with 20 keywords or 2,000. The automaton reads UTF-8 bytes (as latin-1 code
points), not characters: pyahocorasick finds a node's child by a linear scan, and with Chinese
characters the root node alone would grow a child per distinct first character (over a thousand
with 2,000 keywords); with bytes no node has more than 256.

Overlapping matches are resolved longest-first ('安全帽' beats '安全', '副作用' beats '作用');
phrases mapped to no topic (ignore phrases) swallow what they cover. English keywords must sit
on word boundaries ('book' does not fire inside 'facebook'), with a plural 's' allowed.

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

from linebot_app.understanding.normalise import is_ascii_word_char, normalise

MAX_TOPICS = 12  # a Flex carousel holds at most 12 bubbles
# Characters a message may hold beyond its keywords for a last-resort keyword to count.
LAST_RESORT_SLACK = 2
# ... and for a greeting (an 'alone' topic): 「哈囉～請問一下」 greets,
# 「早安 今天好冷喔 被窩出不來啦」 chats.
ALONE_SLACK = 8


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
        self.rules: list[KeywordRule] = []  # as added (the first of a repeated keyword)
        for rule in rules:
            if not rule.keyword:
                raise ValueError("empty keyword")
            key = _bytes_as_text(rule.keyword)
            if key not in self._automaton:
                english_start = is_ascii_word_char(rule.keyword[0])
                english_end = is_ascii_word_char(rule.keyword[-1])
                value = (len(key), len(rule.keyword), english_start, english_end, rule)
                self._automaton.add_word(key, value)
                self.rules.append(rule)
                self.size += 1
        if self.size:
            self._automaton.make_automaton()

    def matches(self, normalised: str) -> list[KeywordMatch]:
        """Non-overlapping matches in `normalised` text, longer ones preferred, in text order.

        Positions are character offsets into `normalised`.
        """
        if not self.size or not normalised:
            return []
        encoded = _bytes_as_text(normalised)
        found: list[tuple[int, int, int, KeywordRule]] = []  # byte start/end, chars, rule
        for last, (size, chars, english_start, english_end, rule) in self._automaton.iter(encoded):
            start, end = last - size + 1, last + 1
            if english_start and start > 0 and is_ascii_word_char(encoded[start - 1]):
                continue
            if english_end and end < len(encoded) and is_ascii_word_char(encoded[end]):
                if not _plural_s(encoded, end):
                    continue
                end, chars = end + 1, chars + 1
            found.append((start, end, chars, rule))
        if len(found) > 1:
            found.sort(key=lambda m: (-m[2], m[0]))  # longest (in characters) first, leftmost
            taken = bytearray(len(encoded))
            chosen = []
            for match in found:
                start, end = match[0], match[1]
                if not any(taken[start:end]):
                    taken[start:end] = b"\x01" * (end - start)
                    chosen.append(match)
            found = sorted(chosen, key=lambda m: m[0])
        result = []
        for start, _end, chars, rule in found:
            char_start = len(encoded[:start].encode("latin-1").decode("utf-8"))
            result.append(KeywordMatch(char_start, char_start + chars, rule))
        return result

    def route_normalised(self, normalised: str) -> list[str]:
        return self.route_matches(self.matches(normalised), len(normalised))

    @staticmethod
    def route_matches(matches: list[KeywordMatch], length: int) -> list[str]:
        """Topics from `matches` of a normalised text of `length` characters (the tiers rule);
        the understanding step calls it with the matches a negation left standing."""
        uncovered = length - sum(m.length for m in matches)
        topical = [
            m
            for m in matches
            if m.rule.topic is not None
            and (m.rule.tier != Tier.LAST_RESORT or uncovered <= LAST_RESORT_SLACK)
            and (m.rule.tier != Tier.ALONE or uncovered <= ALONE_SLACK)
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


def _bytes_as_text(text: str) -> str:
    """UTF-8 bytes as a str of code points below 256 (ASCII stays itself)."""
    return text.encode("utf-8").decode("latin-1")


def _plural_s(text: str, end: int) -> bool:
    """An English keyword may be followed by a plural 's' ('risk' matches 'risks')."""
    return text[end] == "s" and (end + 1 == len(text) or not is_ascii_word_char(text[end + 1]))
