"""Log entries as PocketBase's `_logs` rows: `{id, created, level, message, data}`, `data.type` "request" for an
HTTP request and "wechat" for a WeChat API call.

Nothing secret gets in: the URL's query values whose names look secret (`token`, `access_token`, `key`, …) and the
referer's are replaced by `***`, headers are not kept (Authorization never is), and every configured secret value is
masked wherever it appears.
"""
from __future__ import annotations

import threading
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from chalicelib.core import clock, ids, logs
from chalicelib.store import keys

LEVEL_INFO = 0  # PocketBase's levels are slog's
LEVEL_WARN = 4
LEVEL_ERROR = 8
MAX_TEXT = 2000  # a URL, referer or user agent kept longer than this is cut

Item = dict[str, Any]


def _text(value: str) -> str:
    return logs.redact(value[:MAX_TEXT])


def _clean_query(pairs: list[tuple[str, str]]) -> str:
    return urlencode([(k, logs.REDACTED if logs.secret_name(k) else v) for k, v in pairs])


def request_url(path: str, query: dict[str, list[str]] | None) -> str:
    """The request's path and query as PocketBase logs it, secret values replaced."""
    pairs = [(name, value) for name, values in (query or {}).items() for value in values]
    return _text(path + ("?" + _clean_query(pairs) if pairs else ""))


def clean_referer(referer: str) -> str:
    parts = urlsplit(referer)
    if not parts.query:
        return _text(referer)
    return _text(urlunsplit(parts._replace(query=_clean_query(parse_qsl(parts.query, keep_blank_values=True)))))


_last_ms = 0
_clock = threading.Lock()


def _next_ms() -> int:
    """Now in ms, strictly increasing within the process: entries of one process sort (by created and by id) in the
    order they were made, even several in one millisecond."""
    global _last_ms
    with _clock:
        _last_ms = max(int(time.time() * 1000), _last_ms + 1)
        return _last_ms


def _item(level: int, message: str, data: dict[str, Any], days: int) -> Item:
    ms = _next_ms()
    log_id = ids.new_id(ms)
    created = clock.pb_datetime(ms / 1000)
    return {**keys.log_entry(created[:10], log_id), "id": log_id, "created": created, "level": level,
            "message": message, "data": data, keys.TTL_ATTRIBUTE: ms // 1000 + days * 86400}


def request(method: str, url: str, status: int, exec_ms: float, ip: str, referer: str, user_agent: str,
            days: int, error: str = "") -> Item:
    """An HTTP request's entry; an error answer (4xx/5xx) is an error-level entry with its message, as in
    PocketBase."""
    data: dict[str, Any] = {"type": "request", "method": method, "url": url, "status": status,
                            "execTime": round(exec_ms, 3), "auth": logs.current_request_auth(), "userIP": ip,
                            "userIp": ip, "remoteIP": ip, "referer": clean_referer(referer),
                            "userAgent": _text(user_agent)}
    if status >= 400:
        data["error"] = _text(error)
    return _item(LEVEL_ERROR if status >= 400 else LEVEL_INFO, f"{method} {url}", data, days)


def wechat_call(api: str, errcode: int, exec_ms: float, days: int) -> Item:
    """A WeChat API call's entry: the API path (never its query: it carries the access token), the errcode
    (-1 when WeChat could not be reached) and the latency, retries included."""
    data = {"type": "wechat", "api": api, "errcode": errcode, "execTime": round(exec_ms, 3),
            "requestId": logs.current_request_id() or ""}
    return _item(LEVEL_INFO if errcode == 0 else LEVEL_WARN, f"WeChat {api}", data, days)
