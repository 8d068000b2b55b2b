"""Times said in words, resolved against the clinic's clock: 明天下午, 後天, 下禮拜四早上十點,
週六早上, 早上十點, 12/20 晚上七點, 12月20號, tomorrow afternoon, next Thursday 10am.

A small grammar, not `dateparser`: measured on these phrases (2026-12-03 10:30, Asia/Taipei),
dateparser 1.5 resolved 明天下午 to 10:30 the next day and returned nothing for 後天, 下週三,
下禮拜四早上十點, 週六早上, 早上十點, 12/20 晚上七點 and 明天下午3點 (docs/understanding.md).

Reads the folded text (`routing.normalise.fold`: Traditional, halfwidth, lower case, with its
punctuation, since 12/20 and 10:30 need their separators). Rules, in the clinic's time zone:

- 週X / 禮拜X / 星期X: the next such day from today (today included); 這週X: this week's
  (Monday-first), even if past; 下週X: the X of next week; 下下週X: the week after.
- 週末 / this weekend: its Saturday (today on a Sunday); 下週末 / next weekend: next week's.
- 12/20, 12月20日/號: this year, or next year when already past; 20號: this month or next.
- 早上/上午 morning, 中午/下午 afternoon, 晚上/傍晚/今晚 evening. An hour with 下午 or 晚上
  below 12 is afternoon/evening (晚上七點 → 19:00); an hour from 1 to 8 with no period is
  taken as p.m. (the clinic opens at 10). 點半 is :30.
- The period of a stated hour is derived from it (before 12 morning, before 18 afternoon).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from linebot_app.understanding.normalise import fold

MORNING, AFTERNOON, EVENING = "morning", "afternoon", "evening"
# Where a period without an hour starts; the booking picker's `initial` (see `picker_initial`).
PERIOD_START = {MORNING: dt.time(9, 0), AFTERNOON: dt.time(13, 0), EVENING: dt.time(18, 0)}
PM_WITHOUT_PERIOD = range(1, 9)

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_CN_DIGITS |= {"七": 7, "八": 8, "九": 9}
_NUMBER = r"(?:\d{1,2}|[零〇一二兩三四五六七八九十]{1,3})"
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
_EN_WEEKDAYS = {
    "mon": 0,
    "tue": 1,
    "wed": 2,
    "thu": 3,
    "fri": 4,
    "sat": 5,
    "sun": 6,
}
_EN_MONTHS = {
    m: i + 1 for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split())
}

_RELATIVE_DAYS = (
    (re.compile(r"大後天"), 3, None),
    (re.compile(r"後天|day after tomorrow"), 2, None),
    (re.compile(r"明早"), 1, MORNING),
    (re.compile(r"明晚"), 1, EVENING),
    (re.compile(r"明天|明日|tomorrow|tmr|tmrw"), 1, None),
    (re.compile(r"今晚|tonight"), 0, EVENING),
    (re.compile(r"今早"), 0, MORNING),
    (re.compile(r"今天|今日|today"), 0, None),
)
_WEEK_DAY = re.compile(r"(下下|下|這|本)?(?:個)?\s*(?:週|周|禮拜|星期|拜)\s*([一二三四五六日天七])")
_EN_WEEK_DAY = re.compile(
    r"\b(next|this|on|coming)?\s*(mon|tue|wed|thu|fri|sat|sun)[a-z]*\b(?:\s*(?:next week))?"
)
_WEEKEND = re.compile(r"(下|這|本)?(?:個)?\s*(?:週末|周末)|\b(next|this|on the)?\s*weekend\b")
_YMD = re.compile(r"(?<!\d)(20\d\d)[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_MD = re.compile(r"(?<![\d/])(\d{1,2})\s*/\s*(\d{1,2})(?![\d/])")
_CN_MD = re.compile(rf"({_NUMBER})\s*月\s*({_NUMBER})\s*(?:日|號|号)?")
_CN_D = re.compile(rf"(?<![月\d])({_NUMBER})\s*(?:號|号)")
_EN_MD = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s*(\d{1,2})(?:st|nd|rd|th)?\b"
)
_EN_DM = re.compile(
    r"\b(\d{1,2})(?:st|nd|rd|th)?\s*(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b"
)

_PERIODS = (
    (re.compile(r"早上|上午|清晨|早晨|一早|morning"), MORNING),
    (re.compile(r"中午|下午|午後|afternoon|noon"), AFTERNOON),
    (re.compile(r"晚上|傍晚|晚間|夜間|evening|night"), EVENING),
)
_CLOCK = re.compile(r"(?<!\d)(\d{1,2})\s*[:：]\s*(\d{2})(?!\d)")
_CN_HOUR = re.compile(rf"({_NUMBER})\s*(?:點[鐘鍾]|點|点|時)\s*(半|{_NUMBER}\s*分?)?")
_EN_HOUR = re.compile(r"(?<![\d:])(\d{1,2})(?::(\d{2}))?\s*(a\.?m\.?|p\.?m\.?|o\s*clock)(?![a-z])")


@dataclass(frozen=True)
class When:
    """A preferred time in the clinic's zone; any part may be missing."""

    date: dt.date | None = None
    time: dt.time | None = None
    period: str | None = None

    def __bool__(self) -> bool:
        return bool(self.date or self.time or self.period)

    def moment(self, tz: dt.tzinfo) -> dt.datetime | None:
        """The exact time, when both the day and the hour were said."""
        if self.date is None or self.time is None:
            return None
        return dt.datetime.combine(self.date, self.time, tzinfo=tz)

    def picker_initial(self, tz: dt.tzinfo) -> dt.datetime | None:
        """Where the booking's date picker should open: the day at the hour said, else at the
        start of the period said (明天下午 → 13:00), else None."""
        if self.date is None:
            return None
        start = self.time or PERIOD_START.get(self.period or "")
        return dt.datetime.combine(self.date, start, tzinfo=tz) if start else None

    def as_dict(self) -> dict[str, str]:
        out = {}
        if self.date:
            out["date"] = self.date.isoformat()
        if self.time:
            out["time"] = f"{self.time:%H:%M}"
        if self.period:
            out["period"] = self.period
        return out


