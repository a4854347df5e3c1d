"""Field values: PocketBase's casting, validation (its `validation_*` codes) and zero defaults, per field type.

`apply(collection, body, old=None)` turns a request body into the record's new data map, or raises one 400 listing
every bad field. Like PocketBase, values are first prepared (cast where that is unambiguous: "12" → 12 for a number,
1 → "1" for text; a single select/relation keeps the last of a list; a json field parses a JSON string), modifiers
act on them (`n+`/`n-` add and subtract, `tags+`/`+tags`/`tags-` append, prepend and remove), then every field is
validated with PocketBase's error codes. Unknown keys are ignored; absent fields keep their value (update) or get
their zero value (create: "" / 0 / false / [] / null).
"""
from __future__ import annotations

import json
import math
import re
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from chalicelib.core import json_input
from chalicelib.core.errors import BadRequest, field_error

if TYPE_CHECKING:
    from chalicelib.records.collections import Collection, Field

MAX_TEXT_DEFAULT = 5000  # PocketBase's default text max when max is 0
MAX_JSON_DEFAULT = 1 << 20
MAX_EDITOR_DEFAULT = 5 << 20
FLOAT64_EXACT_INTEGERS = 2 ** 53
_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
# ozzo-validation's is.URL (PocketBase's url check): an optional scheme (lowercase only: `HTTP://` is refused), a
# host, an optional port, path and query
_URL = re.compile(r"^(?-i:(?:ftp|tcp|udp|wss?|https?)://)?(?:\S+(?::\S*)?@)?"
                  r"(?:\[[0-9a-f:.]+\]|(?:[a-z0-9\u00a1-\uffff](?:[a-z0-9\u00a1-\uffff_-]*[a-z0-9\u00a1-\uffff])?\.)*"
                  r"[a-z0-9\u00a1-\uffff](?:[a-z0-9\u00a1-\uffff_-]*[a-z0-9\u00a1-\uffff])?\.?)(?::\d{1,5})?"
                  r"(?:[/?#]\S*)?$", re.IGNORECASE)
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


_NUMBER_TEXT = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")


def _as_number(value: Any) -> int | float:
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, str):
        if not _NUMBER_TEXT.match(value):  # Go's ParseFloat takes no padding or digit separators (Python's does)
            raise _Invalid("validation_invalid_number", "Must be a valid number.")
        value = float(value)
    if not isinstance(value, (int, float)) or math.isnan(value) or math.isinf(value):
        raise _Invalid("validation_invalid_number", "Must be a valid number.")
    number = float(value)  # PocketBase's float64: integers beyond 2^53 round like any double
    return int(value) if number.is_integer() and abs(number) < FLOAT64_EXACT_INTEGERS else number


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    # Go's strconv.ParseBool, which PocketBase's cast uses
    if value in (None, "", 0, "0", "f", "F", "false", "False", "FALSE"):
        return False
    if value in (1, "1", "t", "T", "true", "True", "TRUE"):
        return True
    raise _Invalid("validation_invalid_value", "Must be a boolean.")


def _as_list(value: Any) -> list:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return value
    return [value]


def _domain_check(f: Field, value: str, code: str) -> None:
    domain = value.rsplit("@", 1)[-1] if f.type == "email" else re.sub(r"^[a-z]+://([^/:?#]+).*$", r"\1", value,
                                                                        flags=re.I)
    domain = domain.lower()
    only, exclude = f.opt("onlyDomains") or [], f.opt("exceptDomains") or []
    if only and domain not in [d.lower() for d in only]:
        raise _Invalid(code, "The domain is not allowed.")
    if domain in [d.lower() for d in exclude]:
        raise _Invalid(code, "The domain is not allowed.")


def _strings(value: Any) -> list[str]:
    """A select/relation/file value as unique non-empty strings (PocketBase's list.ToUniqueStringSlice, which also
    reads a JSON array sent as a string: '["a","b"]')."""
    if isinstance(value, str) and value.startswith("["):
        try:
            parsed = json.loads(value)
        except (ValueError, RecursionError):
            parsed = None
        value = parsed if isinstance(parsed, list) else value
    values = _as_list(value)
    if not all(isinstance(v, str) for v in values):
        raise _Invalid("validation_invalid_value", "Must be a string or a list of strings.")
    return list(dict.fromkeys(v for v in values if v))


