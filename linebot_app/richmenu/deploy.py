"""Publish the rich menu to LINE: validate, create, upload the image, make it the default, and only
then delete the menu it replaces, so a failure at any step leaves patients with the old menu.

Idempotent: the menu's name carries a hash of its JSON and image, and a deploy whose hash matches
the current default changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    MessagingApi,
    MessagingApiBlob,
    RichMenuRequest,
)
from urllib3.exceptions import HTTPError

from linebot_app.richmenu.config import HASH_LENGTH, RichMenuConfig
from linebot_app.richmenu.image import MenuImage, inspect_image
from linebot_app.settings import Settings

log = logging.getLogger(__name__)

# Uploading up to 1 MB may take longer than an ordinary API call.
MIN_UPLOAD_TIMEOUT_SECONDS = 30.0
RENDER_COMMAND = "flask --app linebot_app richmenu render"


class DeployError(Exception):
    """A deploy step failed or the inputs are unfit; the message says which and what to do."""


@dataclass(frozen=True)
class PublishedMenu:
    rich_menu_id: str
    name: str
    chat_bar_text: str
    areas: int
    is_default: bool


@dataclass
class DeployResult:
    changed: bool
    rich_menu_id: str
    name: str
    replaced_id: str | None = None
    warnings: list[str] = field(default_factory=list)


def menu_name(menu: RichMenuConfig, image: MenuImage) -> str:
    """'<prefix> <sha12>' of the menu JSON (without its name) and the image bytes."""
    digest = hashlib.sha256()
    digest.update(json.dumps(menu.line_request(), ensure_ascii=False, sort_keys=True).encode())
    digest.update(image.data)
    return f"{menu.name_prefix} {digest.hexdigest()[:HASH_LENGTH]}"


def load_menu_image(path: Path, menu: RichMenuConfig) -> MenuImage:
    """Read the committed image and check it against LINE's rules and the config it should show."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise DeployError(f"{path}: image not found; create it with `{RENDER_COMMAND}`") from exc
    image, problems = inspect_image(data)
    if image and (image.width, image.height) != (menu.size.width, menu.size.height):
        problems.append(
            f"image is {image.width}x{image.height} px but the menu size is "
            f"{menu.size.width}x{menu.size.height}"
        )
    if image and image.look is not None and image.look != menu.look_fingerprint():
        problems.append(
            "image was drawn from an older rich_menu.yaml (labels, colours or layout changed); "
            f"run `{RENDER_COMMAND}`"
        )
    if problems:
        raise DeployError("\n".join(f"{path}: {problem}" for problem in problems))
    assert image is not None
    return image


class RichMenuClient:
    """The rich menu endpoints of both LINE hosts, each call bounded by the configured timeout."""

    def __init__(self, settings: Settings):
        self.timeout = settings.line_timeout_seconds
        token = settings.channel_access_token
        self._api_client = ApiClient(Configuration(host=settings.api_base_url, access_token=token))
        self._blob_client = ApiClient(
            Configuration(host=settings.data_api_base_url, access_token=token)
        )
        self.api = MessagingApi(self._api_client)
        self.blob = MessagingApiBlob(self._blob_client)

    def close(self) -> None:
        self._api_client.close()
        self._blob_client.close()

    def __enter__(self) -> RichMenuClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def default_id(self) -> str | None:
        try:
            return self.api.get_default_rich_menu_id(_request_timeout=self.timeout).rich_menu_id
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise

    def name_of(self, rich_menu_id: str) -> str | None:
        try:
            return self.api.get_rich_menu(rich_menu_id, _request_timeout=self.timeout).name
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise

    def menus(self) -> list[Any]:
        return self.api.get_rich_menu_list(_request_timeout=self.timeout).richmenus

    def validate(self, request: RichMenuRequest) -> None:
        self.api.validate_rich_menu_object(request, _request_timeout=self.timeout)

    def create(self, request: RichMenuRequest) -> str:
        return self.api.create_rich_menu(request, _request_timeout=self.timeout).rich_menu_id

    def upload_image(self, rich_menu_id: str, image: MenuImage) -> None:
        self.blob.set_rich_menu_image(
            rich_menu_id,
            image.data,
            _headers={"Content-Type": image.content_type},
            _request_timeout=max(self.timeout, MIN_UPLOAD_TIMEOUT_SECONDS),
        )

    def set_default(self, rich_menu_id: str) -> None:
        self.api.set_default_rich_menu(rich_menu_id, _request_timeout=self.timeout)

    def delete(self, rich_menu_id: str) -> None:
        self.api.delete_rich_menu(rich_menu_id, _request_timeout=self.timeout)


