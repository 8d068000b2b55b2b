"""Rich menus as LINE keeps them: create, upload one image (data host), set as default, delete.

Not thread-safe on its own; `FakeLinePlatform` calls it under its lock.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from PIL import Image, UnidentifiedImageError

from linebot_app.fakeline.ids import IdSource
from linebot_app.fakeline.responses import NOT_FOUND, ApiResponse, error, ok
from linebot_app.line.limits import RICH_MENU_MAX_IMAGE_BYTES

IMAGE_TYPES = ("image/png", "image/jpeg")
MAX_IMAGE_BYTES = RICH_MENU_MAX_IMAGE_BYTES


@dataclass
class RichMenuImage:
    content_type: str
    content: bytes


class RichMenuStore:
    def __init__(self, ids: IdSource):
        self._ids = ids
        self.menus: dict[str, dict[str, Any]] = {}
        self.images: dict[str, RichMenuImage] = {}
        self.default_id: str | None = None

    def create(self, body: dict[str, Any]) -> ApiResponse:
        menu_id = self._ids.rich_menu_id()
        self.menus[menu_id] = {"richMenuId": menu_id, **body}
        return ok({"richMenuId": menu_id})

    def get(self, menu_id: str) -> ApiResponse:
        menu = self.menus.get(menu_id)
        return ok(menu) if menu else error(404, NOT_FOUND)

    def list(self) -> ApiResponse:
        return ok({"richmenus": list(self.menus.values())})

    def delete(self, menu_id: str) -> ApiResponse:
        if self.menus.pop(menu_id, None) is None:
            return error(404, NOT_FOUND)
        self.images.pop(menu_id, None)
        if self.default_id == menu_id:
            self.default_id = None
        return ok()

    def upload_image(self, menu_id: str, content_type: str, content: bytes) -> ApiResponse:
        if menu_id not in self.menus:
            return error(404, NOT_FOUND)
        if content_type.split(";")[0].strip().lower() not in IMAGE_TYPES:
            return error(400, f"Content-Type must be one of {', '.join(IMAGE_TYPES)}")
        if menu_id in self.images:
            return error(400, "An image has already been uploaded to the richmenu")
        problem = image_problem(content)
        if problem:
            return error(400, problem)
        self.images[menu_id] = RichMenuImage(content_type, content)
        return ok()

    def download_image(self, menu_id: str) -> ApiResponse:
        image = self.images.get(menu_id)
        if image is None:
            return error(404, NOT_FOUND)
        return ApiResponse(200, content=image.content, content_type=image.content_type)

    def set_default(self, menu_id: str) -> ApiResponse:
        if menu_id not in self.menus:
            return error(404, NOT_FOUND)
        if menu_id not in self.images:
            return error(400, "must upload richmenu image before applying it to user")
        self.default_id = menu_id
        return ok()

    def get_default(self) -> ApiResponse:
        if self.default_id is None:
            return error(404, "no default richmenu")
        return ok({"richMenuId": self.default_id})

    def cancel_default(self) -> ApiResponse:
        self.default_id = None
        return ok()


def image_problem(content: bytes) -> str | None:
    """LINE's documented image rules (JPEG/PNG, ≤1 MB, 800–2500 × ≥250 px, ratio ≥ 1.45)."""
    if len(content) > MAX_IMAGE_BYTES:
        return f"Image is larger than {MAX_IMAGE_BYTES} bytes"
    try:
        with Image.open(io.BytesIO(content)) as image:
            kind, (width, height) = image.format, image.size
    except UnidentifiedImageError:
        return "Image is not a valid JPEG or PNG file"
    if kind not in ("PNG", "JPEG"):
        return "Image must be JPEG or PNG"
    if not (800 <= width <= 2500 and height >= 250 and width / height >= 1.45):
        return f"Image size {width}x{height} is invalid for a rich menu"
    return None
