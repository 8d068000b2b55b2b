"""The rich menu as data: `config/rich_menu.yaml` validated against LINE's limits.

Single-field limits live on the models; the layout checks that need the whole menu (areas inside
the image, no overlaps, enough grid cells) run in `check_layout`, so every problem is reported
with the field it belongs to.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from linebot_app.content.yaml_config import ConfigError, describe_validation_error, read_yaml
from linebot_app.line.limits import (
    MAX_ACTION_LABEL,
    MAX_CHAT_BAR_TEXT,
    MAX_DISPLAY_TEXT,
    MAX_MESSAGE_ACTION_TEXT,
    MAX_POSTBACK_DATA,
    MAX_RICH_MENU_AREAS,
    MAX_RICH_MENU_NAME,
    MAX_URI,
    RICH_MENU_MAX_WIDTH,
    RICH_MENU_MIN_ASPECT_RATIO,
    RICH_MENU_MIN_HEIGHT,
    RICH_MENU_MIN_WIDTH,
    URI_SCHEMES,
)

# LINE's limits (Messaging API reference: rich menu object, action objects).
MIN_WIDTH, MAX_WIDTH = RICH_MENU_MIN_WIDTH, RICH_MENU_MAX_WIDTH
MIN_HEIGHT, MIN_ASPECT_RATIO = RICH_MENU_MIN_HEIGHT, RICH_MENU_MIN_ASPECT_RATIO
MAX_AREAS, MAX_NAME, MAX_MESSAGE_TEXT = (
    MAX_RICH_MENU_AREAS,
    MAX_RICH_MENU_NAME,
    MAX_MESSAGE_ACTION_TEXT,
)
HASH_LENGTH = 12

_HEX_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")

Colour = Annotated[str, Field(pattern=_HEX_COLOUR.pattern)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MenuSize(_Strict):
    width: int = Field(ge=MIN_WIDTH, le=MAX_WIDTH)
    height: int = Field(ge=MIN_HEIGHT)

    @model_validator(mode="after")
    def _wide_enough(self) -> MenuSize:
        if self.width / self.height < MIN_ASPECT_RATIO:
            raise ValueError(
                f"width/height must be at least {MIN_ASPECT_RATIO} "
                f"(got {self.width}x{self.height} = {self.width / self.height:.2f})"
            )
        return self


class Grid(_Strict):
    rows: int = Field(ge=1, le=MAX_AREAS)
    columns: int = Field(ge=1, le=MAX_AREAS)


class Bounds(_Strict):
    x: int = Field(ge=0)
    y: int = Field(ge=0)
    width: int = Field(ge=1)
    height: int = Field(ge=1)

    def overlaps(self, other: Bounds) -> bool:
        return (
            self.x < other.x + other.width
            and other.x < self.x + self.width
            and self.y < other.y + other.height
            and other.y < self.y + self.height
        )


class PostbackAction(_Strict):
    type: Literal["postback"]
    data: str = Field(min_length=1, max_length=MAX_POSTBACK_DATA)
    display_text: str | None = Field(default=None, min_length=1, max_length=MAX_DISPLAY_TEXT)


class MessageAction(_Strict):
    type: Literal["message"]
    text: str = Field(min_length=1, max_length=MAX_MESSAGE_TEXT)


class UriAction(_Strict):
    type: Literal["uri"]
    uri: str = Field(min_length=1, max_length=MAX_URI)

    @field_validator("uri")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if not value.startswith(URI_SCHEMES):
            raise ValueError(f"must start with one of {', '.join(URI_SCHEMES)}")
        return value


Action = Annotated[PostbackAction | MessageAction | UriAction, Field(discriminator="type")]


class MenuArea(_Strict):
    """One tappable area; without `bounds` it takes the next grid cell (left to right, top down)."""

    label: str = Field(min_length=1, max_length=MAX_ACTION_LABEL)
    sublabel: str | None = Field(default=None, max_length=40)
    emphasis: bool = False
    bounds: Bounds | None = None
    action: Action


class MenuColours(_Strict):
    background: Colour
    tile: Colour
    tile_border: Colour
    label: Colour
    sublabel: Colour
    accent: Colour
    emphasis_tile: Colour
    emphasis_label: Colour
    emphasis_sublabel: Colour


class RichMenuConfig(_Strict):
    """The validated menu. Use `line_request()` for LINE's JSON and `areas_with_bounds()`."""

    name_prefix: str = Field(min_length=1, max_length=MAX_NAME - HASH_LENGTH - 1)
    chat_bar_text: str = Field(min_length=1, max_length=MAX_CHAT_BAR_TEXT)
    open_by_default: bool = True
    size: MenuSize
    grid: Grid
    colours: MenuColours
    areas: list[MenuArea] = Field(min_length=1, max_length=MAX_AREAS)

    def cell_bounds(self) -> list[Bounds]:
        """The grid's cells in reading order; the last row/column absorbs rounding."""
        cells = []
        for row in range(self.grid.rows):
            y0 = row * self.size.height // self.grid.rows
            y1 = (row + 1) * self.size.height // self.grid.rows
            for column in range(self.grid.columns):
                x0 = column * self.size.width // self.grid.columns
                x1 = (column + 1) * self.size.width // self.grid.columns
                cells.append(Bounds(x=x0, y=y0, width=x1 - x0, height=y1 - y0))
        return cells

    def areas_with_bounds(self) -> list[tuple[MenuArea, Bounds]]:
        cells = iter(self.cell_bounds())
        placed = []
        for area in self.areas:
            bounds = area.bounds or next(cells, None)
            if bounds is None:
                raise ConfigError(["areas: more areas without bounds than grid cells"])
            placed.append((area, bounds))
        return placed

    def line_request(self, name: str = "") -> dict[str, Any]:
        """The rich menu object LINE expects (camelCase JSON), with the given name."""
        return {
            "size": {"width": self.size.width, "height": self.size.height},
            "selected": self.open_by_default,
            "name": name,
            "chatBarText": self.chat_bar_text,
            "areas": [
                {"bounds": bounds.model_dump(), "action": _line_action(area)}
                for area, bounds in self.areas_with_bounds()
            ],
        }

    def look_fingerprint(self) -> str:
        """Hash of everything the image shows, to tell whether the committed PNG is stale."""
        look = {
            "size": self.size.model_dump(),
            "colours": self.colours.model_dump(),
            "areas": [
                {
                    "label": area.label,
                    "sublabel": area.sublabel,
                    "emphasis": area.emphasis,
                    "bounds": bounds.model_dump(),
                }
                for area, bounds in self.areas_with_bounds()
            ],
        }
        return _sha(json.dumps(look, ensure_ascii=False, sort_keys=True).encode())