LineFailure = (ApiException, HTTPError, OSError)


def describe_failure(exc: BaseException) -> str:
    if isinstance(exc, ApiException):
        body = exc.body.decode(errors="replace") if isinstance(exc.body, bytes) else exc.body
        return f"LINE answered {exc.status} {exc.reason or ''}: {body or ''}".strip()
    return f"{type(exc).__name__}: {exc}"


def deploy_menu(client: RichMenuClient, menu: RichMenuConfig, image: MenuImage) -> DeployResult:
    """Make this menu the default for all users; see the module docstring for the guarantees."""
    name = menu_name(menu, image)
    request = RichMenuRequest.from_dict(menu.line_request(name))

    try:
        old_id = client.default_id()
        old_name = client.name_of(old_id) if old_id else None
    except LineFailure as exc:
        problem = describe_failure(exc)
        raise DeployError(f"reading the current default menu failed: {problem}") from exc
    if old_id and old_name == name:
        log.info("rich menu %s (%s) is already the default; nothing to do", old_id, name)
        return DeployResult(changed=False, rich_menu_id=old_id, name=name)

    try:
        client.validate(request)
    except LineFailure as exc:
        raise DeployError(f"LINE rejected the menu: {describe_failure(exc)}") from exc
    try:
        new_id = client.create(request)
    except LineFailure as exc:
        raise DeployError(f"creating the menu failed: {describe_failure(exc)}") from exc
    log.info("created rich menu %s (%s)", new_id, name)

    step = "uploading the image"
    try:
        client.upload_image(new_id, image)
        step = "setting the default"
        client.set_default(new_id)
    except LineFailure as exc:
        if step == "setting the default" and _became_default(client, new_id):
            log.warning("setting the default reported %s, but it took effect", exc)
        else:
            cleanup = _delete_quietly(client, new_id)
            raise DeployError(
                f"{step} failed: {describe_failure(exc)}. The previous menu "
                f"{old_id or '(none)'} is still the default; {cleanup}"
            ) from exc

    result = DeployResult(changed=True, rich_menu_id=new_id, name=name, replaced_id=old_id)
    if old_id and old_id != new_id:
        try:
            client.delete(old_id)
        except LineFailure as exc:
            result.warnings.append(
                f"the new menu is live, but deleting the old menu {old_id} failed "
                f"({describe_failure(exc)}); remove it with `richmenu delete {old_id}`"
            )
    return result


def _became_default(client: RichMenuClient, rich_menu_id: str) -> bool:
    """After an ambiguous failure (e.g. a timeout): did LINE apply the change anyway?"""
    try:
        return client.default_id() == rich_menu_id
    except LineFailure:
        return False


def _delete_quietly(client: RichMenuClient, rich_menu_id: str) -> str:
    """Remove a half-made menu; returns a sentence for the error message either way."""
    try:
        client.delete(rich_menu_id)
    except LineFailure as exc:
        log.error("could not delete half-made rich menu %s: %s", rich_menu_id, exc)
        return (
            f"the half-made menu {rich_menu_id} could not be deleted ({describe_failure(exc)}); "
            f"remove it with `richmenu delete {rich_menu_id}`"
        )
    return f"the half-made menu {rich_menu_id} was deleted"


def list_menus(client: RichMenuClient) -> list[PublishedMenu]:
    try:
        default_id = client.default_id()
        menus = client.menus()
    except LineFailure as exc:
        raise DeployError(f"listing rich menus failed: {describe_failure(exc)}") from exc
    return [
        PublishedMenu(
            rich_menu_id=item.rich_menu_id,
            name=item.name,
            chat_bar_text=item.chat_bar_text,
            areas=len(item.areas),
            is_default=item.rich_menu_id == default_id,
        )
        for item in menus
    ]


def delete_menu(client: RichMenuClient, rich_menu_id: str, *, force: bool = False) -> None:
    """Delete one menu; the current default only with force, since patients would lose it."""
    try:
        if not force and client.default_id() == rich_menu_id:
            raise DeployError(
                f"{rich_menu_id} is the default menu patients see; deploy another first "
                "or delete it with --force"
            )
        client.delete(rich_menu_id)
    except LineFailure as exc:
        raise DeployError(f"deleting {rich_menu_id} failed: {describe_failure(exc)}") from exc
