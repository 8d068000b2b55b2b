"""Understanding what patients mean: one normalisation, the keyword router, negation, intents,
entities, the topic classifier, and one interpretation per message (interpretation.py); also
recording (masked) what nothing answered."""

from linebot_app.understanding.keywords import (
    KeywordMatch,
    KeywordRouter,
    KeywordRule,
    Tier,
    route_topics,
)
from linebot_app.understanding.normalise import normalise

__all__ = ["KeywordMatch", "KeywordRouter", "KeywordRule", "Tier", "normalise", "route_topics"]
