"""LINE's rules for a rich menu image, checked before anything is uploaded."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from linebot_app.line.limits import RICH_MENU_MAX_IMAGE_BYTES
from linebot_app.richmenu.config import MAX_WIDTH, MIN_ASPECT_RATIO, MIN_HEIGHT, MIN_WIDTH

MAX_IMAGE_BYTES = RICH_MENU_MAX_IMAGE_BYTES
CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}
# PNG text chunk holding RichMenuConfig.look_fingerprint() of the config the image was drawn from.
LOOK_KEY = "richmenu-look"


@dataclass(frozen=True)
class MenuImage:
    data: bytes
    content_type: str
    width: int
    height: int
    look: str | None


def inspect_image(data: bytes) -> tuple[MenuImage | None, list[str]]:
    """Read the image and list every way it breaks LINE's rules (empty list: fine)."""
    problems = []
    if len(data) > MAX_IMAGE_BYTES:
        problems.append(f"image is {len(data):,} bytes; LINE accepts at most {MAX_IMAGE_BYTES:,}")
    try:
        with Image.open(io.BytesIO(data)) as picture:
            kind, (width, height) = picture.format, picture.size
            look = picture.info.get(LOOK_KEY) if kind == "PNG" else None
    except UnidentifiedImageError:
        return None, [*problems, "image is not a PNG or JPEG file"]
    if kind not in CONTENT_TYPES:
        problems.append(f"image is {kind}; LINE accepts PNG or JPEG only")
    if not MIN_WIDTH <= width <= MAX_WIDTH:
        problems.append(f"image width {width} px is outside {MIN_WIDTH}-{MAX_WIDTH} px")
    if height < MIN_HEIGHT:
        problems.append(f"image height {height} px is below {MIN_HEIGHT} px")
    if width / height < MIN_ASPECT_RATIO:
        problems.append(f"image width/height {width / height:.2f} is below {MIN_ASPECT_RATIO}")
    image = MenuImage(
        data=data,
        content_type=CONTENT_TYPES.get(kind or "", "application/octet-stream"),
        width=width,
        height=height,
        look=look,
    )
    return image, problems
