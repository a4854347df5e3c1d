"""PocketBase's filter functions (tools/search/token_functions.go), evaluated as SQLite would:

- `strftime(format, [time value, modifiers…])`: SQLite's date formatting; a NULL result is ''.
- `geoDistance(lonA, latA, lonB, latB)`: the Haversine distance in kilometres (NULL when an argument isn't numeric).
Adding a function is one entry in FUNCTIONS: its argument check and its evaluation.
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, NamedTuple

from chalicelib.core.value_types import distinct
from chalicelib.records.filter.tree import FieldRef, Literal, Operand
from chalicelib.core.patterns import lazy

MAX_ARGS = 10
_TIME = lazy(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}:\d{2})?$")
_MODIFIER = lazy(r"^([+-]?\d+(?:\.\d+)?)\s+(day|hour|minute|second|month|year)s?$")


def _parse_time(value: Any, unixepoch: bool = False) -> datetime | None:
    """SQLite's time values: 'YYYY-MM-DD[ HH:MM[:SS[.SSS]]][Z|±HH:MM]', 'now', or a number."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            if unixepoch:
                return datetime.fromtimestamp(float(value), tz=timezone.utc).replace(tzinfo=None)
            return datetime(2000, 1, 1) + timedelta(days=float(value) - 2451544.5)  # a Julian day number
        except (OverflowError, ValueError, OSError):
            return None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.lower() == "now":
        return datetime.now(timezone.utc).replace(tzinfo=None)
    match = _TIME.match(text)
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        dt = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                      int(((fraction or "0") + "000000")[:6]))
    except ValueError:
        return None
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        dt -= sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
    return dt


def _modify(dt: datetime, modifier: str) -> datetime | None:
    text = modifier.strip().lower()
    if text in ("utc", "localtime", "subsec", "subsecond"):
        return dt  # wxbase's clock is UTC
    if text == "start of day":
        return dt.replace(hour=0, minute=0, second=0, microsecond=0)
    if text == "start of month":
        return dt.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if text == "start of year":
        return dt.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    if text.startswith("weekday "):
        try:
            target = int(text[8:])
        except ValueError:
            return None
        return dt + timedelta(days=(target - (dt.isoweekday() % 7)) % 7)
    match = _MODIFIER.match(text)
    if not match:
        return None
    amount, unit = float(match.group(1)), match.group(2)
    if unit in ("month", "year"):
        months = dt.month - 1 + int(amount) * (12 if unit == "year" else 1)
        year, month = dt.year + months // 12, months % 12 + 1
        try:
            return dt.replace(year=year, month=month)
        except ValueError:  # SQLite lets the day overflow into the next month
            return dt.replace(year=year, month=month, day=1) + timedelta(days=dt.day - 1)
    return dt + timedelta(**{unit + "s": amount})


def _format(dt: datetime, fmt: str) -> str:
    julian = (dt - datetime(2000, 1, 1)).total_seconds() / 86400 + 2451544.5
    codes = {
        "d": f"{dt.day:02d}", "e": f"{dt.day:2d}", "f": f"{dt.second + dt.microsecond / 1e6:06.3f}",
        "F": dt.strftime("%Y-%m-%d"), "H": f"{dt.hour:02d}", "I": f"{(dt.hour % 12) or 12:02d}",
        "j": f"{dt.timetuple().tm_yday:03d}", "J": repr(julian), "k": f"{dt.hour:2d}", "l": f"{(dt.hour % 12) or 12:2d}",
        "m": f"{dt.month:02d}", "M": f"{dt.minute:02d}", "p": "AM" if dt.hour < 12 else "PM",
        "P": "am" if dt.hour < 12 else "pm", "R": dt.strftime("%H:%M"),
        "s": str(int((dt - datetime(1970, 1, 1)).total_seconds())), "S": f"{dt.second:02d}", "T": dt.strftime("%H:%M:%S"),
        "u": str(dt.isoweekday()), "w": str(dt.isoweekday() % 7), "W": dt.strftime("%W"), "G": dt.strftime("%G"),
        "g": dt.strftime("%g"), "V": dt.strftime("%V"), "Y": f"{dt.year:04d}", "%": "%",
    }
    out, i = [], 0
    while i < len(fmt):
        if fmt[i] == "%" and i + 1 < len(fmt):
            code = codes.get(fmt[i + 1])
            if code is None:
                return ""  # an unknown substitution: SQLite answers NULL, PocketBase ''
            out.append(code)
            i += 2
        else:
            out.append(fmt[i])
            i += 1
    return "".join(out)


def strftime(args: list[Any]) -> Any:
    fmt = args[0]
    if not isinstance(fmt, str):
        return ""
    modifiers = [m for m in args[2:]]
    unixepoch = any(isinstance(m, str) and m.strip().lower() == "unixepoch" for m in modifiers)
    dt = _parse_time(args[1], unixepoch) if len(args) > 1 else datetime.now(timezone.utc).replace(tzinfo=None)
    for modifier in modifiers:
        if dt is None or not isinstance(modifier, str):
            return ""
        if modifier.strip().lower() != "unixepoch":
            dt = _modify(dt, modifier)
    return "" if dt is None else _format(dt, fmt)


def geo_distance(args: list[Any]) -> Any:
    if not all(isinstance(a, (int, float)) and not isinstance(a, bool) for a in args):
        return None
    lon_a, lat_a, lon_b, lat_b = (math.radians(a) for a in args)
    cosine = math.cos(lat_a) * math.cos(lat_b) * math.cos(lon_b - lon_a) + math.sin(lat_a) * math.sin(lat_b)
    return 6371 * math.acos(max(-1.0, min(1.0, cosine)))


@distinct
class Spec(NamedTuple):
    check: Callable[[tuple[Operand, ...]], str | None]  # a problem with the arguments, or None
    evaluate: Callable[[list[Any]], Any]
    null_fallback: bool  # compares like a text value ('' and NULL alike) rather than like a json value


def _check_strftime(args: tuple[Operand, ...]) -> str | None:
    if not 1 <= len(args) <= MAX_ARGS:
        return f"expects 1 to {MAX_ARGS} arguments"
    if not (isinstance(args[0], Literal) and isinstance(args[0].value, str)):
        return "expects a format string first"
    if any(not (isinstance(a, Literal) and isinstance(a.value, str)) for a in args[2:]):
        return "takes only text modifiers after the time value"
    return None


def _check_geo(args: tuple[Operand, ...]) -> str | None:
    if len(args) != 4:
        return "expects 4 arguments (lonA, latA, lonB, latB)"
    if any(not (isinstance(a, FieldRef) or (isinstance(a, Literal) and isinstance(a.value, (int, float))))
           for a in args):
        return "takes fields or numbers"
    return None


FUNCTIONS: dict[str, Spec] = {
    "strftime": Spec(_check_strftime, strftime, True),
    "geoDistance": Spec(_check_geo, geo_distance, False),
}
