"""Text content security: `wxa/msg_sec_check` version 2 → "pass", "review" or "risky".

WeChat accepts up to 2500 characters per call; longer text is checked in pieces and the worst verdict wins.
The openid must belong to a user who used the app in the last two hours (WeChat's rule).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.core.errors import BadGateway
from chalicelib.core.settings import WeChatApp
from chalicelib.wechat import client

MAX_CHARS_PER_CALL = 2500
MAX_CALLS = 8  # 20 000 characters: longer text should be rejected by the field's own max length first
SCENES = {"profile": 1, "comment": 2, "forum": 3, "social": 4}
_RANK = {"pass": 0, "review": 1, "risky": 2}


@dataclass(frozen=True)
class Verdict:
    suggest: str  # pass | review | risky
    label: int
    trace_id: str = ""

    @property
    def risky(self) -> bool:
        return self.suggest == "risky"

    @property
    def needs_review(self) -> bool:
        return self.suggest == "review"


def scene_number(scene: int | str) -> int:
    """Accept WeChat's number (1-4) or its name (profile, comment, forum, social)."""
    number = SCENES.get(scene, scene) if isinstance(scene, str) else scene
    if not isinstance(number, int) or isinstance(number, bool) or number not in (1, 2, 3, 4):
        raise ValueError(f"unknown msg_sec_check scene {scene!r}")
    return number


def check_text(app: WeChatApp, openid: str, content: str, scene: int | str = "comment", title: str | None = None,
               nickname: str | None = None) -> Verdict:
    number = scene_number(scene)
    text = content or ""
    pieces = [text[i:i + MAX_CHARS_PER_CALL] for i in range(0, len(text), MAX_CHARS_PER_CALL)] or [""]
    if len(pieces) > MAX_CALLS:
        raise ValueError("text too long for msg_sec_check")
    worst = None
    for piece in pieces:
        body = {"version": 2, "openid": openid, "scene": number, "content": piece}
        if title:
            body["title"] = title
        if nickname:
            body["nickname"] = nickname
        verdict = _verdict(client.for_app(app).call("POST", "/wxa/msg_sec_check", json_body=body))
        if worst is None or _RANK[verdict.suggest] > _RANK[worst.suggest]:
            worst = verdict
        if worst.risky:
            break
    assert worst is not None  # there is always at least one piece
    return worst


def _verdict(data: dict[str, Any]) -> Verdict:
    result = data.get("result") or {}
    suggest = result.get("suggest")
    if suggest not in _RANK:
        raise BadGateway("WeChat's content check answered without a verdict.")
    label = result.get("label")
    return Verdict(suggest=suggest, label=label if isinstance(label, int) else 0,
                   trace_id=str(data.get("trace_id") or ""))
