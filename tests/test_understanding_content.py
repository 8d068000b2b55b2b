"""check-content on the classifier's examples and the committed model."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from linebot_app.content import check_content
from linebot_app.content.clinic import load_clinic

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def content(tmp_path) -> tuple[Path, Path]:
    replies, config = tmp_path / "replies", tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "replies", replies)
    shutil.copytree(PROJECT_ROOT / "config", config)
    return replies, config


def add_examples(path: Path, *examples: str) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["examples"] = [*data.get("examples", []), *examples]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def check(content):
    replies, config = content
    return check_content(replies, config, load_clinic(config / "clinic.yaml"))


def test_shipped_examples_pass_and_the_model_is_fresh(content):
    errors, warnings = check(content)
    assert errors == []
    assert not [w for w in warnings if "example" in w or "_classifier" in w]


def test_an_example_with_banned_wording_fails(content):
    add_examples(content[0] / "safety.yaml", "這個是絕對安全的嗎")
    errors, _ = check(content)
    assert any("safety.yaml: examples." in e and "絕對" in e for e in errors)


def test_an_example_claimed_by_two_topics_fails(content):
    add_examples(content[0] / "price.yaml", "打了會不會紅紅的")
    errors, _ = check(content)
    assert any("claimed by both" in e and "price.yaml" in e for e in errors)


def test_an_overlong_example_fails(content):
    add_examples(content[0] / "price.yaml", "多" * 121)
    errors, _ = check(content)
    assert any("price.yaml: examples." in e and "characters" in e for e in errors)


def test_a_new_example_without_retraining_is_a_warning(content):
    add_examples(content[0] / "price.yaml", "刷卡可以分期嗎")
    errors, warnings = check(content)
    assert errors == []
    assert any("_classifier.json" in w and "understanding train" in w for w in warnings)
