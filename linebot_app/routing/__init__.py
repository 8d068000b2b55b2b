"""Text → topics: normalisation, the keyword router, and recording what it could not answer."""

from linebot_app.routing.matcher import KeywordMatch, KeywordRouter, KeywordRule, Tier, route_topics
from linebot_app.routing.normalise import normalise

__all__ = ["KeywordMatch", "KeywordRouter", "KeywordRule", "Tier", "normalise", "route_topics"]
