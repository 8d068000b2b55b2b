"""Publishing the rich menu against the fake LINE platform: the API host and the data host are two
fake servers sharing one platform, so each recorded call shows which host it reached."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from flask import Flask
from linebot.v3.messaging import RichMenuRequest

from linebot_app.fakeline import FakeLinePlatform, FakeLineServer
from linebot_app.richmenu.cli import DEFAULT_IMAGE_PATH, register_cli
from linebot_app.richmenu.config import load_rich_menu, parse_rich_menu
from linebot_app.richmenu.deploy import (
    DeployError,
    RichMenuClient,
    delete_menu,
    deploy_menu,
    list_menus,
    load_menu_image,
    menu_name,
)
from linebot_app.richmenu.image import MenuImage, inspect_image
from linebot_app.settings import Settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MENU_PATH = PROJECT_ROOT / "config" / "rich_menu.yaml"
RICHMENU_PATHS = ("/v2/bot/richmenu", "/v2/bot/user/all/richmenu")


@dataclass
class Line:
    platform: FakeLinePlatform
    api: FakeLineServer
    data: FakeLineServer
    settings: Settings

    @property
    def default_id(self) -> str | None:
        return self.platform.rich_menus.default_id

    @property
    def menus(self) -> dict[str, dict]:
        return self.platform.rich_menus.menus

    def calls(self) -> list[tuple[str, str]]:
        """(method, path) of the rich menu calls, IDs replaced by {id}, in order."""
        found = []
        for request in self.platform.requests():
            if request.path.startswith(RICHMENU_PATHS):
                path = request.path
                for menu_id in _ids_in(path):
                    path = path.replace(menu_id, "{id}")
                found.append((request.method, path))
        return found


def _ids_in(path: str) -> list[str]:
    return [part for part in path.split("/") if part.startswith("richmenu-")]


@pytest.fixture
def line(tmp_path) -> Iterator[Line]:
    platform = FakeLinePlatform()
    with FakeLineServer(platform) as api, FakeLineServer(platform) as data:
        settings = Settings(
            channel_secret="0123456789abcdef0123456789abcdef",
            channel_access_token="test-access-token",
            api_base_url=api.url,
            data_api_base_url=data.url,
            line_timeout_seconds=3.0,
            config_dir=tmp_path,
        )
        (tmp_path / "rich_menu.yaml").write_bytes(MENU_PATH.read_bytes())
        yield Line(platform, api, data, settings)


@pytest.fixture
def menu():
    return load_rich_menu(MENU_PATH)


@pytest.fixture
def image(menu) -> MenuImage:
    return load_menu_image(DEFAULT_IMAGE_PATH, menu)


def deploy(line: Line, menu, image, client_class=RichMenuClient):
    with client_class(line.settings) as client:
        return deploy_menu(client, menu, image)


def menu_with(**changes):
    data = yaml.safe_load(MENU_PATH.read_text(encoding="utf-8"))
    data.update(changes)
    return parse_rich_menu(data)


def test_deploy_validates_creates_uploads_to_the_data_host_then_sets_the_default(line, menu, image):
    result = deploy(line, menu, image)

    assert result.changed and result.replaced_id is None
    assert line.calls() == [
        ("GET", "/v2/bot/user/all/richmenu"),
        ("POST", "/v2/bot/richmenu/validate"),
        ("POST", "/v2/bot/richmenu"),
        ("POST", "/v2/bot/richmenu/{id}/content"),
        ("POST", "/v2/bot/user/all/richmenu/{id}"),
    ]
    (upload,) = line.platform.requests(f"/v2/bot/richmenu/{result.rich_menu_id}/content")
    assert upload.host == line.data.url.removeprefix("http://")
    assert upload.headers["content-type"] == "image/png"
    assert upload.body == DEFAULT_IMAGE_PATH.read_bytes()
    assert inspect_image(upload.body)[1] == []
    assert all(
        r.host == line.api.url.removeprefix("http://")
        for r in line.platform.requests()
        if r is not upload
    )
    assert all(
        r.headers["authorization"] == "Bearer test-access-token" for r in line.platform.requests()
    )
    assert line.platform.schema_errors == []


def test_deploy_ends_with_one_default_menu_as_configured(line, menu, image):
    result = deploy(line, menu, image)

    assert line.default_id == result.rich_menu_id
    assert list(line.menus) == [result.rich_menu_id]
    published = line.menus[result.rich_menu_id]
    assert published["name"] == menu_name(menu, image)
    assert published["name"].startswith("clinic-menu ")
    assert published["chatBarText"] == "選單"
    assert [a["action"]["data"] for a in published["areas"]] == [
        "action=topic&topic=what",
        "action=topic&topic=side_effects,safety",
        "action=book",
        "action=my_requests",
        "action=topic&topic=contact",
        "action=human",
    ]
    assert line.platform.rich_menus.images[result.rich_menu_id].content_type == "image/png"


def test_deploying_the_same_menu_twice_changes_nothing(line, menu, image):
    first = deploy(line, menu, image)
    calls_before = len(line.calls())

    second = deploy(line, menu, image)

    assert not second.changed
    assert second.rich_menu_id == first.rich_menu_id
    assert [method for method, _ in line.calls()[calls_before:]] == ["GET", "GET"]
    assert list(line.menus) == [first.rich_menu_id] and line.default_id == first.rich_menu_id


def test_a_changed_menu_replaces_the_old_default_and_deletes_it(line, menu, image):
    old = deploy(line, menu, image)

    new = deploy(line, menu_with(chat_bar_text="服務選單"), image)

    assert new.changed and new.replaced_id == old.rich_menu_id
    assert line.default_id == new.rich_menu_id
    assert list(line.menus) == [new.rich_menu_id]
    assert line.calls()[-2:] == [
        ("POST", "/v2/bot/user/all/richmenu/{id}"),
        ("DELETE", "/v2/bot/richmenu/{id}"),
    ]


class FailingUploadClient(RichMenuClient):
    """Makes the fake data host answer 500 to the new menu's image upload."""

    platform: FakeLinePlatform

    def upload_image(self, rich_menu_id, image):
        self.platform.fail_next(f"/v2/bot/richmenu/{rich_menu_id}/content", 500)
        super().upload_image(rich_menu_id, image)


