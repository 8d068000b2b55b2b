"""The statistical second stage: which topic a message most likely asks about when no keyword
settles it (「這個療程大概是在做什麼的」, 「打了會不會紅紅的」, 「tell me more about it」).

Trained with scikit-learn: TF-IDF over character n-grams (1–3, within words, as `char_wb`
builds them, on the normalised text, so Simplified, fullwidth and spacing read alike) and a
multinomial logistic regression, whose probabilities give the confidence bands directly (an SVM
would need a calibration pass on top, with too few examples per topic to calibrate well).
Classes: every topic, plus `offtopic` (chat that is about nothing, from `routing.
offtopic_examples`), trained from each topic's keywords and `examples:`.

Training needs scikit-learn (about 1 s to import and 40+ MB more memory per worker), so it is a
command: `flask --app linebot_app understanding train` writes `replies/_classifier.json` (the
classes, the n-grams and the reading table of `sounds.py`, built with pypinyin) and beside it
`replies/_classifier.f32` (per n-gram its IDF and one coefficient per class, raw little-endian
float32, read straight into an array: a base64 string inside the JSON cost a worker 4.6 MiB
more at load), both committed. The bot only predicts, in pure Python from those files: the
same n-grams, a sparse dot product, a softmax. The JSON records a digest of what it was
trained on (check-content warns when the examples or keywords changed since) and the weights
file's sha256.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import sys
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from linebot_app.understanding.normalise import normalise
from linebot_app.understanding.sounds import SoundTable, build_table

MODEL_FILE = "_classifier.json"
WEIGHTS_SUFFIX = ".f32"  # the weights file beside the model file: _classifier.f32
OFFTOPIC = "offtopic"
NGRAMS = (1, 3)
REGULARISATION = 8.0  # LogisticRegression's C: few examples per class, little overlap
# An n-gram in fewer training samples is left out (each example is two samples, with and without
# the subject, so 3 means more than one example): 43,494 → 15,943 n-grams, the same accuracy on
# the blind sets within a message, 6 MiB less per worker.
MIN_SAMPLES = 3
RECENT_PREDICTIONS = 64  # texts whose predictions are kept (see TopicModel.predict)


def char_ngrams(normalised: str) -> list[str]:
    """scikit-learn's `char_wb` n-grams of an already normalised text (each word padded with a
    space; Chinese runs are one word)."""
    low, high = NGRAMS
    grams: list[str] = []
    for word in normalised.split():
        padded = f" {word} "
        size = len(padded)
        for n in range(low, high + 1):
            if n > size:
                break
            grams.extend(padded[i : i + n] for i in range(size - n + 1))
    return grams


@dataclass(frozen=True)
class Prediction:
    label: str
    probability: float


class TopicModel:
    """Prediction from a trained model, in pure Python: for each n-gram its IDF and one weight
    per class, kept in one float32 array (a few hundred KB rather than Python floats)."""

    def __init__(
        self,
        classes: list[str],
        intercept: list[float],
        grams: list[str],
        weights,
        digest: str,
        sounds: SoundTable | None = None,
    ):
        self.classes = classes
        self.intercept = list(intercept)
        self.index = {gram: i for i, gram in enumerate(grams)}
        self.weights = weights  # array("f"): per n-gram, IDF then one weight per class
        self.stride = len(classes) + 1
        self.digest = digest
        self.sounds = sounds  # the reading table built beside the model (sounds.py)
        self._max_idf = max((weights[i * self.stride] for i in range(len(grams))), default=1.0)
        self._recent: dict[str, tuple[Prediction, ...]] = {}

    def forget_recent(self) -> None:
        """Start a message afresh (predictions are kept only within one interpretation)."""
        self._recent.clear()

    def idf(self, gram: str) -> float:
        """The n-gram's IDF in the training set; the highest IDF for one it never saw."""
        at = self.index.get(gram)
        return self._max_idf if at is None else self.weights[at * self.stride]

    @classmethod
    def from_data(cls, data: dict) -> TopicModel:
        """From what `train` returns (weights an array("f"))."""
        sounds = SoundTable(data["sounds"]) if data.get("sounds") else None
        return cls(
            data["classes"],
            data["intercept"],
            data["grams"],
            data["weights"],
            data["digest"],
            sounds,
        )

    @classmethod
    def load(cls, path: Path) -> TopicModel:
        """From the model file and its weights file; ValueError when the two do not match."""
        data = json.loads(path.read_text(encoding="utf-8"))
        blob = weights_path(path).read_bytes()
        if hashlib.sha256(blob).hexdigest() != data["weights_sha256"]:
            raise ValueError(f"{weights_path(path)} does not belong to {path}; retrain")
        weights = array("f")
        weights.frombytes(blob)
        del blob
        if sys.byteorder == "big":
            weights.byteswap()
        return cls.from_data({**data, "weights": weights})

    def predict(self, normalised: str) -> list[Prediction]:
        """Classes by probability, best first. Several rules ask for the same text's prediction
        while one message is read, so answers are kept until `forget_recent` (each message)."""
        cached = self._recent.get(normalised)
        if cached is None:
            if len(self._recent) >= RECENT_PREDICTIONS:
                self._recent.clear()
            cached = self._recent[normalised] = self._predict(normalised)
        return list(cached)

    def _predict(self, normalised: str) -> tuple[Prediction, ...]:
        counts = Counter(char_ngrams(normalised))
        index, weights, stride = self.index, self.weights, self.stride
        found = []
        norm = 0.0
        for gram, count in counts.items():
            at = index.get(gram)
            if at is None:
                continue
            offset = at * stride
            value = (1.0 + math.log(count)) * weights[offset]  # sublinear tf × idf
            found.append((value, offset + 1))
            norm += value * value
        scores = list(self.intercept)
        if norm:
            scale = 1.0 / math.sqrt(norm)
            classes = len(scores)
            for value, start in found:
                value *= scale
                for c in range(classes):
                    scores[c] += value * weights[start + c]
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        ranked = sorted(zip(self.classes, exps, strict=True), key=lambda p: -p[1])
        return tuple(Prediction(label, e / total) for label, e in ranked)


