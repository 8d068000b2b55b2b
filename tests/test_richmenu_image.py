"""The rich menu image: the committed PNG and every fresh render pass LINE's image rules."""

from __future__ import annotations

import copy
import io
import os
from pathlib import Path

import pytest
import yaml
from flask import Flask
from PIL import Image

from linebot_app.richmenu.cli import DEFAULT_IMAGE_PATH, register_cli
from linebot_app.richmenu.config import load_rich_menu, parse_rich_menu
from linebot_app.richmenu.image import MAX_IMAGE_BYTES, inspect_image
from linebot_app.richmenu.render import FontMissing, RenderError, find_fonts, render_menu
from linebot_app.settings import load_settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MENU_PATH = PROJECT_ROOT / "config" / "rich_menu.yaml"


@pytest.fixture(scope="module")
def fonts():
    try:
        return find_fonts()
    except FontMissing as exc:
        pytest.skip(str(exc))


def _image_bytes(size: tuple[int, int], kind: str = "PNG", noise: bool = False) -> bytes:
    picture = (
        Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
        if noise
        else Image.new("RGB", size, "#FFFFFF")
    )
    buffer = io.BytesIO()
    picture.save(buffer, format=kind)
    return buffer.getvalue()


def test_committed_menu_image_meets_lines_rules_and_matches_the_config():
    menu = load_rich_menu(MENU_PATH)
    data = DEFAULT_IMAGE_PATH.read_bytes()

    image, problems = inspect_image(data)

    assert problems == []
    assert image.content_type == "image/png"
    assert (image.width, image.height) == (menu.size.width, menu.size.height)
    assert len(data) <= MAX_IMAGE_BYTES
    assert image.look == menu.look_fingerprint(), "run: flask --app linebot_app richmenu render"


def test_rendered_menu_meets_lines_rules(fonts):
    menu = load_rich_menu(MENU_PATH)

    image, problems = inspect_image(render_menu(menu, fonts))

    assert problems == []
    assert 800 <= image.width <= 2500 and image.height >= 250
    assert image.width / image.height >= 1.45
    assert image.look == menu.look_fingerprint()


def test_compact_menu_with_a_long_label_still_renders_within_the_rules(fonts):
    data = yaml.safe_load(MENU_PATH.read_text(encoding="utf-8"))
    data["size"] = {"width": 2500, "height": 843}
    data["grid"] = {"rows": 1, "columns": 4}
    data["areas"] = copy.deepcopy(data["areas"][:4])
    data["areas"][0]["label"] = "外泌體療程的成分原理與常見問題"
    menu = parse_rich_menu(data)

    image, problems = inspect_image(render_menu(menu, fonts))

    assert problems == []
    assert (image.width, image.height) == (2500, 843)


def test_label_that_cannot_fit_its_tile_is_refused_naming_the_area(fonts):
    data = yaml.safe_load(MENU_PATH.read_text(encoding="utf-8"))
    data["size"] = {"width": 2500, "height": 300}
    data["grid"] = {"rows": 1, "columns": 6}
    for area in data["areas"]:
        area.pop("sublabel")
    data["areas"][4]["label"] = "聯絡我們以及交通方式與停車資訊說明"

    with pytest.raises(RenderError, match=r"^areas\.4\.label: "):
        render_menu(parse_rich_menu(data), fonts)


def test_tile_colours_follow_the_config(fonts):
    menu = load_rich_menu(MENU_PATH)
    picture = Image.open(io.BytesIO(render_menu(menu, fonts))).convert("RGB")

    assert picture.getpixel((4, 4)) == _rgb(menu.colours.background)
    booking = next(b for a, b in menu.areas_with_bounds() if a.emphasis)
    assert picture.getpixel((booking.x + 60, booking.y + booking.height - 60)) == _rgb(
        menu.colours.emphasis_tile
    )


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


@pytest.mark.parametrize(
    "data, problem",
    [
        (_image_bytes((2500, 1686), "GIF"), "PNG or JPEG only"),
        (b"not an image", "not a PNG or JPEG"),
        (_image_bytes((700, 400)), "width 700 px"),
        (_image_bytes((2600, 1000)), "width 2600 px"),
        (_image_bytes((1000, 200)), "height 200 px"),
        (_image_bytes((1200, 1000)), "width/height 1.20"),
        (_image_bytes((2500, 843), noise=True), "at most 1,048,576"),
    ],
    ids=["gif", "garbage", "too-narrow", "too-wide", "too-short", "too-square", "over-1MB"],
)
def test_image_breaking_lines_rules_is_refused(data, problem):
    _, problems = inspect_image(data)

    assert any(problem in line for line in problems), problems


def test_render_command_writes_the_image(fonts, tmp_path):
    app = Flask(__name__)
    app.config["SETTINGS"] = load_settings({})
    register_cli(app)
    output = tmp_path / "menu.png"

    preview = tmp_path / "docs" / "richmenu.png"

    result = app.test_cli_runner().invoke(
        args=["richmenu", "render", "--image", str(output), "--preview", str(preview)]
    )

    assert result.exit_code == 0, result.output
    assert "2500x1686 px" in result.output
    assert inspect_image(output.read_bytes())[1] == []
    assert Image.open(preview).width == 1080


def test_render_command_explains_how_to_install_the_font(tmp_path):
    app = Flask(__name__)
    app.config["SETTINGS"] = load_settings({})
    register_cli(app)

    result = app.test_cli_runner().invoke(
        args=["richmenu", "render", "--font-dir", str(tmp_path), "--image", str(tmp_path / "x.png")]
    )

    assert result.exit_code == 1
    assert "apt-get install -y fonts-noto-cjk" in result.output
