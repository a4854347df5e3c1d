"""Field values: PocketBase's casting, validation (its `validation_*` codes) and zero defaults, per field type.

`apply(collection, body, old=None)` turns a request body into the record's new data map, or raises one 400 listing
every bad field. Like PocketBase, values are cast where that is unambiguous ("12" → 12 for a number, 1 → "1" for
text), unknown keys are ignored, and fields that are absent keep their value (update) or get their zero value
(create: "" / 0 / false / [] / null). `number+`/`number-` add and subtract; `field+`/`field-` append to and remove
from multi-valued select, relation and file fields.
"""
from __future__ import annotations

import json
import math
import re
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from chalicelib.core import ids
from chalicelib.core.errors import BadRequest, field_error

if TYPE_CHECKING:
    from chalicelib.records.collections import Collection, Field

MAX_TEXT_DEFAULT = 5000  # PocketBase's default text max when max is 0
MAX_JSON_DEFAULT = 1 << 20
MAX_EDITOR_DEFAULT = 5 << 20
_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
_URL = re.compile(r"^https?://[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?$", re.IGNORECASE)
_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S.%fZ", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%SZ", "%Y-%m-%d %H:%M:%S",
                 "%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S",
                 "%Y-%m-%d")


class _Invalid(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


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


def zero(f: Field) -> Any:
    if f.multiple:
        return []
    return {"number": 0, "bool": False, "json": None}.get(f.type, "")


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(int(value)) if float(value).is_integer() else repr(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    raise _Invalid("validation_invalid_value", "Must be a string.")


def _as_number(value: Any) -> int | float:
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise _Invalid("validation_invalid_number", "Must be a valid number.") from None
    if not isinstance(value, (int, float)) or math.isnan(value) or math.isinf(value):
        raise _Invalid("validation_invalid_number", "Must be a valid number.")
    return int(value) if float(value).is_integer() else float(value)


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in (None, "", 0, "0", "false", "False"):
        return False
    if value in (1, "1", "true", "True"):
        return True
    raise _Invalid("validation_invalid_value", "Must be a boolean.")


def _as_list(value: Any) -> list:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return value
    return [value]


def _domain_check(f: Field, value: str, code: str) -> None:
    domain = value.rsplit("@", 1)[-1] if f.type == "email" else re.sub(r"^https?://([^/:?#]+).*$", r"\1", value, flags=re.I)
    domain = domain.lower()
    only, exclude = f.opt("onlyDomains") or [], f.opt("exceptDomains") or []
    if only and domain not in [d.lower() for d in only]:
        raise _Invalid(code, "The domain is not allowed.")
    if domain in [d.lower() for d in exclude]:
        raise _Invalid(code, "The domain is not allowed.")


def normalize(f: Field, value: Any) -> Any:
    """The stored value of one field, or _Invalid. Required-ness is checked by the caller."""
    t = f.type
    if t in ("text", "editor"):
        value = _as_text(value)
        if t == "editor":
            if len(value.encode()) > (f.opt("maxSize") or MAX_EDITOR_DEFAULT):
                raise _Invalid("validation_max_size_constraint", "The content is too large.")
            return value
        if value:
            low, high = f.opt("min", 0), f.opt("max", 0) or MAX_TEXT_DEFAULT
            if len(value) < low:
                raise _Invalid("validation_min_text_constraint", f"Must be at least {low} character(s).")
            if len(value) > high:
                raise _Invalid("validation_max_text_constraint", f"Must be less than {high} character(s).")
            if f.opt("pattern") and not re.search(f.opt("pattern"), value):
                raise _Invalid("validation_invalid_format", "Invalid value format.")
        return value
    if t == "number":
        value = _as_number(value)
        if f.opt("onlyInt") and not float(value).is_integer():
            raise _Invalid("validation_only_int_constraint", "Decimal numbers are not allowed.")
        if f.opt("min") is not None and value < f.opt("min"):
            raise _Invalid("validation_min_number_constraint", f"Must be larger than {f.opt('min')}.")
        if f.opt("max") is not None and value > f.opt("max"):
            raise _Invalid("validation_max_number_constraint", f"Must be less than {f.opt('max')}.")
        return value
    if t == "bool":
        return _as_bool(value)
    if t == "email":
        value = _as_text(value).strip()
        if value:
            if len(value) > 255 or not _EMAIL.match(value):
                raise _Invalid("validation_is_email", "Must be a valid email address.")
            _domain_check(f, value, "validation_email_domain_not_allowed")
        return value
    if t == "url":
        value = _as_text(value).strip()
        if value:
            if len(value) > 2048 or not _URL.match(value):
                raise _Invalid("validation_is_url", "Must be a valid url.")
            _domain_check(f, value, "validation_url_domain_not_allowed")
        return value
    if t == "date":
        if value in (None, ""):
            return ""
        parsed = parse_datetime(value)
        if parsed is None:
            raise _Invalid("validation_invalid_date", "Must be a valid date.")
        earliest, latest = parse_datetime(f.opt("min")), parse_datetime(f.opt("max"))  # checked at load
        if earliest and parsed < earliest:
            raise _Invalid("validation_min_date_constraint", f"Must be no earlier than {f.opt('min')}.")
        if latest and parsed > latest:
            raise _Invalid("validation_max_date_constraint", f"Must be no later than {f.opt('max')}.")
        return parsed
    if t == "json":
        size = len(json.dumps(value, ensure_ascii=False).encode())
        if size > (f.opt("maxSize") or MAX_JSON_DEFAULT):
            raise _Invalid("validation_json_size_limit", "The JSON value is too large.")
        if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
            raise _Invalid("validation_invalid_json", "Must be a valid JSON value.")
        return value
    # select, file, relation: one value (string) or a list of them when maxSelect > 1
    values = _as_list(value)
    if not all(isinstance(v, str) and v for v in values):
        raise _Invalid("validation_invalid_value", "Must be a string or a list of strings.")
    values = list(dict.fromkeys(values))
    max_select = f.opt("maxSelect", 1) or 1
    if len(values) > max_select:
        raise _Invalid("validation_too_many_values", f"Select no more than {max_select}.")
    if t == "select":
        allowed = f.opt("values")
        if any(v not in allowed for v in values):
            raise _Invalid("validation_invalid_value", "Invalid value " + next(v for v in values if v not in allowed) + ".")
    elif t == "relation":
        if any(not ids.is_valid_id(v) for v in values):
            raise _Invalid("validation_invalid_value", "Must be record ids.")
        if values and len(values) < (f.opt("minSelect") or 0):
            raise _Invalid("validation_not_enough_values", f"Select at least {f.opt('minSelect')}.")
    elif t == "file":
        if any(len(v) > 255 or "/" in v or "\\" in v for v in values):
            raise _Invalid("validation_invalid_value", "Invalid file name.")
    return values if f.multiple else (values[0] if values else "")


def _blank(value: Any) -> bool:
    return value is None or value is False or value == 0 or value in ("", [], {})


def apply(collection: Collection, body: dict[str, Any], old: dict[str, Any] | None = None) -> dict[str, Any]:
    """New data map for `collection` from a request body (create when old is None). 400 with every bad field."""
    data = dict(old or {})
    errors = {}
    creating = old is None
    for name, f in collection.fields.items():
        try:
            if name in body:
                data[name] = normalize(f, body[name])
            elif f.type == "number" and (f"{name}+" in body or f"{name}-" in body):
                delta = _as_number(body.get(f"{name}+", 0)) - _as_number(body.get(f"{name}-", 0))
                data[name] = normalize(f, _as_number(data.get(name, 0)) + delta)
            elif f.multiple and (f"{name}+" in body or f"+{name}" in body or f"{name}-" in body):
                current = list(data.get(name) or [])
                current = _as_list(body.get(f"+{name}")) + current + _as_list(body.get(f"{name}+"))
                removed = set(_as_list(body.get(f"{name}-")))
                data[name] = normalize(f, [v for v in current if v not in removed])
            elif creating or name not in data:
                data[name] = zero(f)
            value = data[name]
            if f.required and _blank(value):  # PocketBase: required means non-zero (0, false, "" and [] are blank)
                raise _Invalid("validation_required", "Cannot be blank.")
        except _Invalid as exc:
            errors[name] = field_error(exc.code, exc.message)
    if errors:
        verb = "create" if creating else "update"
        raise BadRequest(f"Failed to {verb} record.", errors)
    return data
