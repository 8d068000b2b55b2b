"""Accuracy of the understanding step on the labelled sets, aggregate figures only.

    .venv/bin/python -m bench.understanding_accuracy [--legacy] [FILE ...]

Defaults to the tuning set (tests/data/labelled_messages.yaml) and the developer's stories
(tests/data/understanding_stories.yaml); the held-out set (tests/data/unseen_messages.yaml) is
scored only when named, since each look at it must be deliberate (and rare). `--legacy` scores
the keyword router as it was before the understanding step (urgent words, commands, topics →
actions), for the "before" figure. Scoring
is `linebot_app.understanding.evaluation`; no individual message is ever printed, so the
held-out set stays unseen.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from linebot_app.understanding.evaluation import (  # noqa: E402
    REFERENCE_NOW,
    evaluate,
    load_labelled,
    summary_lines,
)

DATA = PROJECT_ROOT / "tests" / "data"
DEFAULT_FILES = (DATA / "labelled_messages.yaml", DATA / "understanding_stories.yaml")


@dataclass(frozen=True)
class LegacyReading:
    """What the bot did before the understanding step, seen as an interpretation."""

    intent: str
    band: str
    answered_topics: tuple[str, ...]
    clarify_topics: tuple[str, ...] = ()

    def entity_values(self) -> dict[str, str]:
        return {}


def legacy_interpreter():
    from linebot_app.content.cards import load_replies
    from linebot_app.features.consultation.config import load_consultation_config

    library = load_replies(PROJECT_ROOT / "replies", PROJECT_ROOT / "config")
    config = load_consultation_config(PROJECT_ROOT / "config")

    def interpret(text: str) -> LegacyReading:
        if config.commands.matches("delete_data", text):
            return LegacyReading("delete_data", "fallback", ())
        if config.urgent_word_in(text):
            return LegacyReading("urgent", "fallback", ())
        if config.commands.matches("my_requests", text):
            return LegacyReading("my_requests", "fallback", ())
        topics = tuple(library.route_topics(text))
        if "human" in topics:
            intent = "handover"
        elif "booking" in topics:
            intent = "book"
        elif topics == ("greeting",):
            intent = "greeting"
        else:
            intent = "ask" if topics else "offtopic"
        return LegacyReading(intent, "answer" if topics else "fallback", topics)

    return interpret


def understanding_interpreter():
    from linebot_app.understanding.interpretation import build_understanding

    understanding = build_understanding(PROJECT_ROOT / "replies", PROJECT_ROOT / "config")
    return lambda text: understanding.interpret(text, REFERENCE_NOW)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--legacy", action="store_true", help="score the old keyword router")
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args(argv)
    interpret = legacy_interpreter() if args.legacy else understanding_interpreter()
    files = args.files or [f for f in DEFAULT_FILES if f.exists()]
    for path in files:
        report = evaluate(load_labelled(path), interpret)
        name = "legacy router" if args.legacy else "understanding"
        for line in summary_lines(report, f"{path.name} ({name})"):
            print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
