"""The understanding step's accuracy on the project's labelled sets, now and without what
staff taught, for the Unanswered page (computed on demand: about a second per set).

Only aggregate figures leave here: the held-out ("unseen") set's messages are never shown,
so staff can see whether a keyword helped or hurt without the set being tuned on message by
message.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from linebot_app.settings import PROJECT_ROOT
from linebot_app.understanding.evaluation import REFERENCE_NOW, evaluate, load_labelled

DATA = PROJECT_ROOT / "tests" / "data"
SETS = (
    ("unseen", "未見過的測試訊息（從未用來調整）", DATA / "unseen_messages.yaml"),
    ("tuning", "調整用訊息", DATA / "labelled_messages.yaml"),
)


@dataclass(frozen=True)
class SetAccuracy:
    key: str
    title: str
    total: int
    now: float
    without_taught: float
    offtopic_cards: int
    negated_fired: int

    @property
    def change(self) -> float:
        return self.now - self.without_taught


@lru_cache(maxsize=4)
def _labelled(path: Path, mtime: float):
    return load_labelled(path)


def accuracy_report(live) -> list[SetAccuracy]:
    """One row per labelled set found on this server (the files ship with the repository)."""
    current = live.bot.services.understanding
    plain = live.untaught_understanding()
    rows = []
    for key, title, path in SETS:
        if not path.exists():
            continue
        labelled = _labelled(path, path.stat().st_mtime)
        now = evaluate(labelled, lambda text: current.interpret(text, REFERENCE_NOW))
        before = evaluate(labelled, lambda text: plain.interpret(text, REFERENCE_NOW))
        rows.append(
            SetAccuracy(
                key=key,
                title=title,
                total=now.total,
                now=now.accuracy,
                without_taught=before.accuracy,
                offtopic_cards=now.offtopic_cards,
                negated_fired=now.negated_fired,
            )
        )
    return rows