def _json_value(value: Any) -> Any:
    """PocketBase's normalization of a json field's plain string: "true"/"false"/"null", numbers, arrays, objects
    and quoted strings are parsed as JSON; any other string is kept as a string."""
    if not isinstance(value, str) or value == "":
        return value
    if value in ("null", "true", "false") or (value[0] in '0123456789-"[{'):
        try:
            return json.loads(value)
        except RecursionError:
            raise _Invalid("validation_invalid_json", "Must be a valid json value: it is nested too deeply.") from None
        except ValueError:
            return value
    return value


def prepare(f: Field, value: Any) -> Any:
    """A submitted value cast to what the field stores (PocketBase's PrepareValue); garbage is a 400 here where
    PocketBase would store a zero value (a deliberate difference)."""
    t = f.type
    if t in ("text", "editor", "email", "url"):
        return _as_text(value)
    if t == "number":
        return _as_number(value)
    if t == "bool":
        return _as_bool(value)
    if t == "date":
        if value in (None, ""):
            return ""
        parsed = parse_datetime(value)
        if parsed is None:
            raise _Invalid("validation_invalid_date", "Must be a valid date.")
        return parsed
    if t == "json":
        return _json_value(value)
    values = _strings(value)  # select, relation, file
    return values if f.multiple else (values[-1] if values else "")  # a single value keeps the last one


def _text_limits(f: Field, value: str) -> None:
    low, high = f.opt("min", 0), f.opt("max", 0) or MAX_TEXT_DEFAULT
    if len(value) < low:
        raise _Invalid("validation_min_text_constraint", f"Must be at least {low} character(s).")
    if len(value) > high:
        raise _Invalid("validation_max_text_constraint", f"Must be no more than {high} character(s).")
    if f.opt("pattern") and not re.search(f.opt("pattern"), value):
        raise _Invalid("validation_invalid_format", "Invalid value format.")


def validate(f: Field, value: Any) -> None:
    """PocketBase's ValidateValue for one field: `required` (a zero value is blank) and the type's constraints,
    with PocketBase's error codes."""
    if f.required and _blank(value, f):
        raise _Invalid("validation_required", "Cannot be blank.")
    t = f.type
    if t == "text" and value:
        _text_limits(f, value)
    elif t == "editor" and len(value.encode()) > (f.opt("maxSize") or MAX_EDITOR_DEFAULT):
        raise _Invalid("validation_content_size_limit", "The content is too large.")
    elif t == "number":
        if not math.isfinite(value):
            raise _Invalid("validation_not_a_number", "The submitted number is not properly formatted.")
        if not json_input.storable_number(value):
            raise _Invalid("validation_number_out_of_range", "Must be 0 or between 1e-130 and 1e126 in size.")
        if f.opt("onlyInt") and not float(value).is_integer():
            raise _Invalid("validation_only_int_constraint", "Decimal numbers are not allowed.")
        if f.opt("min") is not None and value < f.opt("min"):
            raise _Invalid("validation_min_number_constraint", f"Must be greater or equal than {f.opt('min')}.")
        if f.opt("max") is not None and value > f.opt("max"):
            raise _Invalid("validation_max_number_constraint", f"Must be less or equal than {f.opt('max')}.")
    elif t == "email" and value:
        if len(value) > 255 or not _EMAIL.match(value):
            raise _Invalid("validation_is_email", "Must be a valid email address.")
        _domain_check(f, value, "validation_email_domain_not_allowed")
    elif t == "url" and value:
        host = value.split("://", 1)[-1].split("/", 1)[0]
        if len(value) > 2048 or not _URL.match(value) or ("://" not in value and "." not in host):
            raise _Invalid("validation_invalid_url", "Must be a valid url.")
        _domain_check(f, value, "validation_url_domain_not_allowed")
    elif t == "date" and value:
        earliest, latest = parse_datetime(f.opt("min")), parse_datetime(f.opt("max"))  # checked at load
        if earliest and value < earliest:
            raise _Invalid("validation_min_greater_equal_than_required", f"Must be no less than {f.opt('min')}.")
        if latest and value > latest:
            raise _Invalid("validation_max_less_equal_than_required", f"Must be no greater than {f.opt('max')}.")
    elif t == "json":
        if isinstance(value, float) and not math.isfinite(value):
            raise _Invalid("validation_invalid_json", "Must be a valid json value.")
        found = json_input.problem(value, max_depth=json_input.MAX_DEPTH - 1)  # before dumps: its recursion
        if found:
            raise _Invalid("validation_invalid_json", f"Must be a valid json value: {found}.")
        text = json.dumps(value, ensure_ascii=False, allow_nan=True)
        if len(text.encode()) > (f.opt("maxSize") or MAX_JSON_DEFAULT):
            raise _Invalid("validation_json_size_limit", "The JSON value is too large.")
    elif t in ("select", "relation", "file"):
        values = value if isinstance(value, list) else ([value] if value else [])
        max_select = f.opt("maxSelect", 1) or 1
        if t == "relation" and values and len(values) < (f.opt("minSelect") or 0):
            raise _Invalid("validation_not_enough_values", f"Select at least {f.opt('minSelect')}.")
        if len(values) > max_select:
            code = "validation_too_many_files" if t == "file" else "validation_too_many_values"
            raise _Invalid(code, f"Select no more than {max_select}.")
        if t == "select":
            allowed = f.opt("values")
            bad = next((v for v in values if v not in allowed), None)
            if bad is not None:
                raise _Invalid("validation_invalid_value", f"Invalid value {bad}.")
        elif t == "file" and any(len(v) > 255 or "/" in v or "\\" in v for v in values):
            raise _Invalid("validation_invalid_file", "Invalid file name.")


