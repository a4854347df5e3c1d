"""Subscribe messages: `cgi-bin/message/subscribe/send`, with its errcodes as clear 4xx for our callers."""
import re

from chalicelib.core.errors import ApiError
from chalicelib.wechat import client
from chalicelib.wechat.errors import WeChatError

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

    def __init__(self, status, message, errcode, field=None):
        self.status = status
        self.errcode = errcode
        data = {"errcode": errcode}
        if field:
            data["field"] = field
            message = f"{message} ({field})"
        super().__init__(message, data)


def build_body(touser, template_id, data, page=None, miniprogram_state=None, lang=None):
    body = {"touser": touser, "template_id": template_id, "data": data}
    if page:
        body["page"] = page
    if miniprogram_state:
        body["miniprogram_state"] = miniprogram_state
    if lang:
        body["lang"] = lang
    return body


def send(app, body):
    """Send one message; WeChat's msgid (or None). Raises SubscribeSendError, WeChatError or WeChatUnavailable."""
    try:
        data = client.call_with_token(app, "POST", "/cgi-bin/message/subscribe/send", json_body=body)
    except WeChatError as exc:
        known = _SEND_ERRORS.get(exc.errcode)
        if known is None:
            raise
        field = _FIELD.search(exc.errmsg) if exc.errcode == 47003 else None
        raise SubscribeSendError(known[0], known[1], exc.errcode, field.group(1) if field else None) from None
    return data.get("msgid")
