"""Asynchronous image checks: `wxa/media_check_async` (version 2) and its `wxa_media_check` push.

The call only queues the check and answers a `trace_id`; WeChat fetches the image from `media_url` (which must be
reachable from the internet) and pushes the verdict to the message-push URL, usually within seconds and at most
30 minutes later: `{"Event": "wxa_media_check", "appid", "trace_id", "version": 2, "result": {"suggest", "label"},
"detail": [...], "errcode"?}`. The openid must be a user of the mini-program who used it in the last two hours
(else 61010). Limits: 2,000 calls a minute, 200,000 a day per app (45009 past them); files up to 10 MB.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.core.errors import BadGateway
from chalicelib.core.settings import WeChatApp
from chalicelib.wechat import client
from chalicelib.wechat.security import scene_number

EVENT = "wxa_media_check"
IMAGE = 2
USER_NOT_RECENT = 61010  # "code is expired": the openid has not used the mini-program in the last two hours
DAILY_QUOTA = 45009
SUGGESTIONS = ("pass", "review", "risky")


@dataclass(frozen=True)
class MediaVerdict:
    trace_id: str
    suggest: str  # pass | review | risky; "error" when WeChat could not check the image
    label: int
    errcode: int = 0


def submit(app: WeChatApp, openid: str, media_url: str, scene: int | str) -> str:
    """Queue the check of one image; WeChat's trace_id."""
    body = {"media_url": media_url, "media_type": IMAGE, "version": 2, "scene": scene_number(scene),
            "openid": openid}
    data = client.for_app(app).call("POST", "/wxa/media_check_async", json_body=body)
    trace_id = data.get("trace_id") or data.get("traceId")
    if not isinstance(trace_id, str) or not trace_id:
        raise BadGateway("WeChat accepted the image check without a trace_id.")
    return trace_id


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def verdict(fields: dict[str, Any]) -> MediaVerdict:
    """The verdict of a `wxa_media_check` push (XML gives strings, JSON numbers)."""
    raw = fields.get("result")
    result: dict[str, Any] = raw if isinstance(raw, dict) else {}
    errcode = _int(fields.get("errcode"))
    suggest = str(result.get("suggest") or "")
    if errcode or suggest not in SUGGESTIONS:
        suggest = "error"
    return MediaVerdict(trace_id=str(fields.get("trace_id") or ""), suggest=suggest,
                        label=_int(result.get("label")), errcode=errcode)
