"""WeChat errcodes as typed errors with the HTTP status a client should see.

The table is the one place that decides what an errcode means to our callers; the client raises `WeChatError`
for every non-zero errcode and routes never look at numbers.
"""
from __future__ import annotations

from chalicelib.core.errors import ApiError

SYSTEM_BUSY = -1
INVALID_CREDENTIAL = 40001
INVALID_ACCESS_TOKEN = 40014
ACCESS_TOKEN_EXPIRED = 42001
TOKEN_ERRCODES = frozenset({INVALID_CREDENTIAL, INVALID_ACCESS_TOKEN, ACCESS_TOKEN_EXPIRED})

# errcode -> (HTTP status, message for our caller)
_TABLE = {
    -1: (503, "WeChat is busy; try again shortly."),
    40029: (400, "The code is invalid or has expired; get a new one from WeChat and try again."),
    40163: (400, "The code has already been used; get a new one from WeChat and try again."),
    40226: (403, "WeChat has blocked this user from logging in (high-risk account)."),
    45011: (429, "Too many attempts; wait a minute and try again."),
    45009: (429, "The WeChat API daily quota for this app is used up."),
    40013: (502, "WeChat does not recognise this app's appid; check the server configuration."),
    40125: (502, "WeChat rejected this app's AppSecret; check the server configuration."),
    40001: (502, "WeChat rejected this app's credentials or access token."),
    40014: (502, "WeChat rejected the access token."),
    42001: (502, "The WeChat access token has expired."),
    48001: (502, "This app is not authorised to use that WeChat API."),
}


class WeChatError(ApiError):
    """WeChat answered with a non-zero errcode."""

    def __init__(self, errcode: int, errmsg: str = "", api: str = "") -> None:
        status, message = _TABLE.get(errcode, (502, "WeChat rejected the request."))
        self.status = status
        self.errcode = errcode
        self.errmsg = errmsg or ""
        self.api = api
        super().__init__(message, {"errcode": errcode})

    @property
    def is_token_error(self) -> bool:
        return self.errcode in TOKEN_ERRCODES


class WeChatUnavailable(ApiError):
    """WeChat could not be reached, timed out, or answered with something that is not its JSON."""

    status = 503
    default_message = "WeChat could not be reached; try again shortly."