def test_upload_failure_leaves_the_old_default_and_removes_the_half_made_menu(line, menu, image):
    old = deploy(line, menu, image)
    FailingUploadClient.platform = line.platform

    with pytest.raises(DeployError) as caught:
        deploy(line, menu_with(chat_bar_text="服務選單"), image, FailingUploadClient)

    assert "uploading the image failed: LINE answered 500" in str(caught.value)
    assert f"previous menu {old.rich_menu_id} is still the default" in str(caught.value)
    assert line.default_id == old.rich_menu_id
    assert list(line.menus) == [old.rich_menu_id]
    assert ("POST", "/v2/bot/user/all/richmenu/{id}") not in line.calls()[5:]


def test_unreachable_data_host_leaves_the_old_default(line, menu, image):
    old = deploy(line, menu, image)
    line.data.stop()

    with pytest.raises(DeployError, match="uploading the image failed"):
        deploy(line, menu_with(chat_bar_text="服務選單"), image)

    assert line.default_id == old.rich_menu_id
    assert list(line.menus) == [old.rich_menu_id]


def test_image_refused_by_line_leaves_the_old_default(line, menu, image):
    old = deploy(line, menu, image)
    gif = MenuImage(b"GIF89a" + b"\0" * 64, "image/png", 2500, 1686, None)

    with pytest.raises(DeployError, match="LINE answered 400"):
        deploy(line, menu_with(chat_bar_text="服務選單"), gif)

    assert line.default_id == old.rich_menu_id
    assert list(line.menus) == [old.rich_menu_id]


def test_set_default_failure_leaves_the_old_default(line, menu, image):
    old = deploy(line, menu, image)
    line.platform.fail_next("/v2/bot/user/all/richmenu/richmenu-", 503)

    with pytest.raises(DeployError, match="setting the default failed: LINE answered 503"):
        deploy(line, menu_with(chat_bar_text="服務選單"), image)

    assert line.default_id == old.rich_menu_id
    assert list(line.menus) == [old.rich_menu_id]


def test_set_default_whose_answer_was_lost_still_completes_the_deploy(line, menu, image):
    old = deploy(line, menu, image)
    line.platform.drop_response_next("/v2/bot/user/all/richmenu/richmenu-")

    new = deploy(line, menu_with(chat_bar_text="服務選單"), image)

    assert line.default_id == new.rich_menu_id
    assert list(line.menus) == [new.rich_menu_id]
    assert new.replaced_id == old.rich_menu_id


