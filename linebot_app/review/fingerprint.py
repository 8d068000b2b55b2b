"""What a sign-off is bound to: the sha256 of the canonical JSON of a card's rendered messages
(render_topic), and the text a patient reads on them, kept to show a word-level diff later.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from typing import Any

from markupsafe import Markup, escape

# Latin words and numbers stay whole; every other character (Chinese, punctuation) is a token.
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[.'’-][A-Za-z0-9]+)*|\s+|.", re.DOTALL)
_READ_KEYS = ("altText", "text", "label", "title", "address")


def content_hash(messages: list[dict[str, Any]]) -> str:
    """sha256 of the messages as canonical JSON (sorted keys, no spaces, UTF-8)."""
    canonical = json.dumps(messages, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def readable_text(messages: list[dict[str, Any]]) -> str:
    """Every sentence and label of the messages, one per line, in the order a patient reads."""
    lines: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in _READ_KEYS:
                value = node.get(key)
                if isinstance(value, str) and value.strip():
                    lines.append(value.strip())
            for key, value in node.items():
                if key not in _READ_KEYS:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(messages)
    return "\n".join(lines)


def word_diff(before: str, after: str) -> Markup:
    """`before` → `after` as HTML: removed words in <del>, added words in <ins>, escaped."""
    old, new = _TOKEN.findall(before), _TOKEN.findall(after)
    parts: list[str] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(str(escape("".join(old[i1:i2]))))
            continue
        if op in ("delete", "replace"):
            parts.append(f"<del>{escape(''.join(old[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            parts.append(f"<ins>{escape(''.join(new[j1:j2]))}</ins>")
    return Markup("".join(parts))