def _line_action(area: MenuArea) -> dict[str, str]:
    action = area.action
    if isinstance(action, PostbackAction):
        return {
            "type": "postback",
            "label": area.label,
            "data": action.data,
            "displayText": action.display_text or area.label,
        }
    if isinstance(action, MessageAction):
        return {"type": "message", "label": area.label, "text": action.text}
    return {"type": "uri", "label": area.label, "uri": action.uri}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_layout(menu: RichMenuConfig) -> list[str]:
    """Problems that need the whole menu: grid cells, areas inside the image, overlaps."""
    problems = []
    cells = menu.grid.rows * menu.grid.columns
    unplaced = sum(1 for area in menu.areas if area.bounds is None)
    if unplaced > cells:
        problems.append(
            f"grid: {menu.grid.rows}x{menu.grid.columns} has {cells} cells "
            f"but {unplaced} areas have no bounds"
        )
        return problems
    placed = menu.areas_with_bounds()
    for index, (_, bounds) in enumerate(placed):
        if bounds.x + bounds.width > menu.size.width or bounds.y + bounds.height > menu.size.height:
            problems.append(
                f"areas.{index}.bounds: ({bounds.x},{bounds.y}) {bounds.width}x{bounds.height} "
                f"reaches outside the {menu.size.width}x{menu.size.height} image"
            )
        for other_index in range(index):
            if bounds.overlaps(placed[other_index][1]):
                problems.append(f"areas.{index}.bounds: overlaps areas.{other_index}")
    return problems


def parse_rich_menu(data: object, source: Path | str = "rich_menu.yaml") -> RichMenuConfig:
    """Validate raw data; raises ConfigError with one 'source: field: problem' line each."""
    if not isinstance(data, dict):
        raise ConfigError([f"{source}: expected a mapping at the top level"])
    try:
        menu = RichMenuConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(source, exc)) from exc
    problems = check_layout(menu)
    if problems:
        raise ConfigError([f"{source}: {problem}" for problem in problems])
    return menu


def load_rich_menu(path: Path) -> RichMenuConfig:
    return parse_rich_menu(read_yaml(path), source=path)