def training_samples(library) -> list[tuple[str, str]]:
    """(normalised text, class) from every topic's keywords and examples and the off-topic
    examples. Last-resort keywords (the bare 外泌體) are left out: they say no topic; so are
    ignore phrases, which are often questions (差在哪) that merely hold no topic keyword.

    Every example is read twice: as written, and without the subject (外泌體, exosome), which
    patients as often leave out (「打完會腫嗎」 as 「外泌體打完會腫嗎」); an example without the
    subject is simply read twice. Either way an example, a whole question, weighs twice a
    bare keyword."""
    subject = _subject_pattern(library)
    samples: list[tuple[str, str]] = []

    def example(text: str, label: str) -> None:
        key = normalise(text)
        if key:
            samples.append((key, label))
            samples.append((_without_subject(key, subject) or key, label))

    for name, card in sorted(library.topics.items()):
        for text in [*card.keywords, *card.weak_keywords]:
            key = normalise(text)
            if key:
                samples.append((key, name))
        for text in card.examples:
            example(text, name)
    for text in library.shared.routing.offtopic_examples:
        example(text, OFFTOPIC)
    return samples


def _subject_pattern(library) -> re.Pattern | None:
    """The subject of every question (外泌體, exosome: the last-resort keywords), normalised."""
    terms = {normalise(t) for card in library.topics.values() for t in card.last_resort_keywords}
    terms = sorted((t for t in terms if t), key=len, reverse=True)
    parts = [re.escape(t) + (r"s?\b" if t[-1].isascii() else "") for t in terms]
    return re.compile("|".join(parts)) if parts else None


def _without_subject(normalised: str, pattern: re.Pattern | None) -> str:
    if pattern is None:
        return normalised
    return " ".join(pattern.sub(" ", normalised).split())


def samples_digest(samples: Iterable[tuple[str, str]]) -> str:
    blob = "\n".join(f"{label}\t{text}" for text, label in samples)
    return hashlib.sha256(f"{NGRAMS}|{REGULARISATION}\n{blob}".encode()).hexdigest()[:16]


def train(samples: list[tuple[str, str]]) -> dict:
    """Fit TF-IDF + logistic regression (scikit-learn, imported here only) and return the
    model's data for `TopicModel.from_data` and `write_model`."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts = [text for text, _ in samples]
    labels = [label for _, label in samples]
    vectoriser = TfidfVectorizer(analyzer=char_ngrams, sublinear_tf=True, min_df=MIN_SAMPLES)
    matrix = vectoriser.fit_transform(texts)
    model = LogisticRegression(C=REGULARISATION, max_iter=2000)
    model.fit(matrix, labels)
    classes = [str(c) for c in model.classes_]
    coef = model.coef_
    grams = sorted(vectoriser.vocabulary_)
    weights = array("f")
    for gram in grams:
        column = vectoriser.vocabulary_[gram]
        weights.append(float(vectoriser.idf_[column]))
        weights.extend(float(w) for w in coef[:, column])
    return {
        "digest": samples_digest(samples),
        "classes": classes,
        "intercept": [float(b) for b in model.intercept_],
        "grams": grams,
        "weights": weights,
        "sounds": build_table(),
    }


def weights_path(model_path: Path) -> Path:
    return model_path.with_suffix(WEIGHTS_SUFFIX)


def write_model(data: dict, path: Path) -> None:
    """The model file (JSON) and its weights file beside it."""
    weights = array("f", data["weights"])
    if sys.byteorder == "big":
        weights.byteswap()
    blob = weights.tobytes()
    weights_path(path).write_bytes(blob)
    described = {key: value for key, value in data.items() if key != "weights"}
    described["weights_sha256"] = hashlib.sha256(blob).hexdigest()
    path.write_text(
        json.dumps(described, ensure_ascii=False, separators=(",", ":")) + "\n",
        encoding="utf-8",
    )