def _blank(value: Any, f: Field) -> bool:
    if f.type == "json":
        return value is None or value in ("", [], {})
    return value is None or value is False or value == 0 or value in ("", [], {})


def _key(key: str) -> tuple[str, str]:
    """(field name, modifier) for a body key: `n`, `n+`, `+tags`, `tags-`."""
    if key.startswith("+"):
        return key[1:], "prepend"
    if key.endswith("+"):
        return key[:-1], "append"
    if key.endswith("-"):
        return key[:-1], "subtract"
    return key, "set"


def _modified(f: Field, current: Any, modifier: str, value: Any) -> Any:
    """A field's value after one modifier (PocketBase's setters: numbers add and subtract, select/relation/file
    lists append, prepend and remove; other types take no modifier)."""
    if f.type == "number":
        delta = _as_number(value)
        return _as_number(current) + (delta if modifier == "append" else -delta if modifier == "subtract" else 0)
    existing = current if isinstance(current, list) else ([current] if current else [])
    given = _strings(value)
    if modifier == "append":
        merged = list(existing) + given
    elif modifier == "prepend":
        merged = given + list(existing)
    else:
        merged = [v for v in existing if v not in given]
    return prepare(f, merged)


def apply(collection: Collection, body: dict[str, Any], old: dict[str, Any] | None = None,
          lenient: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    """(new data map, the body with modifiers resolved) for a request body (create when old is None); one 400
    listing every bad field. Keys are applied shortest first, so a value is set before its modifiers act on it
    (PocketBase's ReplaceModifiers); unknown keys are ignored. `lenient` skips the errors (used to check a create
    rule before validation, as PocketBase does)."""
    creating = old is None
    data = dict(old or {})
    if creating:
        data.update({name: zero(f) for name, f in collection.fields.items()})
    errors: dict[str, dict[str, str]] = {}
    resolved = dict(body)
    for key in sorted(body, key=len):
        name, modifier = _key(key)
        f = collection.fields.get(name)
        if f is None or (modifier != "set" and f.type not in ("number", "select", "relation", "file")):
            continue
        try:
            value = prepare(f, body[key]) if modifier == "set" else _modified(f, data.get(name, zero(f)),
                                                                                modifier, body[key])
        except _Invalid as exc:
            errors[name] = field_error(exc.code, exc.message)
            continue
        data[name] = value
        resolved.pop(key, None)
        resolved[name] = value
    for name, f in collection.fields.items():
        if name in errors:
            continue
        data.setdefault(name, zero(f))
        try:
            validate(f, data[name])
        except _Invalid as exc:
            errors[name] = field_error(exc.code, exc.message)
    if errors and not lenient:
        verb = "create" if creating else "update"
        raise BadRequest(f"Failed to {verb} record.", errors)
    return data, resolved
