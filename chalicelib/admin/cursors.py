"""Opaque page cursors for the admin lists: a DynamoDB start key, checked on the way back in so a crafted cursor
can't point a Query at another partition (or make DynamoDB refuse it with a 500)."""
from __future__ import annotations

import base64
import json
from typing import Any

from chalicelib.core.errors import invalid

MAX_CURSOR = 2048


def encode(start: dict[str, Any] | None) -> str | None:
    if not start:
        return None
    raw = json.dumps(start, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str | None, attribute: str, partition: str) -> dict[str, Any] | None:
    """The start key of `cursor`, which must be a key in `partition` (its `attribute`); 400 otherwise."""
    if not cursor:
        return None
    try:
        if len(cursor) > MAX_CURSOR:
            raise ValueError
        value = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(value, dict) or len(value) > 4 or value.get(attribute) != partition \
                or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            raise ValueError
    except ValueError:
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
