"""What the app logs and counts: `http_request` once per answered request (from the HTTP middleware) and
`wechat_call` once per WeChat API call (from wechat/transport.py). Each costs an append (writer.py stores the
entries) and a metric line on stdout (core/metrics.py)."""
from __future__ import annotations

import time
from typing import Any

from chalicelib.core import logs, metrics, settings
from chalicelib.logs import entries, writer


def _days() -> int:
    try:
        return settings.logs_days()
    except settings.ConfigError:
        return settings.DEFAULT_LOGS_DAYS


def _error_message(body: Any) -> str:
    return str(body.get("message") or "") if isinstance(body, dict) else ""


def http_request(request: Any, response: Any, started: float) -> None:
    """Log and count one answered request (Chalice's request and response; `started` from time.monotonic())."""
    status = response.status_code
    metrics.emit({"Requests": (1, metrics.COUNT), "Errors4xx": (int(400 <= status < 500), metrics.COUNT),
                  "Errors5xx": (int(status >= 500), metrics.COUNT),
                  "Latency": (round((time.monotonic() - started) * 1000, 1), metrics.MILLISECONDS)},
                 logs.current_request_id())
    days = _days()
    if not days:
        return
    try:
        event = request.to_original_event() or {}
        context = getattr(request, "context", None) or {}
        path = event.get("path") or context.get("path") or request.path
        headers = request.headers or {}
        item = entries.request(
            request.method, entries.request_url(path, event.get("multiValueQueryStringParameters")),
            response.status_code, (time.monotonic() - started) * 1000,
            str((context.get("identity") or {}).get("sourceIp") or ""), headers.get("referer") or "",
            headers.get("user-agent") or "", days, _error_message(response.body))
    except Exception as exc:  # noqa: BLE001 - a request is answered even if its log entry can't be made
        logs.event("request_logs.skipped", reason=exc.__class__.__name__)
        return
    writer.add(item)


def wechat_call(api: str, errcode: int, started: float) -> None:
    """Log and count one WeChat API call (`errcode` -1 when WeChat could not be reached)."""
    elapsed_ms = (time.monotonic() - started) * 1000
    request_id = logs.current_request_id()
    metrics.emit({"WeChatCalls": (1, metrics.COUNT), "WeChatLatency": (round(elapsed_ms, 1), metrics.MILLISECONDS)},
                 request_id, Api=api)
    if errcode:
        metrics.emit({"WeChatErrors": (1, metrics.COUNT)}, request_id, Api=api, Errcode=str(errcode))
    days = _days()
    if days:
        writer.add(entries.wechat_call(api, errcode, elapsed_ms, days))
