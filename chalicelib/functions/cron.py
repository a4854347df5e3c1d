"""Cron expressions for `@every`: a time of day or date instead of a period, in UTC as EventBridge's are.

Two spellings: the five fields of Unix cron (`"0 3 * * *"`: minute, hour, day of month, month, day of week with
0 or 7 = Sunday), and EventBridge's own `"cron(0 3 * * ? *)"` (a year field, `?`, and 1 = Sunday). Each field takes
`*`, numbers, `a-b` ranges, `a,b` lists, `/n` steps and, for months and weekdays, names (JAN, MON). When both the
day of month and the day of week are restricted, either matching is enough (Unix cron's rule).
"""
from __future__ import annotations

import calendar
import re
import time
from dataclasses import dataclass

_MONTHS = {name.upper(): i for i, name in enumerate(calendar.month_abbr) if name}
_DAYS = {"SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6}
_EVENTBRIDGE = re.compile(r"^\s*cron\((.*)\)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Cron:
    text: str
    minutes: frozenset
    hours: frozenset
    days: frozenset
    months: frozenset
    weekdays: frozenset  # 0 = Sunday
    years: frozenset | None
    any_day: bool
    any_weekday: bool

    def matches(self, moment: float) -> bool:
        """Whether the minute holding `moment` (epoch seconds, UTC) is a fire time."""
        t = time.gmtime(moment)
        if t.tm_min not in self.minutes or t.tm_hour not in self.hours or t.tm_mon not in self.months:
            return False
        if self.years is not None and t.tm_year not in self.years:
            return False
        day_ok, weekday_ok = t.tm_mday in self.days, (t.tm_wday + 1) % 7 in self.weekdays
        if self.any_day or self.any_weekday:
            return day_ok and weekday_ok
        return day_ok or weekday_ok

    def latest(self, now: float, window_seconds: float) -> float | None:
        """The latest fire time in (now - window, now], or None."""
        minute = now - now % 60
        while minute > now - window_seconds:
            if self.matches(minute):
                return minute
            minute -= 60
        return None


def is_cron(text: str) -> bool:
    return isinstance(text, str) and (bool(_EVENTBRIDGE.match(text)) or len(text.split()) == 5)


def parse(text: str) -> Cron:
    """A cron expression, or ValueError naming the field that is wrong."""
    match = _EVENTBRIDGE.match(text)
    fields = (match.group(1) if match else text).split()
    if match and len(fields) != 6 or not match and len(fields) != 5:
        raise ValueError(f"@every({text!r}): a cron expression has 5 fields (minute hour day month weekday), or 6 "
                         "in EventBridge's cron(…)")
    minute, hour, day, month, weekday = fields[:5]
    sunday_is = 1 if match else 0  # EventBridge numbers the week 1-7 from Sunday
    try:
        return Cron(
            text=text, minutes=_field(minute, 0, 59), hours=_field(hour, 0, 23), days=_field(day, 1, 31),
            months=_field(month, 1, 12, _MONTHS),
            weekdays=frozenset((d - sunday_is) % 7 for d in _field(weekday, sunday_is, 6 + sunday_is + (not match),
                                                                   {k: v + sunday_is for k, v in _DAYS.items()})),
            years=None if not match or fields[5] in ("*", "?") else _field(fields[5], 1970, 2199),
            any_day=day in ("*", "?"), any_weekday=weekday in ("*", "?"))
    except ValueError as exc:
        raise ValueError(f"@every({text!r}): {exc}") from None


def _field(text: str, low: int, high: int, names: dict | None = None) -> frozenset:
    found: set = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        step = _number(step_text, names=None) if step_text else 1
        if base in ("*", "?"):
            start, end = low, high
        elif "-" in base:
            start, end = (_number(p, names) for p in base.split("-", 1))
        else:
            start = _number(base, names)
            end = high if step_text else start
        if not (low <= start <= end <= high) or step <= 0:
            raise ValueError(f"{part!r} is outside {low}-{high}")
        found.update(range(start, end + 1, step))
    return frozenset(found)


def _number(text: str, names: dict | None) -> int:
    if names and text.upper() in names:
        return names[text.upper()]
    if not text.isdigit():
        raise ValueError(f"{text!r} is not a number{' or a name' if names else ''}")
    return int(text)