def test_menu_rejected_by_validation_creates_nothing(line, menu, image):
    line.platform.fail_next("/v2/bot/richmenu/validate", 400)

    with pytest.raises(DeployError, match="LINE rejected the menu: LINE answered 400"):
        deploy(line, menu, image)

    assert line.menus == {} and line.default_id is None


def test_old_menu_that_cannot_be_deleted_is_reported_not_fatal(line, menu, image):
    old = deploy(line, menu, image)
    FailingDeleteClient.platform = line.platform

    new = deploy(line, menu_with(chat_bar_text="服務選單"), image, FailingDeleteClient)

    assert line.default_id == new.rich_menu_id
    assert set(line.menus) == {old.rich_menu_id, new.rich_menu_id}
    assert len(new.warnings) == 1
    assert f"richmenu delete {old.rich_menu_id}" in new.warnings[0]


class FailingDeleteClient(RichMenuClient):
    """Makes the fake platform answer 500 when the old menu is deleted."""

    platform: FakeLinePlatform

    def delete(self, rich_menu_id):
        self.platform.fail_next(f"/v2/bot/richmenu/{rich_menu_id}", 500)
        super().delete(rich_menu_id)


def test_slow_line_fails_the_deploy_within_the_timeout(line, menu, image):
    line.platform.add_latency(1.0)
    slow = Line(
        line.platform,
        line.api,
        line.data,
        Settings(**{**line.settings.__dict__, "line_timeout_seconds": 0.2}),
    )

    with pytest.raises(DeployError, match="reading the current default menu failed"):
        deploy(slow, menu, image)


def test_stale_image_is_refused_before_calling_line(menu):
    changed = menu_with(areas=[{**a, "label": a["label"]} for a in _areas()][::-1])

    with pytest.raises(DeployError, match="richmenu render"):
        load_menu_image(DEFAULT_IMAGE_PATH, changed)


def _areas():
    return yaml.safe_load(MENU_PATH.read_text(encoding="utf-8"))["areas"]


# --- the CLI ---------------------------------------------------------------------------------
def cli(line: Line, *args: str):
    app = Flask(__name__)
    app.config["SETTINGS"] = line.settings
    register_cli(app)
    return app.test_cli_runner().invoke(args=["richmenu", *args])


def test_deploy_command_publishes_then_reports_unchanged(line):
    first = cli(line, "deploy")
    second = cli(line, "deploy")

    assert first.exit_code == 0, first.output
    assert f"deployed {line.default_id}" in first.output
    assert second.exit_code == 0, second.output
    assert f"unchanged: {line.default_id}" in second.output


def test_deploy_command_refuses_an_invalid_config_naming_the_field(line):
    path = line.settings.config_dir / "rich_menu.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "chat_bar_text: 選單", "chat_bar_text: " + "選" * 15
        ),
        encoding="utf-8",
    )

    result = cli(line, "deploy")

    assert result.exit_code == 1
    assert "chat_bar_text: String should have at most 14 characters" in result.output
    assert line.platform.requests() == []


def test_dry_run_prints_the_menu_without_calling_line(line, menu, image):
    result = cli(line, "deploy", "--dry-run")

    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["name"] == menu_name(menu, image)
    assert line.platform.requests() == []


def test_list_marks_the_default_and_delete_removes_a_menu(line, menu, image):
    old = deploy(line, menu, image)
    with RichMenuClient(line.settings) as client:
        spare = client.create(RichMenuRequest.from_dict(menu.line_request("spare")))

    listed = cli(line, "list")
    deleted = cli(line, "delete", spare)

    assert listed.exit_code == 0, listed.output
    assert f"* {old.rich_menu_id}  {old.name}" in listed.output
    assert f"  {spare}  spare" in listed.output
    assert deleted.exit_code == 0, deleted.output
    assert list(line.menus) == [old.rich_menu_id]


def test_deleting_the_default_menu_needs_force(line, menu, image):
    current = deploy(line, menu, image)

    refused = cli(line, "delete", current.rich_menu_id)
    forced = cli(line, "delete", current.rich_menu_id, "--force")

    assert refused.exit_code == 1 and "--force" in refused.output
    assert forced.exit_code == 0
    assert line.menus == {} and line.default_id is None


def test_list_and_delete_functions(line, menu, image):
    current = deploy(line, menu, image)
    with RichMenuClient(line.settings) as client:
        (only,) = list_menus(client)
        with pytest.raises(DeployError, match="404"):
            delete_menu(client, "richmenu-" + "0" * 32)

    assert only.rich_menu_id == current.rich_menu_id and only.is_default and only.areas == 6
