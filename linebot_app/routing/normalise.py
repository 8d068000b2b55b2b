"""Text normalisation shared by keywords and patient messages, so both are compared alike.

NFKC (fullwidth → halfwidth), case-folding, Simplified → Traditional, then everything but
letters and digits is dropped: whitespace, punctuation, symbols, emoji, zero-width characters.

The Chinese conversion is character by character, from OpenCC's own dictionaries (Traditional
→ Simplified → Traditional → Taiwan variants, first candidate each time), so 后/後, 里/裡/裏,
为/為/爲 all fold to one character. OpenCC's phrase conversion is not used because it depends on
context: 「了解」 alone becomes 「瞭解」 but stays 「了解」 inside 「想了解」, so a keyword and a
message containing it could normalise differently. A single space survives only
between two Latin letters/digits, so English words keep their boundaries ('side effect') while
Chinese runs together ('外泌體 有 副作用' → '外泌體有副作用').
"""

from __future__ import annotations

import functools
import unicodedata
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
    text = unicodedata.normalize("NFKC", text).casefold()
    if not text.isascii():
        text = text.translate(_chinese_table())
    out: list[str] = []
    gap = False
    for char in text:
        if unicodedata.category(char)[0] in "LN":
            if gap and out and _is_ascii_alnum(out[-1]) and _is_ascii_alnum(char):
                out.append(" ")
            out.append(char)
            gap = False
        else:
            gap = True
    return "".join(out)


def is_ascii_word_char(char: str) -> bool:
    """True for the characters whose neighbours decide an English keyword's word boundary."""
    return _is_ascii_alnum(char)
