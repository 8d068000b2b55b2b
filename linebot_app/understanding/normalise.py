"""Text normalisation shared by keywords and patient messages, so both are compared alike.

NFKC (fullwidth → halfwidth), case-folding, Simplified → Traditional, then everything but
letters and digits is dropped: whitespace, punctuation, symbols, emoji, zero-width characters.

The Chinese conversion is character by character, from OpenCC's own dictionaries (Traditional
→ Simplified → Traditional → Taiwan variants, first candidate each time), so 后/後, 里/裡/裏,
为/為/爲 all fold to one character. OpenCC's phrase conversion is not used because it depends on
context: 「了解」 alone becomes 「瞭解」 but stays 「了解」 inside 「想了解」, so a keyword and a
message containing it could normalise differently. A single space survives only
between two Latin letters/digits, so English words keep their boundaries ('side effect') while
Chinese runs together ('外泌體 有 副作用' → '外泌體有副作用'); an apostrophe joins (don't → dont).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import opencc

_DICTIONARIES = Path(opencc.__file__).parent / "dictionary"


def _first_candidates(name: str) -> dict[str, str]:
    table = {}
    for line in (_DICTIONARIES / name).read_text(encoding="utf-8").splitlines():
        key, _, values = line.partition("\t")
        if len(key) == 1 and values:
            table[key] = values.split()[0]
    return table


@functools.cache
def _chinese_table() -> dict[int, str]:
    """str.translate table: any Chinese character → its canonical Traditional (Taiwan) form."""
    to_simplified = _first_candidates("TSCharacters.txt")
    to_traditional = _first_candidates("STCharacters.txt")
    taiwan = _first_candidates("TWVariants.txt")

    def canonical(char: str) -> str:
        simplified = to_simplified.get(char, char)
        traditional = to_traditional.get(simplified, simplified)
        return taiwan.get(traditional, traditional)

    chars = set(to_simplified) | set(to_traditional) | set(taiwan)
    table = {}
    for char in chars:
        folded = canonical(char)
        for _ in range(3):  # a few dictionary entries need a second pass to settle
            if canonical(folded) == folded:
                break
            folded = canonical(folded)
        if folded != char and len(folded) == 1:
            table[ord(char)] = folded
    return table


def _is_ascii_alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


def normalise(text: str) -> str:
    """Comparable form of `text`: see the module docstring."""
    return normalise_with_breaks(text).normalised


def fold_width(text: str) -> str:
    """Fullwidth → halfwidth (NFKC) only: what masking needs to see ０９１２ as digits while
    keeping the patient's own wording for staff to read."""
    return unicodedata.normalize("NFKC", text)


def fold(text: str) -> str:
    """NFKC, case-folded, Simplified → Traditional; punctuation and spacing kept (for reading
    details such as phone numbers and times, where the separators matter)."""
    text = fold_width(text).casefold()
    return text if text.isascii() else text.translate(_chinese_table())


@dataclass(frozen=True)
class Clauses:
    """A normalised text and where its clauses end: offsets where punctuation or spacing was
    dropped (`breaks`), and those of them that were a question mark (`questions`); `items`:
    where an enumeration comma (、) parted the things one clause lists."""

    normalised: str
    breaks: frozenset[int]
    questions: frozenset[int]
    items: frozenset[int] = frozenset()


_QUESTION_MARKS = frozenset("?？")
_LIST_MARKS = frozenset("、")


def normalise_with_breaks(text: str) -> Clauses:
    """`normalise(text)` and its clause boundaries, for reading negation
    (「我沒有要約診，只是想…」)."""
    text = fold(text)
    out: list[str] = []
    breaks: set[int] = set()
    questions: set[int] = set()
    items: set[int] = set()
    spaced: set[int] = set()  # breaks made by a space alone
    gap = question = punctuated = False
    for char in text:
        if unicodedata.category(char)[0] in "LN":
            if gap and out:
                english = _is_ascii_alnum(out[-1]) and _is_ascii_alnum(char)
                if english:
                    out.append(" ")
                if punctuated or not english:  # a space between English words is no break
                    breaks.add(len(out))
                    if not punctuated:
                        spaced.add(len(out))
                if question:
                    questions.add(len(out))
            out.append(char)
            gap = question = punctuated = False
        elif char in _LIST_MARKS:  # 「價錢、地址跟電話」: one clause listing things
            items.add(len(out))
        elif char not in "'’":  # don't, I'm: one word
            gap = True
            punctuated = punctuated or not char.isspace()
            question = question or char in _QUESTION_MARKS
    if question:
        questions.add(len(out))
    normalised = "".join(out)
    if _typed_word_by_word(text, len(spaced)):
        breaks -= spaced
    breaks |= _joining_words(normalised)
    return Clauses(normalised, frozenset(breaks), frozenset(questions), frozenset(items))


# 「你好 我 今年 七十二 歲 打字 比較 慢」: someone who spaces every word or two (learners of
# Chinese, older people) ends no clause with a space.
WORD_BY_WORD_SPACES = 5
WORD_BY_WORD_LENGTH = 2.5  # characters per spaced piece, on average, at most


def _typed_word_by_word(text: str, spaces: int) -> bool:
    if spaces < WORD_BY_WORD_SPACES:
        return False
    pieces = [p for p in re.split(r"[\s\W]+", text) if p and not p.isascii()]
    return bool(pieces) and sum(map(len, pieces)) / len(pieces) <= WORD_BY_WORD_LENGTH


# Words that start the next question without punctuation (「打完多久可以化妝另外效果多久出來」,
# "how soon will I see results and is there any swelling"): a clause boundary before them.
_JOINING_WORDS = re.compile(
    r"另外|以及|順便|還有(?!位|空|名額|時段|嗎)|"
    r"(?<= )(?:and|also|plus) (?=(?:how|what|whats|where|when|why|which|who|is|are|do|does|"
    r"did|can|could|will|would|should|any)\b)"
)


def _joining_words(normalised: str) -> set[int]:
    return {m.start() for m in _JOINING_WORDS.finditer(normalised) if m.start() > 0}


def is_ascii_word_char(char: str) -> bool:
    """True for the characters whose neighbours decide an English keyword's word boundary."""
    return _is_ascii_alnum(char)
