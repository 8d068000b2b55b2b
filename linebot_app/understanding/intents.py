"""What the patient wants done, from words (config/understanding.yaml, consultation.yaml).

Word lists are normalised once and searched in the normalised message; a word inside a negated
span (`negation.NegatedSpan`) counts as negated, never as asked. English words need word
boundaries. Pure: the caller decides the intent's precedence (see `interpretation`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from linebot_app.understanding.negation import NegatedSpan
from linebot_app.understanding.normalise import is_ascii_word_char, normalise
from linebot_app.understanding.sounds import SoundTable

URGENT, DELETE_DATA, CANCEL, MOVE, MY_REQUESTS = (
    "urgent",
    "delete_data",
    "cancel_request",
    "move_request",
    "my_requests",
)
BOOK, HANDOVER, GREETING, THANKS, ASK, OFFTOPIC = (
    "book",
    "handover",
    "greeting",
    "thanks",
    "ask",
    "offtopic",
)
INTENTS = (
    ASK,
    BOOK,
    CANCEL,
    MOVE,
    MY_REQUESTS,
    HANDOVER,
    GREETING,
    THANKS,
    URGENT,
    OFFTOPIC,
    DELETE_DATA,
)
# Intents that change something, and the topic card whose action each one is.
ACTION_TOPICS = {BOOK: "booking", HANDOVER: "human"}


@dataclass(frozen=True)
class WordHit:
    word: str
    start: int
    end: int
    negated: bool


class WordList:
    """Normalised words, longest first, found on word boundaries in a normalised text."""

    def __init__(self, words: Iterable[str]):
        keys = {normalise(w) for w in words}
        self.words = sorted((k for k in keys if k), key=len, reverse=True)
        self._any = _any_of(self.words)

    def find(self, text: str, negations: tuple[NegatedSpan, ...] = ()) -> list[WordHit]:
        if self._any is None or self._any.search(text) is None:
            return []  # most messages hold none of the words: one regex scan says so
        hits: list[WordHit] = []
        taken: list[tuple[int, int]] = []
        for word in self.words:
            at = text.find(word)
            while at != -1:
                end = at + len(word)
                if (
                    _on_boundaries(text, at, end, word)
                    and not _a_not_a(text, at, word)
                    and not any(at < b and end > a for a, b in taken)
                ):
                    taken.append((at, end))
                    # a word holding its own negation (預約不要了) is not negated by it
                    negated = any(
                        span.covers(at, end) and span.cue not in word for span in negations
                    )
                    hits.append(WordHit(word, at, end, negated))
                at = text.find(word, at + 1)
        return sorted(hits, key=lambda h: h.start)

    def asked(self, text: str, negations: tuple[NegatedSpan, ...] = ()) -> WordHit | None:
        """The first occurrence that is not negated."""
        return next((h for h in self.find(text, negations) if not h.negated), None)

    def negated(self, text: str, negations: tuple[NegatedSpan, ...]) -> bool:
        return any(h.negated for h in self.find(text, negations))

    def equals(self, text: str) -> bool:
        return text in self.words


def _any_of(words: list[str]) -> re.Pattern | None:
    """A regex matching wherever any of `words` occurs (a pre-check, boundaries aside)."""
    return re.compile("|".join(map(re.escape, words))) if words else None


def _a_not_a(text: str, start: int, word: str) -> bool:
    """「能不能去」「有沒有取消」: a question (A-not-A), not 「不能去」 or 「沒有」 said."""
    return len(word) > 1 and word[0] in "不沒没" and start > 0 and text[start - 1] == word[1]


def _on_boundaries(text: str, start: int, end: int, word: str) -> bool:
    if is_ascii_word_char(word[0]) and start > 0 and is_ascii_word_char(text[start - 1]):
        return False
    if is_ascii_word_char(word[-1]) and end < len(text) and is_ascii_word_char(text[end]):
        return text[end] == "s" and (end + 1 == len(text) or not is_ascii_word_char(text[end + 1]))
    return True


# 「把我留的電話跟名字刪掉」「我的资料帮我删了吧」「please delete my personal info」: a verb that
# deletes and what the clinic keeps of the patient, in either order, close together. A booking
# is not data (刪除預約 cancels it).
_DATA = r"(?:個人)?(?:資料|個資|信息|資訊|電話|手機號碼|號碼|名字|姓名|紀錄)"
_DELETE = r"(?:刪除|刪掉|刪了|刪(?![除掉了])|移除|清除|清掉)(?!重)"
DELETE_DATA_REQUEST = re.compile(
    rf"{_DATA}.{{0,6}}?{_DELETE}|{_DELETE}.{{0,6}}?{_DATA}"
    rf"|{_DELETE}.{{0,12}}?(?:留的|留下的|所有的?){_DATA}"  # 刪除我在你們LINE上留的所有資料
    r"|\b(?:delete|remove|erase|wipe)\b.{0,20}?\b(?:data|info|information|details|number|records?)\b"
)


def asks_to_delete_data(text: str, negations: tuple[NegatedSpan, ...]) -> bool:
    """Whether `text` (normalised) asks to delete the patient's data, not negated."""
    return any(
        not any(span.covers(found.start(), found.end()) for span in negations)
        for found in DELETE_DATA_REQUEST.finditer(text)
    )


