"""Text keys that DynamoDB sorts as SQLite's ORDER BY sorts the values they encode. An index's directory
(records/query/walk.py) lists its distinct values under these keys, so a sort by indexed fields reads them in order.

A key is, per value, its SQL value's kind (NULL, number, text: SQLite's order between kinds) and then:
- a number: the 64 bits of its double with the sign bit flipped (all bits inverted when negative), as 16 hex digits,
  which sort as the numbers do;
- text: its characters, U+0000..U+0002 escaped, so that the separator U+0001 between the values of a several-column
  key sorts before every character (the shorter of two values with one prefix first, as SQLite compares).
DynamoDB compares sort keys by their UTF-8 bytes, as SQLite's BINARY collation compares text. A key is cut at
MAX_BYTES (an index sort key holds 1,024): values sharing that many leading bytes tie and are then ordered by hash.
"""
from __future__ import annotations

import struct
from decimal import Decimal
from typing import Any, Sequence

SEPARATOR = "\x01"
MAX_BYTES = 1000
_ESCAPES = {0: "\x02\x03", 1: "\x02\x04", 2: "\x02\x05"}
_SIGN = 1 << 63
_ALL = (1 << 64) - 1


def encode(values: Sequence[Any]) -> str:
    """The sort key of SQL values (None, int, float, Decimal, str), cut at MAX_BYTES."""
    key = SEPARATOR.join(_one(value) for value in values)
    raw = key.encode("utf-8")
    if len(raw) <= MAX_BYTES:
        return key
    return raw[:MAX_BYTES].decode("utf-8", errors="ignore")


def prefix(values: Sequence[Any]) -> str:
    """What the keys of every value that starts with `values` begin with ("" for none)."""
    return "".join(_one(value) + SEPARATOR for value in values)


def _one(value: Any) -> str:
    if value is None:
        return "0"
    if isinstance(value, (bool, int, float, Decimal)):
        number = float(value) or 0.0  # -0.0 sorts as 0
        bits = struct.unpack(">Q", struct.pack(">d", number))[0]
        bits = bits ^ _ALL if bits & _SIGN else bits | _SIGN
        return f"1{bits:016x}"
    return "2" + str(value).translate(_ESCAPES)
