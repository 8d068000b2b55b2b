"""Nearest example: phrasings staff taught in the console (and console FAQ cards' examples),
effective at once, before anyone retrains the classifier.

Each example is a TF-IDF vector over the classifier's own character n-grams (the model's IDF
where it knows the n-gram, its highest IDF otherwise: a rare n-gram says the most); a message's
nearest example by cosine similarity answers when the similarity reaches
`thresholds.example` in config/understanding.yaml. An inverted index keeps the cost to the
n-grams a message shares with the examples (a few hundred examples cost well under 0.1 ms).
`flask --app linebot_app understanding train` folds exported examples into the model itself.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from linebot_app.understanding.classifier import char_ngrams
from linebot_app.understanding.normalise import normalise


@dataclass(frozen=True)
class NearestExample:
    topic: str
    similarity: float
    example: str


def _vector(normalised: str, idf: Callable[[str], float]) -> dict[str, float]:
    """Bigrams and trigrams only: single characters (嗎, 的) say little and would make every
    example a neighbour of every message, which costs time and says nothing."""
    counts = Counter(g for g in char_ngrams(normalised) if len(g.strip()) >= 2)
    vector = {gram: (1.0 + math.log(n)) * idf(gram) for gram, n in counts.items()}
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {gram: v / norm for gram, v in vector.items()} if norm else {}


class ExampleMemory:
    def __init__(self, examples: Iterable[tuple[str, str]], idf: Callable[[str], float]):
        """`examples`: (topic, text) pairs; the text is normalised here."""
        self._idf = idf
        self._entries: list[tuple[str, str]] = []
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for topic, text in examples:
            self.add(topic, text)

    def add(self, topic: str, text: str) -> bool:
        """False when the text holds nothing to compare (emoji, punctuation)."""
        key = normalise(text)
        vector = _vector(key, self._idf)
        if not vector:
            return False
        index = len(self._entries)
        self._entries.append((topic, key))
        for gram, weight in vector.items():
            self._postings[gram].append((index, weight))
        return True

    def __len__(self) -> int:
        return len(self._entries)

    def nearest(self, normalised: str) -> NearestExample | None:
        if not self._entries:
            return None
        scores: dict[int, float] = defaultdict(float)
        for gram, weight in _vector(normalised, self._idf).items():
            for index, other in self._postings.get(gram, ()):
                scores[index] += weight * other
        if not scores:
            return None
        index, similarity = max(scores.items(), key=lambda item: item[1])
        topic, example = self._entries[index]
        return NearestExample(topic, min(similarity, 1.0), example)


def flat_idf(_gram: str) -> float:
    """Without a trained model every n-gram weighs the same."""
    return 1.0
