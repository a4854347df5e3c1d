"""Structured JSON logs: one line per event, with the request id, never a secret.

Call sites log an event name and plain fields (`log.info("login", extra={"fields": {...}})` via `event()`).
The formatter drops fields whose names look secret and masks any configured secret value that slipped into a
message, so a mistake at a call site does not become a leak.
"""
from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
from typing import Any

from chalicelib.core.patterns import lazy
from chalicelib.core.secrets import known_secret_values

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("wxbase_request_id", default=None)
_SECRET_FIELD = lazy(r"secret|session_?key|password|token|aes_?key|authorization|signature", re.I)
_ALLOWED_TOKENISH = {"token_mode", "token_expires_at", "token_source"}
REDACTED = "***"

logger = logging.getLogger("wxbase")


class _StampRequestId(logging.Filter):
    """Stamp the current request id on each record when it is made, not when a handler formats it later."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


logger.addFilter(_StampRequestId())


def set_request_id(value: str | None) -> contextvars.Token[str | None]:
    return _request_id.set(value)


def reset_request_id(token: contextvars.Token[str | None]) -> None:
    _request_id.reset(token)


def current_request_id() -> str | None:
    return _request_id.get()


def redact(text: str) -> str:
    for value in known_secret_values():
        if value and value in text:
            text = text.replace(value, REDACTED)
    return text


def clean_fields(fields: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if _SECRET_FIELD.search(key) and key not in _ALLOWED_TOKENISH:
            out[key] = REDACTED
        elif isinstance(value, (str, int, float, bool)) or value is None:
            out[key] = value
        else:
            out[key] = repr(value)
    return out


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or _request_id.get()
        if request_id:
            entry["request_id"] = request_id
        entry.update(clean_fields(getattr(record, "fields", {}) or {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(entry, ensure_ascii=False, default=str))


def configure() -> None:
    """Send wxbase logs as JSON to stdout (CloudWatch in Lambda). Idempotent."""
    if any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def event(name: str, level: int = logging.INFO, **fields: Any) -> None:
    logger.log(level, name, extra={"fields": fields})
