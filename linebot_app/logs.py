"""Structured logging: one `key=value` line per event, with personal data kept out.

User IDs are shortened; names and phone numbers are never passed to the log (free text a
patient typed is masked with `routing.unmatched.mask_personal_data` where it must be kept).
"""

from __future__ import annotations

import logging
import sys


def short_id(line_id: str | None) -> str:
    """'U4af4980629...' → 'U4af49…': enough to follow one chat in the log, not to identify it."""
    if not line_id:
        return "-"
    return line_id[:6] + "…"


def logfmt(**fields: object) -> str:
    parts = []
    for key, value in fields.items():
        value = "-" if value is None else str(value)
        if not value or any(c in value for c in ' ="'):
            value = '"' + value.replace('"', '\\"') + '"'
        parts.append(f"{key}={value}")
    return " ".join(parts)


def configure_logging(level: str = "INFO") -> None:
    root = logging.getLogger()
    if any(getattr(h, "_linebot_app", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler._linebot_app = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
