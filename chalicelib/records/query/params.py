"""List parameters read as PocketBase reads them, with Go's strconv: `page` and `perPage` are whole numbers in ASCII
digits within int64 (no padding, separators or exponent), `skipTotal` one of ParseBool's words; anything else is a
400 naming the parameter."""
from __future__ import annotations

import re

from chalicelib.core.errors import BadRequest, field_error
from chalicelib.records.schema.fields.field_bool import GO_BOOLS

_WHOLE = re.compile(r"^[+-]?[0-9]+$")
_INT64 = 2 ** 63


def _refused(name: str, message: str) -> BadRequest:
    return BadRequest(f"{name}: {message}", {name: field_error("validation_invalid_value", message)})


def whole_number(params: dict, name: str, default: int) -> int:
    """`default` when absent or empty (PocketBase then uses its own)."""
    raw = params.get(name)
    if raw in (None, ""):
        return default
    text = str(raw)
    if len(text) > 20 or not _WHOLE.match(text) or not -_INT64 <= int(text) < _INT64:  # int64: at most 19 digits
        raise _refused(name, "Must be a whole number.")
    return int(text)


def flag(params: dict, name: str) -> bool:
    """False when absent or empty."""
    raw = params.get(name)
    if raw in (None, ""):
        return False
    if str(raw) not in GO_BOOLS:
        raise _refused(name, "Must be a boolean (true, false, 1, 0, t or f).")
    return GO_BOOLS[str(raw)]
