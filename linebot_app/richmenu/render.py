"""Draw the rich menu image from the config: one rounded tile per area, large centred labels.

Needs a font with Traditional Chinese glyphs (Noto Sans CJK, Debian package `fonts-noto-cjk`).
Only `richmenu render` needs it; the rendered PNG is committed, so deploying needs no font.
"""

from __future__ import annotations

import functools
import io
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from PIL.ImageFont import FreeTypeFont
from PIL.PngImagePlugin import PngInfo

from linebot_app.richmenu.config import Bounds, MenuArea, RichMenuConfig
from linebot_app.richmenu.image import LOOK_KEY, MAX_IMAGE_BYTES

FONT_INSTALL_HELP = (
    "install Noto Sans CJK (Debian/Ubuntu: `sudo apt-get install -y fonts-noto-cjk`; "
    "macOS: `brew install --cask font-noto-sans-cjk`) or pass --font-dir"
)
FONT_DIRS = (
    Path("/usr/share/fonts/opentype/noto"),
    Path("/usr/share/fonts/noto-cjk"),
    Path("/usr/share/fonts/google-noto-cjk"),
    Path("/usr/local/share/fonts"),
    Path.home() / "Library/Fonts",
)
FONT_FILES = {"bold": "NotoSansCJK-Bold.ttc", "regular": "NotoSansCJK-Regular.ttc"}
TRADITIONAL_CHINESE_FACE = "Noto Sans CJK TC"

PHONE_WIDTH = 1080
PHONE_CHAT_HEIGHT = 200
PHONE_CHAT_COLOUR = "#8CABD9"  # LINE's default chat background
SUPERSAMPLE = 2  # drawn at twice the size, then scaled down, for smooth tile edges
TILE_INSET = 18  # tiles are this far inside their area: gaps of twice that between tiles
RADIUS = 44
BORDER = 4
LABEL_SIZES = range(116, 71, -4)  # px; 116 px is about 18 pt across a phone screen
SHRINK_BEFORE_WRAP = 92  # a label shrinks to this size on one line before it wraps
SUBLABEL_SIZES = range(64, 43, -4)
ACCENT_GAP = 44
SUBLABEL_GAP = 34
SIDE_PADDING = 56
ACCENT_BAR = (110, 12)


class FontMissing(Exception):
    pass


@dataclass(frozen=True)
class Fonts:
    bold: Path
    regular: Path

    def face(self, weight: str, size: int) -> FreeTypeFont:
        """The font at `size` final pixels (drawn supersampled)."""
        path = self.bold if weight == "bold" else self.regular
        return _load_font(path, size * SUPERSAMPLE)


@functools.cache
def _load_font(path: Path, pixels: int) -> FreeTypeFont:
    return ImageFont.truetype(str(path), pixels, index=_face_index(path))


@functools.cache
def _face_index(path: Path) -> int:
    """The Traditional Chinese face of a .ttc collection (glyph shapes differ from SC/JP)."""
    if path.suffix.lower() != ".ttc":
        return 0
    for index in range(12):
        try:
            family, _ = ImageFont.truetype(str(path), 12, index=index).getname()
        except OSError:
            break
        if family == TRADITIONAL_CHINESE_FACE:
            return index
    return 0


def find_fonts(font_dir: Path | None = None) -> Fonts:
    dirs = (font_dir,) if font_dir else FONT_DIRS
    for directory in dirs:
        bold, regular = (directory / FONT_FILES[w] for w in ("bold", "regular"))
        if bold.is_file() and regular.is_file():
            return Fonts(bold=bold, regular=regular)
    fc_match = shutil.which("fc-match")
    if fc_match and font_dir is None:
        found = {}
        for weight in ("bold", "regular"):
            result = subprocess.run(
                [fc_match, "-f", "%{file}", f"{TRADITIONAL_CHINESE_FACE}:{weight}"],
                capture_output=True,
                text=True,
                check=False,
            )
            path = Path(result.stdout.strip())
            if "CJK" in path.name and path.is_file():
                found[weight] = path
        if len(found) == 2:
            return Fonts(**found)
    searched = ", ".join(str(d) for d in dirs)
    raise FontMissing(f"Noto Sans CJK not found (looked in {searched}): {FONT_INSTALL_HELP}")


