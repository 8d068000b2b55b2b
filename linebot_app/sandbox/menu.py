"""The rich menu the sandbox shows under the patient's chat.

What LINE would show: the default menu of the fake platform, once one is deployed to it
(`flask --app linebot_app richmenu deploy` against the running sandbox). Until then, the menu
defined in `config/rich_menu.yaml` with its committed image, so the menu is there from the start.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from linebot_app.content.yaml_config import ConfigError
from linebot_app.fakeline import FakeLinePlatform
from linebot_app.richmenu import load_rich_menu

log = logging.getLogger(__name__)

MENU_FILE = "rich_menu.yaml"
IMAGE_FILE = Path(__file__).resolve().parent.parent / "static" / "richmenu.png"


@dataclass(frozen=True)
class PageMenu:
    """A LINE rich menu object, where its image is served, and where it came from."""

    menu: dict[str, Any]
    image_url: str
    source: str


def deployed_menu(platform: FakeLinePlatform, access_token: str) -> dict[str, Any] | None:
    """The platform's default rich menu, asked through its API like any LINE client would."""
    headers = {"Authorization": f"Bearer {access_token}"}
    default = platform.handle("GET", "/v2/bot/user/all/richmenu", headers=headers)
    if default.status != 200:
        return None
    menu_id = json.loads(default.body)["richMenuId"]
    found = platform.handle("GET", f"/v2/bot/richmenu/{menu_id}", headers=headers)
    return json.loads(found.body) if found.status == 200 else None


def deployed_image(
    platform: FakeLinePlatform, access_token: str, menu_id: str
) -> tuple[bytes, str] | None:
    headers = {"Authorization": f"Bearer {access_token}"}
    image = platform.handle("GET", f"/v2/bot/richmenu/{menu_id}/content", headers=headers)
    return (image.body, image.content_type) if image.status == 200 else None


def configured_menu(config_dir: Path) -> dict[str, Any] | None:
    """The menu as config/rich_menu.yaml defines it; None (logged) when invalid or missing."""
    path = config_dir / MENU_FILE
    if not path.is_file() or not IMAGE_FILE.is_file():
        return None
    try:
        return load_rich_menu(path).line_request(name="config/rich_menu.yaml")
    except ConfigError as exc:
        log.warning("sandbox: rich menu not shown: %s", exc)
        return None


def page_menu(
    platform: FakeLinePlatform, access_token: str, config_dir: Path, static_image_url: str
) -> PageMenu | None:
    menu = deployed_menu(platform, access_token)
    if menu is not None:
        image_url = f"/sandbox/api/richmenu/{menu['richMenuId']}/image"
        return PageMenu(menu, image_url, "deployed to the sandbox's LINE platform")
    menu = configured_menu(config_dir)
    if menu is not None:
        return PageMenu(menu, static_image_url, "config/rich_menu.yaml (not deployed)")
    return None
