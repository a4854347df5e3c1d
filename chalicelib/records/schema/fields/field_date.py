"""date: a datetime as PocketBase writes it (`YYYY-MM-DD HH:MM:SS.sssZ`, UTC), optionally within `min`/`max`."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from chalicelib.records.schema.fields.base import DATETIME, FieldType, Invalid, OptionProblem
from chalicelib.records.schema.model import Field
from chalicelib.core.patterns import lazy

# The forms PocketBase reads a date in (its own layout, then spf13/cast's list of Go layouts); anything else is not a
# date. Go takes a fraction of a second after the seconds of any layout, and a zone abbreviation (MST) as UTC.
_NUMERIC = lazy(
    r"(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:(?:T(?P<t>\d{2}:\d{2}:\d{2})(?P<tfrac>\.\d+)?(?P<tzone>Z|[+-]\d{2}:?\d{2})?)"
    r"|(?: (?P<s>\d{2}:\d{2}:\d{2})(?P<sfrac>\.\d+)?"
    r"(?P<szone>Z|[+-]\d{2}:?\d{2}| [+-]\d{2}:?\d{2}| [+-]\d{4} [A-Z]{3,5})?))?\Z", re.ASCII)
_NAMED = (  # Go's RFC1123Z, RFC1123, RFC822Z, RFC822, RFC850, ANSIC, UnixDate, RubyDate and "02 Jan 2006"
    ("%a, %d %b %Y %H:%M:%S %z", False), ("%a, %d %b %Y %H:%M:%S", True), ("%d %b %y %H:%M %z", False),
    ("%d %b %y %H:%M", True), ("%A, %d-%b-%y %H:%M:%S", True), ("%a %b %d %H:%M:%S %Y", False),
    ("%a %b %d %H:%M:%S %Y", True), ("%a %b %d %H:%M:%S %z %Y", False), ("%d %b %Y", False),
)
_ABBREVIATION = lazy(r" [A-Z]{3,5}(?= \d{4}\Z|\Z)", re.ASCII)


def _numeric(text: str) -> datetime | None:
    match = _NUMERIC.match(text)
    if match is None:
        return None
    clock = match["t"] or match["s"] or "00:00:00"
    fraction = (match["tfrac"] or match["sfrac"] or ".0")[1:7]  # Go keeps nanoseconds; a datetime microseconds
    zone = (match["tzone"] or match["szone"] or "").strip().split(" ")[0]
    stamp = f"{match['date']} {clock}.{fraction}"
    dt = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f")
    if zone and zone != "Z":
        dt = datetime.strptime(f"{stamp} {zone}", "%Y-%m-%d %H:%M:%S.%f %z")
    return dt


def _named(text: str) -> datetime | None:
    without_zone = _ABBREVIATION.sub("", text)
    for fmt, named_zone in _NAMED:
        if named_zone and without_zone == text:
            continue  # this layout has a zone abbreviation (RFC1123: … 15:04:05 MST)
        try:
            return datetime.strptime(without_zone if named_zone else text, fmt)
        except ValueError:
            continue
    return None


def parse_datetime(value: Any) -> str | None:
    """A PocketBase datetime string (`YYYY-MM-DD HH:MM:SS.sssZ`) for a value PocketBase reads as a date, else None
    (no padding: " 2024-01-02" is not one, as in PocketBase)."""
    if not isinstance(value, str) or not value or len(value) > 64:
        return None
    try:
        dt = _numeric(value) or _named(value)
    except ValueError:  # a day or hour out of range (2024-02-30)
        return None
    if dt is None:
        return None
    if dt.tzinfo is not None:
        dt = dt.astimezone(timezone.utc).replace(tzinfo=None)
    if dt.year < 1:
        return None
    return dt.strftime("%Y-%m-%d %H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


class Date(FieldType):
    name = "date"
    options = frozenset({"min", "max"})

    def check_options(self, options: dict[str, Any]) -> None:
        for key in ("min", "max"):
            if options.get(key) not in (None, "") and parse_datetime(options[key]) is None:
                raise OptionProblem(f"{key} must be a date.")

    def prepare(self, f: Field, value: Any) -> Any:
        if value in (None, ""):
            return ""
        parsed = parse_datetime(value)
        if parsed is None:
            raise Invalid("validation_invalid_date", "Must be a valid date.")
        return parsed

    def validate(self, f: Field, value: Any) -> None:
        if not value:
            return
        earliest, latest = parse_datetime(f.opt("min")), parse_datetime(f.opt("max"))  # checked at load
        if earliest and value < earliest:
            raise Invalid("validation_min_greater_equal_than_required", f"Must be no less than {f.opt('min')}.")
        if latest and value > latest:
            raise Invalid("validation_max_less_equal_than_required", f"Must be no greater than {f.opt('max')}.")

    def json_schema(self, f: Field, answer: bool) -> dict[str, Any]:
        return {"type": "string", "description": DATETIME}


TYPE = Date()
