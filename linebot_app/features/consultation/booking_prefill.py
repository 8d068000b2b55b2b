"""Slot filling: what the patient already said fills the booking, so only what is missing is
asked (「我是林小姐，電話 0912-345-678，想約週六下午」 → name, phone, and the picker opening on
Saturday 13:00). Consent is never filled: it is always asked.

A time said in full (下禮拜四早上十點) is checked with the booking's rules (`slots`); if it is
refused (past, too soon, too far, closed, outside hours) the patient is told why, as with the
picker, and the picker opens there. A day or period without an hour only sets where the picker
opens (`TIME_HINT`): the start of the period, or of the day's opening.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from linebot_app.features.consultation.booking_questions import (
    NAME,
    PHONE,
    SERVICE,
    TIME,
    TIME_HINT,
)
from linebot_app.features.consultation.slots import booking_window, check_preferred_time
from linebot_app.line.render import PICKER_FORMAT


@dataclass
class Prefill:
    filled: list[str] = field(default_factory=list)
    problem: str | None = None  # a text key of consultation.yaml (time_outside_hours ...)
    values: dict[str, str] = field(default_factory=dict)


def prefill(data: dict, entities, desk, now: dt.datetime) -> Prefill:
    """Fill `data` (a booking flow's answers) from `entities`, never overwriting an answer."""
    config, clinic = desk.config, desk.clinic
    result = Prefill()
    if entities.service and not data.get(SERVICE) and config.service(entities.service):
        data[SERVICE] = entities.service
        result.filled.append(SERVICE)
    if entities.name and not data.get(NAME) and len(entities.name) <= config.name_max_length:
        data[NAME] = entities.name
        result.filled.append(NAME)
    if entities.phone and not data.get(PHONE):
        data[PHONE] = entities.phone
        result.filled.append(PHONE)
    if data.get(TIME) or not entities.when:
        return result
    moment = _moment(entities.when, now, desk)
    if moment is not None:
        check = check_preferred_time(moment.strftime(PICKER_FORMAT), now, clinic, config)
        if check.moment is not None:
            data[TIME] = check.moment.isoformat()
            data.pop(TIME_HINT, None)
            result.filled.append(TIME)
            return result
        result.problem, result.values = check.problem, check.values
    hint = moment or entities.when.picker_initial(clinic.tz)
    if hint is not None:
        data[TIME_HINT] = first_open_from(hint, clinic).isoformat()
    return result


def _moment(when, now: dt.datetime, desk) -> dt.datetime | None:
    """The exact time said; an hour without a day (早上十點) is the next such hour that is
    bookable (today, else tomorrow)."""
    tz = desk.clinic.tz
    moment = when.moment(tz)
    if moment is not None or when.time is None or when.date is not None:
        return moment
    earliest = booking_window(now, desk.clinic, desk.config).earliest
    today = now.astimezone(tz).date()
    for offset in (0, 1):
        candidate = dt.datetime.combine(today + dt.timedelta(days=offset), when.time, tzinfo=tz)
        if candidate >= earliest:
            return candidate
    return None


def first_open_from(moment: dt.datetime, clinic) -> dt.datetime:
    """A period's start moved to the clinic's first opening that day (下午 → 14:00 after the
    lunch break), or left as it is when the clinic is closed then."""
    if clinic.is_open(moment):
        return moment
    opening = clinic.next_opening(moment)
    if opening is not None and opening.date() == moment.astimezone(clinic.tz).date():
        return opening
    return moment
