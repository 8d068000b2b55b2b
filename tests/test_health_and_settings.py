"""Start-up settings validation and the health endpoint."""

from __future__ import annotations

import json
import urllib.request

import pytest

from linebot_app import create_app
from linebot_app.settings import SettingsError, load_settings

SECRET = "0123456789abcdef0123456789abcdef"
GROUP = "C" + "2" * 32


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_healthz_answers_200_when_the_database_works(running):
    status, body = get(running.url + "/healthz")
    assert status == 200
    assert body["status"] == "ok"
    assert body["database"] in ("sqlite", "postgresql")


def test_healthz_answers_503_when_the_database_is_down(fake_line, tmp_path):
    from tests.conftest import make_settings

    settings = make_settings("postgresql+psycopg://nobody@127.0.0.1:1/none", fake_line.url)
    app = create_app(settings)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"


def test_production_settings_are_read_from_the_environment():
    settings = load_settings(
        {
            "LINE_CHANNEL_SECRET": SECRET,
            "LINE_CHANNEL_ACCESS_TOKEN": "token",
            "LINE_STAFF_GROUP_ID": GROUP,
            "DATABASE_URL": "postgres://u:p@db.example:5432/clinic",
            "PORT": "5000",
            "SECRET_KEY": "k" * 64,
        }
    )
    assert not settings.sandbox
    assert settings.api_base_url == "https://api.line.me"
    assert settings.data_api_base_url == "https://api-data.line.me"
    assert settings.database_url == "postgresql+psycopg://u:p@db.example:5432/clinic"
    assert settings.port == 5000


def test_every_invalid_setting_is_reported_at_once():
    with pytest.raises(SettingsError) as error:
        load_settings(
            {
                "LINE_CHANNEL_SECRET": "not-hex",
                "LINE_CHANNEL_ACCESS_TOKEN": "token",
                "LINE_STAFF_GROUP_ID": "my-group",
                "LINE_API_BASE_URL": "ftp://x",
                "PORT": "eighty",
                "DATABASE_URL": "mysql://x",
            }
        )
    problems = "\n".join(error.value.problems)
    for name in (
        "LINE_CHANNEL_SECRET",
        "LINE_STAFF_GROUP_ID",
        "LINE_API_BASE_URL",
        "PORT",
        "DATABASE_URL",
        "SECRET_KEY",
    ):
        assert name in problems
    assert len(error.value.problems) == 6


def test_one_credential_without_the_other_is_an_error_naming_the_missing_one():
    with pytest.raises(SettingsError) as error:
        load_settings({"LINE_CHANNEL_SECRET": SECRET})
    assert "LINE_CHANNEL_ACCESS_TOKEN: missing" in str(error.value)


def test_staff_group_is_required_with_real_credentials():
    with pytest.raises(SettingsError) as error:
        load_settings({"LINE_CHANNEL_SECRET": SECRET, "LINE_CHANNEL_ACCESS_TOKEN": "t"})
    assert "LINE_STAFF_GROUP_ID: missing" in str(error.value)


def test_secret_key_is_required_with_real_credentials_and_says_how_to_make_one():
    with pytest.raises(SettingsError) as error:
        load_settings(
            {
                "LINE_CHANNEL_SECRET": SECRET,
                "LINE_CHANNEL_ACCESS_TOKEN": "t",
                "LINE_STAFF_GROUP_ID": GROUP,
            }
        )
    assert "SECRET_KEY: missing" in str(error.value)
    assert "secrets.token_hex(32)" in str(error.value)
    assert load_settings({"PORT": "8123"}).secret_key  # generated in the sandbox


def test_without_credentials_the_bot_is_a_local_sandbox_and_says_how_to_connect():
    settings = load_settings({"PORT": "8123"})
    assert settings.sandbox
    assert settings.api_base_url == "http://127.0.0.1:8123/sandbox/line"
    assert any("developers.line.biz" in warning for warning in settings.warnings)
    assert settings.database_url.startswith("sqlite:///") and "instance" in settings.database_url
