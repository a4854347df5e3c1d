"""Subscribe messages: `cgi-bin/message/subscribe/send`, with its errcodes as clear 4xx for our callers."""
from __future__ import annotations

import re
from typing import Any

from chalicelib.core.errors import ApiError
from chalicelib.core.settings import WeChatApp
from chalicelib.wechat import client
from chalicelib.wechat.errcodes import WeChatError

STATES = ("developer", "trial", "formal")
LANGS = ("zh_CN", "en_US", "zh_HK", "zh_TW")

# errcode -> (HTTP status, message); these are about the message or the user, not about our configuration.
_SEND_ERRORS = {
    43101: (403, "The user has not subscribed to this template (or refused it); ask them with "
                 "wx.requestSubscribeMessage first."),
    47003: (400, "WeChat rejected the template data."),
    40037: (400, "The template_id is not a template of this app."),
    40003: (400, "The recipient openid is not a user of this app."),
    41030: (400, "The page does not exist in the released version of the mini-program."),
}
_FIELD = re.compile(r"(data\.[A-Za-z0-9_]+(?:\.value)?)")


class SubscribeSendError(ApiError):
    """WeChat refused this message (the user, the template or the data); resending the same one won't help."""

    def __init__(self, status: int, message: str, errcode: int, field: str | None = None) -> None:
        self.status = status
        self.errcode = errcode
        data: dict[str, Any] = {"errcode": errcode}
        if field:
            data["field"] = field
            message = f"{message} ({field})"
        super().__init__(message, data)


def build_body(touser: str, template_id: str, data: dict[str, Any], page: str | None = None,
               miniprogram_state: str | None = None, lang: str | None = None) -> dict[str, Any]:
    body = {"touser": touser, "template_id": template_id, "data": data}
    if page:
        body["page"] = page
    if miniprogram_state:
        body["miniprogram_state"] = miniprogram_state
    if lang:
        body["lang"] = lang
    return body


def send(app: WeChatApp, body: dict[str, Any]) -> Any:
    """Send one message; WeChat's msgid (or None). Raises SubscribeSendError, WeChatError or WeChatUnavailable."""
    try:
        data = client.for_app(app).call("POST", "/cgi-bin/message/subscribe/send", json_body=body)
    except WeChatError as exc:
        known = _SEND_ERRORS.get(exc.errcode)
        if known is None:
            raise
        field = _FIELD.search(exc.errmsg) if exc.errcode == 47003 else None
        raise SubscribeSendError(known[0], known[1], exc.errcode, field.group(1) if field else None) from None
    return data.get("msgid")
