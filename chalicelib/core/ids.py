"""15-character, time-ordered record ids over PocketBase's alphabet [a-z0-9].

9 base-36 digits of milliseconds since the epoch (ordered until the year 5188) followed by 6 random digits, so ids
sort by creation time and two ids made in the same millisecond collide with odds of 1 in 2 billion.
"""
from __future__ import annotations

import time

from chalicelib.core.patterns import lazy

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
ID_LENGTH = 15
ID_PATTERN = lazy(r"^[a-z0-9]{15}$")
_TIME_DIGITS = 9


def _base36(value: int, width: int) -> str:
    digits = []
    for _ in range(width):
        value, rem = divmod(value, 36)
        digits.append(ALPHABET[rem])
    return "".join(reversed(digits))


def new_id(now_ms: int | None = None) -> str:
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    import secrets  # here, not at import: secrets loads hmac and OpenSSL, which no cold start needs

    random_part = "".join(secrets.choice(ALPHABET) for _ in range(ID_LENGTH - _TIME_DIGITS))
    return _base36(ms, _TIME_DIGITS) + random_part


def derived_id(text: str) -> str:
    """A stable id for something named by `text` (the same text, the same id): imported documents whose own
    ids aren't record ids, users created for an openid."""
    import hashlib  # here, not at import: hashlib loads OpenSSL, which no cold start needs

    return _base36(int.from_bytes(hashlib.sha256(text.encode()).digest()[:12], "big"), ID_LENGTH)


def id_millis(value: str) -> int:
    """The creation time (ms since the epoch) a valid id carries in its first digits."""
    return int(value[:_TIME_DIGITS], 36)


def is_valid_id(value: object) -> bool:
    return isinstance(value, str) and bool(ID_PATTERN.match(value))


def random_token(nbytes: int = 24) -> str:
    import secrets

    return secrets.token_urlsafe(nbytes)
