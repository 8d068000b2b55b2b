"""Sound-alike keywords: the slips 注音 typing makes (負作用 for 副作用, 療成 for 療程, 外必體),
read as the keyword they sound like.

Every Chinese character is folded to its reading (syllable and tone, the first reading
pypinyin gives), so 「負作用」 and 「副作用」 fold alike. A keyword of at least
`MIN_CHARACTERS` Chinese characters then also matches any text that sounds like it (a
sound-alike match); a reading two topics' keywords share says neither (it is dropped). The
exact keyword automaton stays the first stage: sound-alike matches only join it where they
are longer than, or do not overlap, an exact match, so 「負作用」 is side effects, not the
作用 inside it.

The reading table needs pypinyin (its dictionary costs 14 MB of memory), so it is built by
`flask --app linebot_app understanding train` with the classifier and stored in
replies/_classifier.json (`sounds`): one string with a private-use character per reading, for
the CJK blocks U+3400–U+9FFF. The bot only looks characters up in it.
"""

from __future__ import annotations

from collections.abc import Iterable

from linebot_app.understanding.keywords import KeywordMatch, KeywordRouter, KeywordRule

FIRST, LAST = 0x3400, 0x9FFF  # CJK Extension A and the Unified Ideographs
READING_BASE = 0xE000  # readings are private-use characters, which normalise() never leaves
MIN_CHARACTERS = 2


def build_table() -> str:
    """Train time only (imports pypinyin): the reading of each character of FIRST–LAST as a
    private-use character, or the character itself when it has none."""
    from pypinyin import Style, pinyin

    readings: dict[str, int] = {}
    table = []
    for code in range(FIRST, LAST + 1):
        char = chr(code)
        reading = pinyin(char, style=Style.TONE3, neutral_tone_with_five=True, errors="ignore")
        if not reading or not reading[0] or not reading[0][0]:
            table.append(char)
            continue
        number = readings.setdefault(reading[0][0], len(readings))
        table.append(chr(READING_BASE + number))
    return "".join(table)


class SoundTable:
    """Looks up the readings built by `build_table`."""

    def __init__(self, table: str):
        if len(table) != LAST - FIRST + 1:
            raise ValueError("the sound table does not cover U+3400–U+9FFF")
        self._table = table

    def fold(self, text: str) -> str:
        """`text` with each Chinese character replaced by its reading (same length)."""
        table = self._table
        return "".join(
            table[code - FIRST] if FIRST <= (code := ord(char)) <= LAST else char for char in text
        )

    def readable(self, text: str) -> bool:
        """Every character of `text` is a Chinese character with a reading."""
        return all(
            FIRST <= ord(char) <= LAST and self._table[ord(char) - FIRST] != char for char in text
        )


# Topics that start an action: sounding like their keyword is enough only when the keyword's
# first character is typed as it is (預越 for 預約), not when another word ends in its sound.
ACTION_TOPICS = frozenset({"booking", "human"})


class SoundAlikes:
    """The keyword automaton over the readings of the Chinese keywords (and ignore phrases)."""

    def __init__(self, rules: Iterable[KeywordRule], table: SoundTable):
        self.table = table
        claims: dict[str, list[KeywordRule]] = {}
        for rule in rules:
            if len(rule.keyword) >= MIN_CHARACTERS and table.readable(rule.keyword):
                claims.setdefault(table.fold(rule.keyword), []).append(rule)
        self._rules = {
            reading: owners[0]
            for reading, owners in claims.items()
            if len({owner.topic for owner in owners}) == 1
        }
        self._router = KeywordRouter(
            KeywordRule(reading, rule.topic, rule.tier) for reading, rule in self._rules.items()
        )

    def matches(self, normalised: str) -> list[KeywordMatch]:
        """Sound-alike matches of `normalised` that are not spelled as their keyword."""
        found = []
        for match in self._router.matches(self.table.fold(normalised)):
            rule = self._rules[match.rule.keyword]
            typed = normalised[match.start : match.end]
            if typed == rule.keyword:
                continue
            if rule.topic in ACTION_TOPICS and typed[0] != rule.keyword[0]:
                continue  # 「戴牙套會影響打外泌體嗎」: 響打外泌體 is no 想打外泌體
            found.append(KeywordMatch(match.start, match.end, rule))
        return found

    def merge(self, exact: list[KeywordMatch], normalised: str) -> list[KeywordMatch]:
        """`exact` matches with the sound-alike ones that are longer or do not overlap them."""
        alike = self.matches(normalised)
        if not alike:
            return exact
        candidates = [(m, 0) for m in exact] + [(m, 1) for m in alike]
        candidates.sort(key=lambda c: (-c[0].length, c[1], c[0].start))
        taken = bytearray(len(normalised))
        chosen = []
        for match, _ in candidates:
            if not any(taken[match.start : match.end]):
                taken[match.start : match.end] = b"\x01" * match.length
                chosen.append(match)
        return sorted(chosen, key=lambda m: m.start)
