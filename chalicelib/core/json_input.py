"""JSON from the outside, accepted only when every part of it can be stored and answered: the one place that says
what wxbase takes in a request body.

- Nesting: at most MAX_DEPTH levels of objects and arrays (DynamoDB stores documents at most 32 levels deep, and a
  record's values sit one level down). Deeper JSON, up to Python's own recursion limit and beyond, is a 400.
- Strings and keys: valid Unicode. A lone UTF-16 surrogate (`"\\ud800"`) is valid JSON syntax but no UTF-8 text
  can carry it (DynamoDB, WeChat and the answer would all fail): a 400. Object keys are not empty and under 64 KB:
  DynamoDB refuses an empty attribute name at any depth of a map (and one of 64 KB or more).
- Numbers: what DynamoDB stores exactly — at most 38 significant digits, a magnitude below 1e126 and, unless zero,
  at least 1e-130. Larger or finer numbers (and JSON's 1e400, which Python reads as infinity) are a 400 rather
  than silently rounded. Number fields then apply PocketBase's float64 semantics
  (records/schema/fields/field_number.py).
"""
from __future__ import annotations

import json
import math
from typing import Any

from chalicelib.core.errors import BadRequest

MAX_DEPTH = 30
MAX_SIGNIFICANT_DIGITS = 38
MAX_MAGNITUDE_EXPONENT = 126  # |n| < 1e126
MIN_MAGNITUDE = 1e-130
MAX_KEY_BYTES = 65535
NUMBER_RULE = ("numbers must have at most 38 significant digits and a magnitude between 1e-130 and 1e126 "
               "(or be 0)")


def storable_number(value: int | float) -> bool:
    """Can DynamoDB store this number exactly?"""
    if isinstance(value, float):
        return math.isfinite(value) and (value == 0 or MIN_MAGNITUDE <= abs(value) < 10.0 ** MAX_MAGNITUDE_EXPONENT)
    magnitude = abs(value)
    if magnitude >= 10 ** MAX_MAGNITUDE_EXPONENT:
        return False
    return len(str(magnitude).rstrip("0")) <= MAX_SIGNIFICANT_DIGITS


def utf8_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def problem(value: Any, max_depth: int = MAX_DEPTH) -> str | None:
    """What makes a parsed JSON value unacceptable, or None. Iterative: no depth can exhaust the stack."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > max_depth:
                return f"it is nested more than {max_depth} levels deep"
            if isinstance(item, dict):
                for key, child in item.items():
                    if not utf8_text(key):
                        return "a key holds a lone UTF-16 surrogate"
                    if not key or len(key.encode()) > MAX_KEY_BYTES:
                        return "an object key is empty or 64 KB long"
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, str):
            if not utf8_text(item):
                return "a string holds a lone UTF-16 surrogate"
        elif isinstance(item, (int, float)) and not isinstance(item, bool):
            if not storable_number(item):
                return NUMBER_RULE
    return None


def loads(raw: bytes | str) -> Any:
    """The parsed body; a 400 for invalid JSON and for anything `problem` names."""
    try:
        value = json.loads(raw)
    except RecursionError:
        raise BadRequest(f"The request body is nested more than {MAX_DEPTH} levels deep.") from None
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The request body is not valid JSON.") from None
    found = problem(value)
    if found:
        raise BadRequest(f"The request body can't be accepted: {found}.")
    return value
