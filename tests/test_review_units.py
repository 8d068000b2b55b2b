"""Review's pure pieces: the content hash and diff, the gate's sign-off cache, the setting's
defaults, the holding reply's wording checks and the start-up line."""

from __future__ import annotations

import datetime as dt
import logging
import shutil

import pytest

from linebot_app import create_app
from linebot_app.content.clinic import load_clinic
from linebot_app.content.loader import load_content
from linebot_app.content.render import render_topic
from linebot_app.content.yaml_config import ConfigError
from linebot_app.review.fingerprint import content_hash, readable_text, word_diff
from linebot_app.review.gate import ReviewGate
from linebot_app.review.models import CardReview, Decision
from linebot_app.settings import load_settings
from linebot_app.storage.db import Database
from tests.conftest import CHANNEL_SECRET, PROJECT_ROOT, STAFF_GROUP_ID, make_settings

NOW = dt.datetime(2026, 12, 3, 2, 30, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def content():
    return load_content(PROJECT_ROOT / "config", PROJECT_ROOT / "replies")


def test_the_hash_is_canonical_and_any_wording_change_changes_it(content):
    messages = render_topic("side_effects", content.replies, content.clinic)
    reordered = [dict(reversed(list(m.items()))) for m in messages]
    assert content_hash(reordered) == content_hash(messages)
    assert len(content_hash(messages)) == 64
    edited = [dict(messages[0], altText=messages[0]["altText"] + "。")] + messages[1:]
    assert content_hash(edited) != content_hash(messages)
    text = readable_text(messages)
    assert content.replies.topics["side_effects"].risk_statement in text
    assert "預約諮詢" in text


def test_the_word_diff_marks_changes_and_escapes_html():
    diff = str(word_diff("副作用相對較少 <b>risk</b> low", "副作用不多 <b>risk</b> very low"))
    assert "<del>相對較少</del><ins>不多</ins>" in diff
    assert "&lt;b&gt;risk&lt;/b&gt;" in diff and "<b>" not in diff
    assert "<ins>very </ins>" in diff


def test_signoffs_are_read_again_at_most_every_ttl_seconds(database_url, content):
    ticks = [100.0]
    db = Database(database_url)
    gate = ReviewGate(
        content.replies,
        content.clinic,
        required=True,
        held_text="held",
        ttl=5.0,
        monotonic=lambda: ticks[0],
    )
    try:
        with db.session() as session:
            assert not gate.is_cleared("side_effects", session)
            assert gate.is_cleared("price", session)  # not medical
        with db.session() as session:
            session.add(
                CardReview(
                    topic="side_effects",
                    content_hash=gate.hashes["side_effects"],
                    decision=Decision.SIGNED_OFF,
                    reviewer_email="doctor@clinic.example",
                    reviewer_name="陳醫師",
                    at=NOW,
                    snapshot="",
                )
            )
        ticks[0] += 4.9  # another process signed off: this one sees it after the TTL
        with db.session() as session:
            assert not gate.is_cleared("side_effects", session)
        ticks[0] += 0.2
        with db.session() as session:
            assert gate.is_cleared("side_effects", session)
        with db.session() as session:
            session.add(
                CardReview(
                    topic="side_effects",
                    content_hash=gate.hashes["side_effects"],
                    decision=Decision.SENT_BACK,
                    reviewer_email="doctor@clinic.example",
                    reviewer_name="陳醫師",
                    at=NOW,
                    comment="再改",
                    snapshot="",
                )
            )
        gate.invalidate()  # a decision in this process takes effect at once
        with db.session() as session:
            assert not gate.is_cleared("side_effects", session)
    finally:
        db.dispose()


def test_review_is_required_by_default_with_real_credentials_only():
    real = {
        "LINE_CHANNEL_SECRET": CHANNEL_SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": "token",
        "LINE_STAFF_GROUP_ID": STAFF_GROUP_ID,
        "SECRET_KEY": "k" * 64,
    }
    assert load_settings(real).content_review_required
    assert not load_settings({**real, "CONTENT_REVIEW_REQUIRED": "0"}).content_review_required
    assert not load_settings({}).content_review_required  # the sandbox
    assert load_settings({"CONTENT_REVIEW_REQUIRED": "1"}).content_review_required
    assert not make_settings("sqlite://", "http://x").content_review_required  # tests: as today


def test_the_holding_reply_is_checked_for_banned_wording(tmp_path):
    config = tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "config", config)
    path = config / "messages.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("正在由醫師審閱", "保證由醫師審閱"),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as refused:
        load_content(config, PROJECT_ROOT / "replies")
    assert any("review_held_reply: banned wording '保證'" in p for p in refused.value.problems)


def test_start_up_says_how_many_medical_cards_are_waiting(database_url, caplog):
    settings = make_settings(database_url, "http://127.0.0.1:9", content_review_required=True)
    with caplog.at_level(logging.INFO):
        app = create_app(settings)
    assert "content review: 8 medical card(s) waiting for a physician's sign-off" in caplog.text
    assert "held back from patients" in caplog.text
    app.extensions["bot"].db.dispose()
    assert (
        load_clinic(PROJECT_ROOT / "config" / "clinic.yaml").phone
        in app.extensions["bot"].services.topics.gate.held_text
    )
