"""When a patient may ask to come: the bookable window (lead time, horizon) and the clinic's
opening hours, checked for a time chosen with LINE's datetimepicker (pure functions).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from linebot_app.content.clinic import ClinicConfig, day_text, when_text
from linebot_app.features.consultation.config import ConsultationConfig
from linebot_app.line.render import PICKER_FORMAT

INITIAL_STEP_MINUTES = 30


@dataclass(frozen=True)
class BookingWindow:
    """The range offered by the picker, in the clinic's time zone, to the minute."""

    earliest: dt.datetime
    latest: dt.datetime
    initial: dt.datetime


@dataclass(frozen=True)
class SlotCheck:
    """A chosen time: `moment` when acceptable, else `problem` (a text key) and its values."""

    moment: dt.datetime | None
    problem: str | None = None
    values: dict[str, str] = field(default_factory=dict)


def booking_window(
    now: dt.datetime, clinic: ClinicConfig, config: ConsultationConfig
) -> BookingWindow:
    local_now = clinic.local(now)
    earliest = _ceil_minute(local_now + config.lead_time)
    last_day = (local_now + config.horizon).date()
    latest = dt.datetime.combine(last_day, dt.time(23, 59), tzinfo=clinic.tz)
    initial = _first_open_slot(earliest, latest, clinic) or earliest
    return BookingWindow(earliest=earliest, latest=latest, initial=initial)


def check_preferred_time(
    value: str, now: dt.datetime, clinic: ClinicConfig, config: ConsultationConfig
) -> SlotCheck:
    """`value` is the picker's 'YYYY-MM-DDThh:mm', in the clinic's (the patient's) local time."""
    try:
        moment = dt.datetime.strptime(value, PICKER_FORMAT).replace(tzinfo=clinic.tz)
    except (TypeError, ValueError):
        return SlotCheck(None, "time_use_picker")
    window = booking_window(now, clinic, config)
    tz = clinic.tz
    if moment <= clinic.local(now):
        return SlotCheck(None, "time_past", {"when": when_text(moment, tz)})
    if moment < window.earliest:
        return SlotCheck(None, "time_too_soon", {"earliest": when_text(window.earliest, tz)})
    if moment > window.latest:
        return SlotCheck(None, "time_too_far", {"latest": day_text(window.latest, tz)})
    ranges = clinic.ranges_on(moment.date())
    if not ranges:
        return SlotCheck(None, "time_closed_day", {"date": day_text(moment, tz)})
    if not clinic.is_open(moment):
        return SlotCheck(
            None,
            "time_outside_hours",
            {
                "date": day_text(moment, tz),
                "time": f"{moment:%H:%M}",
                "ranges": "、".join(r.label() for r in ranges),
            },
        )
    return SlotCheck(moment)


def _ceil_minute(moment: dt.datetime) -> dt.datetime:
    floored = moment.replace(second=0, microsecond=0)
    return floored if floored == moment else floored + dt.timedelta(minutes=1)


def _first_open_slot(
    earliest: dt.datetime, latest: dt.datetime, clinic: ClinicConfig
) -> dt.datetime | None:
    """The first opening moment at or after `earliest`, on a half hour when one is open."""
    start = clinic.next_opening(earliest)
    if start is None or start > latest:
        return None
    step = INITIAL_STEP_MINUTES
    rounded = start + dt.timedelta(minutes=(-start.minute) % step)
    rounded = rounded.replace(second=0, microsecond=0)
    return rounded if clinic.is_open(rounded) and rounded <= latest else start
