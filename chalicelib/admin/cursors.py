"""Opaque page cursors for the admin lists: a DynamoDB start key, checked on the way back in so a crafted cursor
can't point a Query at another partition (or make DynamoDB refuse it with a 500): it must hold exactly the key
attributes of the Query's table or index, as strings, in the Query's partition."""
from __future__ import annotations

import base64
import json
from typing import Any

from chalicelib.core.errors import invalid
from chalicelib.store import keys

MAX_CURSOR = 2048


def encode(start: dict[str, Any] | None) -> str | None:
    if not start:
        return None
    raw = json.dumps(start, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str | None, attribute: str, partition: str, index_sort: str | None = None) -> dict[str, Any] | None:
    """The start key of `cursor`, which must be a key in `partition` (its `attribute`): the table's key, plus the
    index's two attributes for a Query on an index (`attribute` and `index_sort`); 400 otherwise."""
    if not cursor:
        return None
    required = {keys.TABLE_PK, keys.TABLE_SK, attribute} | ({index_sort} if index_sort else set())
    try:
        if len(cursor) > MAX_CURSOR:
            raise ValueError
        value = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(value, dict) or set(value) != required or value.get(attribute) != partition \
                or not all(isinstance(v, str) and v for v in value.values()):
            raise ValueError
    except (ValueError, RecursionError):
        raise invalid("cursor", "validation_invalid_value", "Invalid cursor.") from None
    return value


def whole_number(params: dict[str, str], name: str, default: int) -> int:
    """A positive whole-number parameter; `default` when absent or below 1, 400 for anything but a number."""
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid(name, "validation_invalid_value", "Must be a whole number.") from None
    return value if value > 0 else default


def per_page(params: dict[str, str], default: int = 30, maximum: int = 100) -> int:
    return min(whole_number(params, "perPage", default), maximum)
