"""Text normalisation shared by keywords and patient messages, so both are compared alike.

NFKC (fullwidth → halfwidth), case-folding, Simplified → Traditional (OpenCC `s2twp`, which
also maps mainland wording to Taiwan's), then everything but letters and digits is dropped:
whitespace, punctuation, symbols, emoji, zero-width characters. A single space survives only
between two Latin letters/digits, so English words keep their boundaries ('side effect') while
Chinese runs together ('外泌體 有 副作用' → '外泌體有副作用').
"""

from __future__ import annotations

import functools
import unicodedata

import opencc


@functools.cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("s2twp")


def _is_ascii_alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


def normalise(text: str) -> str:
    """Comparable form of `text`: see the module docstring."""
    text = unicodedata.normalize("NFKC", text).casefold()
    if not text.isascii():
        text = _converter().convert(text)
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
