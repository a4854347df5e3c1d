"""Structured JSON logs: one line per event, with the request id, never a secret.

Call sites log an event name and plain fields (`log.info("login", extra={"fields": {...}})` via `event()`).
The formatter drops fields whose names look secret and masks any configured secret value that slipped into a
message, so a mistake at a call site does not become a leak.
"""
from __future__ import annotations

import contextvars
import functools
import json
import logging
import os
import re
import sys
import time
from typing import Any, Callable

from chalicelib.core import metrics
from chalicelib.core.patterns import lazy
from chalicelib.core.secrets import known_secret_values

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("wxbase_request_id", default=None)
# Who the current request authenticated as, for its request log: "users", "_superusers" (PocketBase's names) or "".
_request_auth: contextvars.ContextVar[str] = contextvars.ContextVar("wxbase_request_auth", default="")
_SECRET_FIELD = lazy(r"secret|session_?key|password|token|aes_?key|authorization|signature", re.I)
_ALLOWED_TOKENISH = {"token_mode", "token_expires_at", "token_source"}
_SECRET_PARAM = lazy(r"key|code|ticket|sig", re.I)  # in a URL's query: admin keys, login codes, tickets
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


def set_request_auth(collection: str) -> None:
    _request_auth.set(collection)


def current_request_auth() -> str:
    return _request_auth.get()


def redact(text: str) -> str:
    for value in known_secret_values():
        if value and value in text:
            text = text.replace(value, REDACTED)
    return text


def secret_name(name: str) -> bool:
    """A field or query parameter whose value is kept out of logs."""
    return bool(_SECRET_FIELD.search(name) or _SECRET_PARAM.search(name)) and name not in _ALLOWED_TOKENISH


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
    metrics.configure()


def event(name: str, level: int = logging.INFO, **fields: Any) -> None:
    logger.log(level, name, extra={"fields": fields})
    metrics.from_event(name, fields, _request_id.get())


def new_request_id() -> str:
    """An id for a request the platform gave none (128 random bits, as a uuid4's hex)."""
    return os.urandom(16).hex()


def per_invocation(handler: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """An event handler whose log lines and metrics carry its Lambda invocation's request id."""
    @functools.wraps(handler)
    def run(event: Any) -> Any:
        context = getattr(event, "context", None)  # a Lambda context, or a WebSocket event's requestContext
        found = context.get("requestId") if isinstance(context, dict) else getattr(context, "aws_request_id", None)
        token = set_request_id(str(found or new_request_id()))
        try:
            return handler(event)
        finally:
            reset_request_id(token)
    return run
