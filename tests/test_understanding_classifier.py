"""The classifier: trained by scikit-learn, predicted in pure Python from the committed file."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from linebot_app.content import load_replies
from linebot_app.content.check import FEW_EXAMPLES, MANY_TIMES_THE_MEDIAN, median_examples
from linebot_app.understanding.classifier import (
    MIN_SAMPLES,
    MODEL_FILE,
    REGULARISATION,
    TopicModel,
    char_ngrams,
    samples_digest,
    train,
    training_samples,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def test_char_ngrams_are_scikit_learns_char_wb():
    from sklearn.feature_extraction.text import TfidfVectorizer

    text = "外泌體 side effects"
    reference = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3)).build_analyzer()
    assert sorted(char_ngrams(text)) == sorted(reference(text))


def test_pure_python_prediction_equals_scikit_learns(tmp_path):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    common = [
        ("副作用", "side_effects"),
        ("會不會紅腫", "side_effects"),
        ("多少錢", "price"),
        ("費用怎麼算", "price"),
        ("今天天氣好", "offtopic"),
        ("哈哈哈", "offtopic"),
    ]
    # n-grams of fewer than MIN_SAMPLES samples (眼睛, 刷卡) are left out by both
    samples = common * MIN_SAMPLES + [("眼睛會腫嗎", "side_effects"), ("可以刷卡嗎", "price")]
    model = TopicModel.from_data(train(samples))
    vectoriser = TfidfVectorizer(analyzer=char_ngrams, sublinear_tf=True, min_df=MIN_SAMPLES)
    matrix = vectoriser.fit_transform([t for t, _ in samples])
    reference = LogisticRegression(C=REGULARISATION, max_iter=2000)
    reference.fit(matrix, [c for _, c in samples])
    assert "眼睛" not in model.index and "多少" in model.index
    for text in ("打完會紅嗎", "一次多少", "天氣", "眼睛紅"):
        ours = {p.label: p.probability for p in model.predict(text)}
        theirs = dict(
            zip(
                reference.classes_,
                reference.predict_proba(vectoriser.transform([text]))[0],
                strict=True,
            )
        )
        for label, probability in theirs.items():
            assert math.isclose(ours[label], probability, abs_tol=2e-3)


def test_the_committed_model_was_trained_on_the_current_keywords_and_examples():
    """Edit examples or keywords → `flask --app linebot_app understanding train` → commit."""
    library = load_replies(PROJECT_ROOT / "replies", PROJECT_ROOT / "config")
    model = TopicModel.load(PROJECT_ROOT / "replies" / MODEL_FILE)
    assert model.digest == samples_digest(training_samples(library))
    assert set(model.classes) == set(library.topics) | {"offtopic"}


@pytest.mark.parametrize("topic", ["what", "side_effects", "price", "booking", "contact"])
def test_every_topic_has_enough_examples(topic):
    library = load_replies(PROJECT_ROOT / "replies", PROJECT_ROOT / "config")
    many = MANY_TIMES_THE_MEDIAN * median_examples(library)
    assert FEW_EXAMPLES <= len(library.topics[topic].examples) <= many


def test_the_model_files_round_trip_and_a_foreign_weights_file_is_refused(tmp_path):
    from linebot_app.understanding.classifier import weights_path, write_model
    from linebot_app.understanding.interpretation import load_model

    samples = [("副作用", "side_effects"), ("多少錢", "price"), ("哈哈哈", "offtopic")]
    data = train(samples * MIN_SAMPLES)
    path = tmp_path / MODEL_FILE
    write_model(data, path)
    loaded = TopicModel.load(path)
    for text in ("打完會紅嗎", "一次多少"):
        assert loaded.predict(text) == TopicModel.from_data(data).predict(text)

    others = [("會腫嗎", "side_effects"), ("價錢", "price"), ("好的", "offtopic")]
    other = train(others * MIN_SAMPLES)
    write_model(other, tmp_path / "other.json")
    weights_path(path).write_bytes(weights_path(tmp_path / "other.json").read_bytes())
    with pytest.raises(ValueError, match="does not belong"):
        TopicModel.load(path)
    assert load_model(tmp_path) is None  # the bot falls back rather than guess with them
