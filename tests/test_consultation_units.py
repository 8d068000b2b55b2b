"""Pure pieces of the consultation feature: input normalisation, bookable times, the flow's
order and config validation (tests/test_migrations.py checks the tables against migrations)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from linebot_app.content.clinic import load_clinic
from linebot_app.content.yaml_config import ConfigError
from linebot_app.features.consultation.booking_questions import REVIEW, next_state
from linebot_app.features.consultation.config import load_consultation_config, normalise_command
from linebot_app.features.consultation.patient_input import (
    display_phone,
    normalise_phone,
    read_name,
)
from linebot_app.features.consultation.slots import booking_window, check_preferred_time

CONFIG = Path(__file__).resolve().parent.parent / "config"
CLINIC = load_clinic(CONFIG / "clinic.yaml")
SETTINGS = load_consultation_config(CONFIG)
THURSDAY_MORNING = dt.datetime(2026, 12, 3, 2, 30, tzinfo=dt.UTC)  # 10:30 Taipei


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("0912345678", "+886912345678"),
        ("0912-345-678", "+886912345678"),
        ("０９１２－３４５－６７８", "+886912345678"),
        ("+886 912 345 678", "+886912345678"),
        ("電話是 0912 345 678 謝謝", "+886912345678"),
        ("06-2527333", "+88662527333"),
        ("(02)2345-6789", "+886223456789"),
    ],
)
def test_taiwanese_phones_are_stored_normalised(typed, stored):
    assert normalise_phone(typed) == stored


@pytest.mark.parametrize(
    "typed", ["12345", "0800-000-123", "+81 3-1234-5678", "091234567", "電話", ""]
)
def test_other_numbers_are_refused(typed):
    assert normalise_phone(typed) is None


def test_phones_are_shown_the_way_staff_dial_them():
    assert display_phone("+886912345678") == "0912 345 678"
    assert display_phone(None) == ""


@pytest.mark.parametrize(
    "typed, name, phone, problem",
    [
        ("  王小明 ", "王小明", None, None),
        ("Amy   Chen", "Amy Chen", None, None),
        ("ＡＭＹ", "AMY", None, None),
        ("王小明，0912-345-678", "王小明", "+886912345678", None),
        ("0912345678", None, "+886912345678", "not_a_name"),
        ("www.example.com", None, None, "not_a_name"),
        ("王" * 31, None, None, "too_long"),
        ("   ", None, None, "not_a_name"),
    ],
)
def test_names_are_trimmed_and_checked(typed, name, phone, problem):
    reading = read_name(typed, 30)
    assert (reading.name, reading.phone, reading.problem) == (name, phone, problem)


def test_booking_window_is_in_taipei_time_from_lead_time_to_horizon():
    window = booking_window(THURSDAY_MORNING, CLINIC, SETTINGS)
    assert window.earliest.isoformat() == "2026-12-03T12:30:00+08:00"
    assert window.latest.isoformat() == "2027-02-01T23:59:00+08:00"
    assert window.initial.isoformat() == "2026-12-03T14:00:00+08:00"


@pytest.mark.parametrize(
    "value, problem",
    [
        ("2026-12-03T10:00", "time_past"),
        ("2026-12-03T12:00", "time_too_soon"),
        ("2027-02-02T10:00", "time_too_far"),
        ("2026-12-06T10:00", "time_closed_day"),
        ("2026-12-04T12:30", "time_outside_hours"),
        ("2026-12-05T17:00", "time_outside_hours"),
        ("2026-12-04", "time_use_picker"),
        ("2026-12-04T14:00", None),
        ("2026-12-05T16:59", None),
    ],
)
def test_chosen_times_are_checked_against_window_and_hours(value, problem):
    check = check_preferred_time(value, THURSDAY_MORNING, CLINIC, SETTINGS)
    assert check.problem == problem
    assert (check.moment is None) == (problem is not None)


def test_the_flow_asks_the_first_missing_answer():
    assert next_state({}) == "service"
    assert next_state({"service": "x", "time": "t"}) == "name"
    full = {"service": "x", "time": "t", "name": "n", "phone": "p", "consent": "c"}
    assert next_state(full) == REVIEW
    assert next_state({**full, "name": None}) == "name"


def test_commands_ignore_case_width_and_trailing_punctuation():
    assert normalise_command(" ＣＡＮＣＥＬ！") == "cancel"
    assert SETTINGS.commands.matches("my_requests", "我的預約？")
    assert not SETTINGS.commands.matches("cancel", "取消的話會怎樣")


def test_every_sentence_formats_with_its_placeholders():
    from linebot_app.features.consultation.config import PLACEHOLDERS, Wording

    wording = Wording(SETTINGS, CLINIC)
    values = {
        name: "x" for name in PLACEHOLDERS - {"clinic_name", "clinic_phone", "clinic_address"}
    }
    for key, _ in SETTINGS.texts:
        assert wording.say(key, **values).strip()


def broken_config(tmp_path, old: str, new: str) -> Path:
    config = tmp_path / "config"
    shutil.copytree(CONFIG, config)
    path = config / "consultation.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return config


@pytest.mark.parametrize(
    "old, new, complaint",
    [
        (
            "label: 外泌體療程",
            "label: 外泌體療程外泌體療程外泌體療程外泌體療程外",
            "services.0.label",
        ),
        ("工作人員將於 {next_open} 起與您聯繫", "工作人員將於 {next_opn} 起與您聯繫", "next_opn"),
        ("staff_user_ids: []", "staff_user_ids: [somebody]", "staff_user_ids"),
        ("lead_time_minutes: 120", "lead_time_minutes: -5", "lead_time_minutes"),
        ("  ask_name:", "  ask_nmae:", "ask_nmae"),
    ],
)
def test_config_mistakes_are_reported_with_file_and_field(tmp_path, old, new, complaint):
    with pytest.raises(ConfigError) as error:
        load_consultation_config(broken_config(tmp_path, old, new))
    assert "consultation.yaml" in str(error.value) and complaint in str(error.value)
