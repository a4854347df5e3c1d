"""WeChat refusing a request for a reason our caller can fix (a page, a scene, a quota) as a clear 4xx.

Each API family lists its errcodes as `{errcode: Refusal(status, field, message)}`; `translate` turns a WeChatError
with one of them into an ApiError naming the body field at fault, and leaves every other error as it is (busy,
token and configuration errors keep wechat/errcodes.py's meaning).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.core.errors import ApiError, field_error
from chalicelib.wechat.errcodes import WeChatError


@dataclass(frozen=True)
class Refusal:
    status: int
    field: str | None
    message: str
    code: str = "validation_invalid_value"


class WeChatRefusal(ApiError):
    def __init__(self, refusal: Refusal, errcode: int) -> None:
        self.status = refusal.status
        self.errcode = errcode
        data: dict[str, Any] = {"errcode": errcode}
        if refusal.field:
            data[refusal.field] = field_error(refusal.code, refusal.message)
        super().__init__(refusal.message, data, headers={"Retry-After": "60"} if refusal.status == 429 else None)


def translate(exc: WeChatError, table: dict[int, Refusal]) -> ApiError:
    refusal = table.get(exc.errcode)
    return WeChatRefusal(refusal, exc.errcode) if refusal else exc