# Degree words that may sit between a not-urgent word and the urgent one (不是很緊急).
NOT_URGENT_FILLERS = (
    "",
    "很",
    "太",
    "那麼",
    "這麼",
    "算",
    "會",
    "是",
    "會很",
    "是很",
    "very",
    "so",
    "that",
)


class UrgentWords:
    """Urgent words in any script, width, spacing or punctuation, anywhere in the message;
    not when a not-urgent word comes right before (「不緊急」). A long Chinese urgent word also
    counts with a word or two inside it (呼吸有點困難, 喘不太過來: never a negation, 呼吸不困難)
    and typed as it sounds (呼吸睏難), given the reading table (sounds.py)."""

    def __init__(
        self, words: Iterable[str], not_urgent: Iterable[str], sounds: SoundTable | None = None
    ):
        self.words = list(dict.fromkeys(words))
        self._keys = [(normalise(w), w) for w in self.words if normalise(w)]
        self._not = sorted({normalise(w) for w in not_urgent if normalise(w)}, key=len)
        self._gapped = [(_gapped_pattern(key), word) for key, word in self._keys if _gappable(key)]
        self._sounds = sounds
        self._sound_keys = [
            (sounds.fold(key), word)
            for key, word in self._keys
            if sounds and sounds.readable(key) and len(key) >= URGENT_SOUND_LENGTH
        ]
        # One scan each says whether a stage can find anything (it usually cannot).
        self._any = _any_of([key for key, _ in self._keys])
        self._any_gapped = (
            re.compile("|".join(p.pattern for p, _ in self._gapped)) if self._gapped else None
        )
        self._any_sound = _any_of([key for key, _ in self._sound_keys])

    def find(self, normalised: str) -> str | None:
        """The configured urgent word found (as configured), or None."""
        found = None
        if self._any is not None and self._any.search(normalised):
            found = self._find(self._keys, normalised, normalised)
        if found is None and self._any_gapped is not None and self._any_gapped.search(normalised):
            for pattern, word in self._gapped:
                for match in pattern.finditer(normalised):
                    if not self._negated(normalised, match.start()):
                        return word
        if found is None and self._sounds is not None and self._any_sound is not None:
            folded = self._sounds.fold(normalised)
            if self._any_sound.search(folded):
                found = self._find(self._sound_keys, folded, normalised)
        return found

    def _find(self, keys: list[tuple[str, str]], searched: str, normalised: str) -> str | None:
        for key, word in keys:
            at = searched.find(key)
            while at != -1:
                end = at + len(key)
                if _on_boundaries(searched, at, end, key) and not self._negated(normalised, at):
                    return word
                at = searched.find(key, at + 1)
        return None

    def _negated(self, text: str, at: int) -> bool:
        """A not-urgent word right before, maybe with a degree word between (不是很緊急, not
        very urgent); a 不 elsewhere in the clause (睜不開而且喘不過氣) does not count."""
        before = text[max(0, at - 12) : at].rstrip()
        for filler in NOT_URGENT_FILLERS:
            if filler and not before.endswith(filler):
                continue
            head = before[: len(before) - len(filler)].rstrip()
            after = (filler or text[at : at + 1])[:1]
            if any(head.endswith(word) for word in self._not) and not _asks_either_way(head, after):
                return True
        return False


def _asks_either_way(head: str, after: str) -> bool:
    """「會不會」「是不是」: A不A asks, it negates nothing (打完會不會越來越腫 is still urgent)."""
    return len(head) >= 2 and head.endswith("不") and bool(after) and head[-2] == after


# Inside an urgent word, what may stand between its halves: one or two characters, none of
# them a negation (呼吸有點困難 is urgent, 呼吸不困難 is not).
URGENT_GAP = r"[^不沒無未別免非]{1,2}"
# A two-character urgent word typed as it sounds is too often another word (新技 for 心悸).
URGENT_SOUND_LENGTH = 3
GAPPABLE_LENGTH = 4  # characters: 呼吸|困難, 喘不|過來 (each half at least two)


def _gappable(key: str) -> bool:
    return len(key) >= GAPPABLE_LENGTH and not any(is_ascii_word_char(c) for c in key)


def _gapped_pattern(key: str) -> re.Pattern:
    """「呼吸困難」 → 呼吸(gap)困難, with the gap after any character that leaves two on each
    side."""
    splits = range(2, len(key) - 1)
    return re.compile(
        "|".join(re.escape(key[:at]) + URGENT_GAP + re.escape(key[at:]) for at in splits)
    )
