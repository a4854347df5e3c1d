"""Values and comparisons as PocketBase's SQLite sees them, so filters and rules answer what PocketBase answers.

PocketBase compiles a filter to SQL over SQLite columns; wxbase evaluates the same expression in Python over the
stored record. The pieces of SQLite's behaviour that decide the answers live here:
- what each field type stores, which its type says (`FieldType.sql_value`, with the JSON forms here): text-like
  fields TEXT ('' by default), numbers, bools as 1/0, a multi-valued select/relation/file as its JSON text
  (`["a","b"]`), a json field through json_extract (scalars as SQL values, arrays and objects as JSON text), NULL
  for what is missing;
- column affinity (`FieldType.affinity`, NUMERIC or TEXT here): comparing a NUMERIC column with text that looks
  like a number compares numbers (`n = "5"`), comparing a TEXT column with a number compares text (`title = 5` is
  `title = '5.0'`);
- three-valued results: a comparison with NULL is neither true nor false (`None`);
- type order: numbers sort before text; text compares byte-wise (UTF-8, as SQLite's BINARY collation);
- LIKE with PocketBase's escaping (`%` and `_` wildcards, `\\` escapes) and SQLite's ASCII-only case folding.
"""
from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from typing import Any
from chalicelib.core.patterns import lazy

NUMERIC = "numeric"
TEXT = "text"
SqlValue = Any  # None (NULL) | int | float | str
Truth = Any  # True | False | None (NULL)

_NUMBER_TEXT = lazy(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$")
_ASCII_UPPER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def ascii_lower(text: str) -> str:
    """SQLite's lower() and LIKE fold ASCII letters only."""
    return text.translate(_ASCII_UPPER)


def json_text(value: Any) -> str:
    """JSON as PocketBase stores it (compact, Go's key order)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def json_scalar(value: Any) -> SqlValue:
    """What SQLite's json_extract gives for a JSON value."""
    if value is None:
        return None
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, (int, float, str)):
        return value
    return json_text(value)


def number_text(value: int | float) -> str:
    """How SQLite turns a number into text, printf's `%!.15g`: a REAL keeps a decimal point, in its mantissa too
    (5.0 → '5.0', 1e20 → '1.0e+20'; -0.0 → '0.0')."""
    if isinstance(value, int):
        return str(value)
    if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
        return f"{int(value)}.0"
    text = "%.15g" % value
    mantissa, e, exponent = text.partition("e")
    if not math.isfinite(value) or "." in mantissa:
        return text
    return f"{mantissa}.0{e}{exponent}"


def stored_number(value: SqlValue) -> SqlValue:
    """A number as a NUMERIC column holds it: a whole REAL that fits 64 bits becomes an INTEGER (5.0 is stored as
    5, so its text is '5'); anything else as given."""
    if isinstance(value, float) and value.is_integer() and -2 ** 63 <= value < 2 ** 63:
        return int(value)
    return value


def _as_number(text: str) -> int | float | None:
    if not _NUMBER_TEXT.match(text):
        return None
    number = float(text)
    return int(number) if number.is_integer() and re.match(r"^\s*[+-]?\d+\s*$", text) else number


def apply_affinity(a: SqlValue, a_aff: str | None, b: SqlValue, b_aff: str | None) -> tuple[SqlValue, SqlValue]:
    """SQLite's conversions before a comparison: NUMERIC affinity turns number-like text of the other side into a
    number; TEXT affinity against a side without affinity turns its number into text."""
    if a_aff == NUMERIC and b_aff in (TEXT, None) and isinstance(b, str):
        converted = _as_number(b)
        b = b if converted is None else converted
    elif b_aff == NUMERIC and a_aff in (TEXT, None) and isinstance(a, str):
        converted = _as_number(a)
        a = a if converted is None else converted
    elif a_aff == TEXT and b_aff is None and isinstance(b, (int, float)):
        b = number_text(b)
    elif b_aff == TEXT and a_aff is None and isinstance(a, (int, float)):
        a = number_text(a)
    return a, b


def _order(value: SqlValue) -> tuple[int, Any]:
    if isinstance(value, (int, float)):
        return (1, value)
    return (2, value.encode("utf-8") if isinstance(value, str) else value)


def compare(symbol: str, a: SqlValue, b: SqlValue) -> Truth:
    """`a <symbol> b` for `=`, `<`, `<=`, `>`, `>=` (after affinity); None when either side is NULL."""
    if a is None or b is None:
        return None
    left, right = _order(a), _order(b)
    return {"=": left == right, "<": left < right, "<=": left <= right, ">": left > right,
            ">=": left >= right}[symbol]


def same(a: SqlValue, b: SqlValue) -> bool:
    """SQLite's `IS`: equality where NULL equals NULL."""
    if a is None or b is None:
        return a is None and b is None
    return compare("=", a, b) is True


def param_text(value: SqlValue) -> str | None:
    """A bound parameter as Go's cast.ToString writes it (PocketBase wraps LIKE values that way): 5.0 → '5',
    -0.0 → '-0'."""
    if isinstance(value, float):
        if value == 0:
            return "-0" if math.copysign(1, value) < 0 else "0"
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    return as_text(value)


def as_text(value: SqlValue) -> str | None:
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return number_text(value)
    return value


def like_pattern(pattern: str) -> str:
    """PocketBase's wrapping of a LIKE value: without an unescaped `%` it is a contains match, with `%` and `_`
    escaped; with one it is used as written."""
    if _has_unescaped(pattern, "%"):
        return pattern
    return "%" + _escape(pattern) + "%"


def _has_unescaped(text: str, char: str) -> bool:
    previous = ""
    for c in text:
        if c == char and previous != "\\":
            return True
        previous = "" if (c == "\\" and previous == "\\") else c
    return False


def _escape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            out.append(text[i:i + 2])
            i += 2
            continue
        out.append("\\" + c if c in "%_\\" else c)
        i += 1
    return "".join(out)


def like(value: SqlValue, pattern: SqlValue) -> Truth:
    """SQLite's `value LIKE pattern ESCAPE '\\'` (case-insensitive for ASCII letters only)."""
    text, pat = as_text(value), as_text(pattern)
    if text is None or pat is None:
        return None
    regex, i = [], 0
    while i < len(pat):
        c = pat[i]
        if c == "\\" and i + 1 < len(pat):
            regex.append(re.escape(ascii_lower(pat[i + 1])))
            i += 2
            continue
        regex.append(".*" if c == "%" else "." if c == "_" else re.escape(ascii_lower(c)))
        i += 1
    return re.fullmatch("".join(regex), ascii_lower(text), re.DOTALL) is not None


def sort_key(value: SqlValue) -> tuple[int, Any]:
    """ORDER BY's order: NULL first, then numbers, then text."""
    if value is None:
        return (0, 0)
    return _order(value)