def render_menu(menu: RichMenuConfig, fonts: Fonts) -> bytes:
    """The menu as PNG bytes, tagged with the config's look fingerprint."""
    scale = SUPERSAMPLE
    size = (menu.size.width * scale, menu.size.height * scale)
    canvas = Image.new("RGB", size, menu.colours.background)
    draw = ImageDraw.Draw(canvas)
    for index, (area, bounds) in enumerate(menu.areas_with_bounds()):
        _draw_tile(draw, menu, area, _tile_box(bounds), fonts, where=f"areas.{index}")
    picture = canvas.resize((menu.size.width, menu.size.height), Image.Resampling.LANCZOS)
    info = PngInfo()
    info.add_text(LOOK_KEY, menu.look_fingerprint())
    data = _png(picture, info)
    if len(data) > MAX_IMAGE_BYTES:
        data = _png(picture.quantize(colors=256, dither=Image.Dither.NONE), info)
    return data


def render_phone_preview(menu: RichMenuConfig, menu_png: bytes, fonts: Fonts) -> bytes:
    """How the menu looks under a chat on a phone (1080 px wide), for the README."""
    width = PHONE_WIDTH
    picture = Image.open(io.BytesIO(menu_png)).convert("RGB")
    menu_height = round(picture.height * width / picture.width)
    picture = picture.resize((width, menu_height), Image.Resampling.LANCZOS)
    bar = 132
    canvas = Image.new("RGB", (width, PHONE_CHAT_HEIGHT + menu_height + bar), PHONE_CHAT_COLOUR)
    canvas.paste(picture, (0, PHONE_CHAT_HEIGHT))
    draw = ImageDraw.Draw(canvas)
    top = PHONE_CHAT_HEIGHT + menu_height
    draw.rectangle((0, top, width, top + bar), fill="#FFFFFF")
    draw.line((0, top, width, top), fill="#D9D9D9", width=2)
    draw.line((bar, top + 24, bar, top + bar - 24), fill="#D9D9D9", width=2)
    font = _load_font(fonts.regular, 44)
    centre_x, centre_y = (bar + width) // 2, top + bar // 2
    draw.text((centre_x - 18, centre_y), menu.chat_bar_text, font=font, fill="#333333", anchor="mm")
    arrow_x = centre_x - 18 + int(font.getlength(menu.chat_bar_text)) // 2 + 30
    draw.polygon(
        [(arrow_x - 12, centre_y - 6), (arrow_x + 12, centre_y - 6), (arrow_x, centre_y + 8)],
        fill="#333333",
    )
    for row in range(3):  # the keyboard toggle at the left of LINE's chat bar
        y = top + bar // 2 - 20 + row * 20
        draw.rounded_rectangle((bar // 2 - 28, y - 5, bar // 2 + 28, y + 5), 5, fill="#9A9A9A")
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _png(picture: Image.Image, info: PngInfo) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True, pnginfo=info)
    return buffer.getvalue()


def _tile_box(bounds: Bounds) -> tuple[int, int, int, int]:
    """The tile inside its tappable area: the same inset on every side keeps tiles equal."""
    box = (
        bounds.x + TILE_INSET,
        bounds.y + TILE_INSET,
        bounds.x + bounds.width - TILE_INSET,
        bounds.y + bounds.height - TILE_INSET,
    )
    return tuple(v * SUPERSAMPLE for v in box)


class RenderError(Exception):
    """An area's text cannot fit its tile; the message names the area and what to change."""


@dataclass(frozen=True)
class TileText:
    label_font: FreeTypeFont
    label_lines: list[str]
    sublabel_font: FreeTypeFont | None
    show_accent: bool

    @property
    def line_height(self) -> int:
        return int(self.label_font.size * 1.22)

    def height(self) -> int:
        total = self.line_height * len(self.label_lines)
        if self.show_accent:
            total += ACCENT_BAR[1] * SUPERSAMPLE + ACCENT_GAP * SUPERSAMPLE
        if self.sublabel_font:
            total += SUBLABEL_GAP * SUPERSAMPLE + int(self.sublabel_font.size * 1.2)
        return total


def _draw_tile(
    draw: ImageDraw.ImageDraw,
    menu: RichMenuConfig,
    area: MenuArea,
    box: tuple[int, int, int, int],
    fonts: Fonts,
    where: str,
) -> None:
    scale = SUPERSAMPLE
    colours = menu.colours
    if area.emphasis:
        fill, outline = colours.emphasis_tile, colours.emphasis_tile
        label_colour, sublabel_colour = colours.emphasis_label, colours.emphasis_sublabel
        accent = colours.emphasis_sublabel
    else:
        fill, outline = colours.tile, colours.tile_border
        label_colour, sublabel_colour, accent = colours.label, colours.sublabel, colours.accent
    draw.rounded_rectangle(box, RADIUS * scale, fill=fill, outline=outline, width=BORDER * scale)

    left, top, right, bottom = box
    text = _plan_text(
        area,
        fonts,
        max_width=right - left - 2 * SIDE_PADDING * scale,
        max_height=bottom - top - 2 * BORDER * scale,
        where=where,
    )
    centre_x = (left + right) // 2
    y = (top + bottom - text.height()) // 2
    if text.show_accent:
        bar_width, bar_height = (v * scale for v in ACCENT_BAR)
        draw.rounded_rectangle(
            (centre_x - bar_width // 2, y, centre_x + bar_width // 2, y + bar_height),
            bar_height // 2,
            fill=accent,
        )
        y += bar_height + ACCENT_GAP * scale
    for line in text.label_lines:
        draw.text(
            (centre_x, y + text.line_height // 2),
            line,
            font=text.label_font,
            fill=label_colour,
            anchor="mm",
        )
        y += text.line_height
    if text.sublabel_font and area.sublabel:
        y += SUBLABEL_GAP * scale
        draw.text(
            (centre_x, y + int(text.sublabel_font.size * 0.6)),
            area.sublabel,
            font=text.sublabel_font,
            fill=sublabel_colour,
            anchor="mm",
        )


def _plan_text(area: MenuArea, fonts: Fonts, max_width: int, max_height: int, where: str):
    """Largest legible arrangement of label and sublabel; the accent bar goes first if short."""
    sublabel_font = None
    if area.sublabel:
        sublabel_font = _shrink_to_width(area.sublabel, fonts, "regular", SUBLABEL_SIZES, max_width)
        if sublabel_font is None:
            raise RenderError(f"{where}.sublabel: '{area.sublabel}' is too long for its tile")
    for show_accent in (True, False):
        for font, lines in _label_arrangements(area.label, fonts, max_width):
            text = TileText(font, lines, sublabel_font, show_accent)
            if text.height() <= max_height:
                return text
    raise RenderError(
        f"{where}.label: '{area.label}' does not fit its tile; shorten it or the sublabel, "
        "or give the menu fewer, larger areas"
    )


def _label_arrangements(label: str, fonts: Fonts, max_width: int):
    """Candidates, best first: one line (or split at ' / ') slightly shrunk, then wrapped lines."""
    whole = [[label]] + [
        [part.strip() for part in label.split(separator, 1)]
        for separator in (" / ", "/", " ")
        if separator in label
    ]
    for size in LABEL_SIZES[: LABEL_SIZES.index(SHRINK_BEFORE_WRAP) + 1]:
        font = fonts.face("bold", size)
        for lines in whole:
            if all(font.getlength(line) <= max_width for line in lines):
                yield font, lines
    for line_count in (2, 3):
        per_line = -(-len(label) // line_count)
        lines = [label[i : i + per_line].strip() for i in range(0, len(label), per_line)]
        for size in LABEL_SIZES:
            font = fonts.face("bold", size)
            if all(font.getlength(line) <= max_width for line in lines):
                yield font, lines


def _shrink_to_width(text: str, fonts: Fonts, weight: str, sizes, max_width: int):
    for size in sizes:
        font = fonts.face(weight, size)
        if font.getlength(text) <= max_width:
            return font
    return None