def chinese_number(text: str) -> int | None:
    """'12' → 12, '十' → 10, '十二' → 12, '二十五' → 25, '七' → 7."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    if not text or any(c not in _CN_DIGITS and c != "十" for c in text):
        return None
    if "十" in text:
        tens, _, ones = text.partition("十")
        value = (_CN_DIGITS.get(tens, 1) if tens else 1) * 10
        return value + (_CN_DIGITS.get(ones, 0) if ones else 0)
    value = 0
    for char in text:
        value = value * 10 + _CN_DIGITS[char]
    return value


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _month_day(today: dt.date, month: int | None, day: int | None) -> dt.date | None:
    if not month or not day:
        return None
    found = _safe_date(today.year, month, day)
    if found is not None and found < today:
        found = _safe_date(today.year + 1, month, day)
    return found


def _read_date(text: str, today: dt.date) -> dt.date | None:
    for pattern, days, _period in _RELATIVE_DAYS:
        if pattern.search(text):
            return today + dt.timedelta(days=days)
    match = _WEEK_DAY.search(text)
    if match:
        which, weekday = match.group(1), _WEEKDAYS[match.group(2)]
        monday = today - dt.timedelta(days=today.weekday())
        if which in ("這", "本"):
            return monday + dt.timedelta(days=weekday)
        if which == "下":
            return monday + dt.timedelta(days=7 + weekday)
        if which == "下下":
            return monday + dt.timedelta(days=14 + weekday)
        return today + dt.timedelta(days=(weekday - today.weekday()) % 7)
    match = _WEEKEND.search(text)
    if match:  # the weekend is its Saturday (today, when today is Sunday)
        monday = today - dt.timedelta(days=today.weekday())
        week = 1 if match.group(1) == "下" or match.group(2) == "next" else 0
        saturday = monday + dt.timedelta(days=7 * week + 5)
        return today if week == 0 and today.weekday() == 6 else saturday
    match = _YMD.search(text)
    if match:
        return _safe_date(*(int(g) for g in match.groups()))
    match = _MD.search(text)
    if match:
        return _month_day(today, int(match.group(1)), int(match.group(2)))
    match = _CN_MD.search(text)
    if match:
        month, day = chinese_number(match.group(1)), chinese_number(match.group(2))
        return _month_day(today, month, day)
    match = _EN_MD.search(text) or _EN_DM.search(text)
    if match:
        groups = match.groups()
        month_name = groups[0] if groups[0].isalpha() else groups[1]
        day = int(groups[1] if groups[0].isalpha() else groups[0])
        return _month_day(today, _EN_MONTHS[month_name[:3]], day)
    match = _EN_WEEK_DAY.search(text)
    if match:
        which, weekday = match.group(1), _EN_WEEKDAYS[match.group(2)]
        if which == "next" or "next week" in match.group(0):
            monday = today - dt.timedelta(days=today.weekday())
            return monday + dt.timedelta(days=7 + weekday)
        return today + dt.timedelta(days=(weekday - today.weekday()) % 7)
    match = _CN_D.search(text)
    if match:
        day = chinese_number(match.group(1))
        if day and 1 <= day <= 31:
            found = _safe_date(today.year, today.month, day)
            if found is None or found < today:
                month = today.month % 12 + 1
                found = _safe_date(today.year + (month == 1), month, day)
            return found
    return None


def _read_period(text: str) -> str | None:
    for pattern, _days, period in _RELATIVE_DAYS:
        if period and pattern.search(text):
            return period
    for pattern, period in _PERIODS:
        if pattern.search(text):
            return period
    return None


def _read_time(text: str, period: str | None) -> dt.time | None:
    hour = minute = None
    suffix = ""
    match = _EN_HOUR.search(text)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        suffix = match.group(3).replace(".", "")
    else:
        match = _CLOCK.search(text)
        if match:
            hour, minute = int(match.group(1)), int(match.group(2))
        else:
            match = _CN_HOUR.search(text)
            if match and _plausible_hour(match, period):
                hour = chinese_number(match.group(1))
                rest = (match.group(2) or "").replace("分", "").strip()
                minute = 30 if rest == "半" else (chinese_number(rest) if rest else 0)
    if hour is None or minute is None or hour > 24 or minute > 59:
        return None
    if suffix.startswith("p") and hour < 12:
        hour += 12
    elif suffix.startswith("a") and hour == 12:
        hour = 0
    elif not suffix and not (match and match.re is _CLOCK and hour >= 12):
        if (
            period in (AFTERNOON, EVENING)
            and hour < 12
            and not (period == AFTERNOON and hour == 12)
        ):
            hour += 12
        elif period is None and hour in PM_WITHOUT_PERIOD:
            hour += 12
    return dt.time(hour % 24, minute)


def _plausible_hour(match: re.Match, period: str | None) -> bool:
    """「有一點痛」 is no time: an hour in Chinese numerals counts with a period, 半 or 分 said,
    or 點鐘; Arabic digits (3點) always count."""
    if match.group(1).isdigit() or period is not None or match.group(2):
        return True
    return "鐘" in match.group(0) or "鍾" in match.group(0)


def _period_of(time: dt.time) -> str:
    if time.hour < 12:
        return MORNING
    return AFTERNOON if time.hour < 18 else EVENING


def read_when(text: str, now: dt.datetime, tz: dt.tzinfo) -> When:
    """The date, time and period `text` asks for, resolved against `now` in `tz`."""
    folded = fold(text)
    today = now.astimezone(tz).date()
    date = _read_date(folded, today)
    period = _read_period(folded)
    time = _read_time(folded, period)
    if time is not None:
        period = _period_of(time)
    return When(date=date, time=time, period=period)
