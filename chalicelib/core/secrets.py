"""Secret values: fetched when used, never printed.

A value in the environment may be the secret itself or `ssm:/path` (an SSM SecureString), resolved on first
use and cached for a few minutes so that rotations reach warm Lambdas. `Secret` has a redacted repr so that a
settings object can be logged or shown in a traceback without leaking anything; every revealed value is also
registered with the log redactor as a second line of defence.
"""
from __future__ import annotations

import threading
import time

from chalicelib.core import snapstart

SSM_PREFIX = "ssm:"
SSM_CACHE_SECONDS = 300

_cache: dict[str, tuple[str, float]] = {}
_cache_lock = threading.Lock()
_known_values: set[str] = set()


class Secret:
    __slots__ = ("_raw", "name")

    def __init__(self, raw: str | None, name: str = "secret") -> None:
        self._raw = raw or ""
        self.name = name

    def __repr__(self) -> str:
        return f"Secret({self.name}=***)"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._raw)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._raw == self._raw

    def __hash__(self) -> int:
        return hash(self._raw)

    @property
    def is_reference(self) -> bool:
        return self._raw.startswith(SSM_PREFIX)

    def reveal(self) -> str:
        """The plaintext value (resolving an SSM reference). Never log or return it."""
        value = resolve_ssm(self._raw[len(SSM_PREFIX):]) if self.is_reference else self._raw
        if value:
            _known_values.add(value)
        return value


def resolve_ssm(path: str) -> str:
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(path)
        if hit and hit[1] > now:
            return hit[0]
    from chalicelib.core import aws
    from chalicelib.core.errors import ServiceUnavailable

    try:
        value = aws.client("ssm").get_parameter(Name=path, WithDecryption=True)["Parameter"]["Value"]
    except Exception as exc:  # the path names no secret; the exception text may carry none either
        raise ServiceUnavailable(f"Configuration parameter {path} could not be read.") from exc
    with _cache_lock:
        _cache[path] = (value, now + SSM_CACHE_SECONDS)
    return value


def clear_cache() -> None:
    """Forget resolved SSM values (the next reveal reads SSM again)."""
    with _cache_lock:
        _cache.clear()


def known_secret_values() -> frozenset[str]:
    """Every secret value revealed in this process (for the log redactor)."""
    return frozenset(_known_values)



snapstart.on_restore(clear_cache)  # a value read before the snapshot would outlive rotations in every copy
