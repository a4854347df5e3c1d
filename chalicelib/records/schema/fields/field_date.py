"""date: a datetime as PocketBase writes it (`YYYY-MM-DD HH:MM:SS.sssZ`, UTC), optionally within `min`/`max`."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from chalicelib.records.schema.fields.base import DATETIME, FieldType, Invalid, OptionProblem
from chalicelib.records.schema.model import Field

_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S.%fZ", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%SZ", "%Y-%m-%d %H:%M:%S",
                 "%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S",
                 "%Y-%m-%d")


def parse_datetime(value: Any) -> str | None:
    """A PocketBase datetime string (`YYYY-MM-DD HH:MM:SS.sssZ`) for a date-like value, else None."""
    if not isinstance(value, str) or not value or len(value) > 40:
        return None
    text = value.strip()
    for fmt in _DATE_FORMATS:
        try:
            dt = datetime.strptime(text, fmt)
            break
        except ValueError:
            continue
    else:
        try:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
    if dt.tzinfo is not None:
        dt = dt.astimezone(timezone.utc).replace(tzinfo=None)
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
