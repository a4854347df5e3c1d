"""Metrics in CloudWatch's embedded metric format (EMF): one JSON line on stdout per measurement, which CloudWatch
Logs turns into metrics of the `wxbase` namespace: no API call, no agent, nothing on the request's path but a print.

Requests, errors and latency come from the request log hook (logs/record.py); WeChat calls per API and errcode from
the WeChat transport; the rest from structured log events named in EVENT_METRICS, so the code that logs an outcome
also counts it. docs/operations.md lists every metric and the alarms on them.
"""
from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

NAMESPACE = "wxbase"
COUNT, MILLISECONDS = "Count", "Milliseconds"

# event name → (metric, fixed dimensions, event fields that become dimensions)
EVENT_METRICS: dict[str, tuple[str, dict[str, str], tuple[str, ...]]] = {
    "wechat.token_fetched": ("TokenRefreshes", {}, ()),
    "wechat.token_refresh_failed": ("TokenRefreshFailures", {}, ()),
    "content_risky": ("ContentVerdicts", {"Verdict": "risky"}, ()),
    "content_review": ("ContentVerdicts", {"Verdict": "review"}, ()),
    "content_check_unavailable": ("ContentCheckUnavailable", {}, ()),
    "image_check_verdict": ("ImageVerdicts", {}, ("outcome",)),
    "wechat.push_failed": ("PushFailures", {}, ()),
    "subscribe.failed": ("SubscribeMessageFailures", {}, ()),
    "records.change_failed": ("StreamChangeFailures", {}, ()),
    "request_logs.write_failed": ("RequestLogWriteFailures", {}, ()),
}

_out = logging.getLogger("wxbase.metrics")
_out.propagate = False  # EMF lines go to stdout as they are, not through the JSON log formatter


def configure() -> None:
    """Send metric lines to stdout (CloudWatch Logs in Lambda). Idempotent."""
    if not _out.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(message)s"))
        _out.addHandler(handler)
        _out.setLevel(logging.INFO)


def line(values: dict[str, tuple[float, str]], dimensions: dict[str, str], request_id: str | None = None) -> str:
    """One EMF line: `values` maps metric names to (value, unit)."""
    entry: dict[str, Any] = {
        "_aws": {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": [{
            "Namespace": NAMESPACE, "Dimensions": [sorted(dimensions)],
            "Metrics": [{"Name": name, "Unit": unit} for name, (_, unit) in values.items()]}]},
        **dimensions, **{name: value for name, (value, _) in values.items()}}
    if request_id:
        entry["requestId"] = request_id
    return json.dumps(entry, separators=(",", ":"))


def emit(values: dict[str, tuple[float, str]], request_id: str | None = None, **dimensions: str) -> None:
    _out.info(line(values, dimensions, request_id))


def from_event(name: str, fields: dict[str, Any], request_id: str | None = None) -> None:
    """Count a structured log event that EVENT_METRICS names."""
    spec = EVENT_METRICS.get(name)
    if spec is None:
        return
    metric, fixed, from_fields = spec
    dimensions = {**fixed, **{f.capitalize(): str(fields.get(f, "")) for f in from_fields}}
    emit({metric: (1, COUNT)}, request_id, **dimensions)
