"""Clinic settings from `config/clinic.yaml`: who we are, where, and when staff are in."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from linebot_app.content.yaml_config import load_yaml_model

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES_ZH = {
    "mon": "週一",
    "tue": "週二",
    "wed": "週三",
    "thu": "週四",
    "fri": "週五",
    "sat": "週六",
    "sun": "週日",
}
_RANGE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


class OpeningRange(BaseModel):
    start: dt.time
    end: dt.time

    def contains(self, moment: dt.time) -> bool:
        return self.start <= moment < self.end

    def label(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def _parse_range(text: str) -> OpeningRange:
    match = _RANGE.match(text.strip())
    if not match:
        raise ValueError(f"'{text}' is not a time range like 10:00-12:30")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start = dt.time(h1, m1)
    end = dt.time(23, 59, 59) if h2 == 24 else dt.time(h2, m2)
    if end <= start:
        raise ValueError(f"'{text}' ends before it starts")
    return OpeningRange(start=start, end=end)


class ClinicConfig(BaseModel):
    """Validated clinic settings; use `is_open()` and `next_opening()` for hours logic."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    short_name: str = Field(min_length=1)
    phone: str = Field(pattern=r"^0\d{1,2}-?\d{6,8}$")
    line_id: str = Field(pattern=r"^@[0-9a-z._-]+$")
    website: str = Field(pattern=r"^https://")
    address: str = Field(min_length=1)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    timezone: str = "Asia/Taipei"
    opening_hours: dict[str, list[OpeningRange]]
    closed_dates: list[dt.date] = []

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone '{value}'") from exc
        return value

    @field_validator("opening_hours", mode="before")
    @classmethod
    def _parse_hours(cls, value: object) -> object:
        if not isinstance(value, dict):
            raise ValueError("must map weekdays (mon..sun) to lists of ranges like 10:00-12:30")
        parsed: dict[str, list[OpeningRange]] = {}
        for day, ranges in value.items():
            if day not in WEEKDAYS:
                raise ValueError(f"'{day}' is not a weekday; use one of {', '.join(WEEKDAYS)}")
            if not isinstance(ranges, list):
                raise ValueError(f"{day}: must be a list of ranges like 10:00-12:30")
            parsed[day] = sorted(
                (r if isinstance(r, OpeningRange) else _parse_range(str(r)) for r in ranges),
                key=lambda r: r.start,
            )
        return parsed

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def phone_uri(self) -> str:
        return "tel:" + self.phone.replace("-", "")

    def local(self, moment: dt.datetime) -> dt.datetime:
        """`moment` (aware) in the clinic's time zone."""
        return moment.astimezone(self.tz)

    def ranges_on(self, day: dt.date) -> list[OpeningRange]:
        if day in self.closed_dates:
            return []
        return self.opening_hours.get(WEEKDAYS[day.weekday()], [])

    def is_open(self, moment: dt.datetime) -> bool:
        local = self.local(moment)
        return any(r.contains(local.time()) for r in self.ranges_on(local.date()))

    def next_opening(self, moment: dt.datetime) -> dt.datetime | None:
        """The next moment (clinic time) staff are in, or `moment` itself when open now."""
        local = self.local(moment)
        if self.is_open(local):
            return local
        for offset in range(0, 15):
            day = local.date() + dt.timedelta(days=offset)
            for r in self.ranges_on(day):
                start = dt.datetime.combine(day, r.start, tzinfo=self.tz)
                if start > local:
                    return start
        return None

    def hours_lines(self) -> list[str]:
        """Opening hours, one line per weekday, e.g. '週一 10:00-12:30、14:00-20:00'."""
        lines = []
        for day in WEEKDAYS:
            ranges = self.opening_hours.get(day, [])
            text = "、".join(r.label() for r in ranges) if ranges else "休診"
            lines.append(f"{WEEKDAY_NAMES_ZH[day]} {text}")
        return lines


def when_text(moment: dt.datetime, tz: ZoneInfo) -> str:
    """'12/5（週六）14:00' in the clinic's time zone."""
    local = moment.astimezone(tz)
    return f"{day_text(local, tz)}{local:%H:%M}"


def day_text(moment: dt.datetime, tz: ZoneInfo) -> str:
    """'12/5（週六）' in the clinic's time zone."""
    local = moment.astimezone(tz)
    return f"{local.month}/{local.day}（{WEEKDAY_NAMES_ZH[WEEKDAYS[local.weekday()]]}）"


def load_clinic(path: Path) -> ClinicConfig:
    return load_yaml_model(path, ClinicConfig)
