"""Mini-program login: `sns/jscode2session` (code2Session)."""
from __future__ import annotations

from dataclasses import dataclass

from chalicelib.core.errors import BadGateway
from chalicelib.core.settings import WeChatApp
from chalicelib.wechat import transport

MAX_CODE_LENGTH = 256


@dataclass(frozen=True)
class WeChatSession:
    openid: str
    session_key: str
    unionid: str = ""

    def __repr__(self) -> str:  # the session_key never reaches a log line
        return f"WeChatSession(openid={self.openid!r}, unionid={self.unionid!r}, session_key=***)"


def code2session(app: WeChatApp, code: str) -> WeChatSession:
    data = transport.call(
        "GET",
        "/sns/jscode2session",
        params={
            "appid": app.appid,
            "secret": app.secret.reveal(),
            "js_code": code,
            "grant_type": "authorization_code",
        },
    )
    openid, session_key = data.get("openid"), data.get("session_key")
    if not isinstance(openid, str) or not openid or not isinstance(session_key, str) or not session_key:
        raise BadGateway("WeChat answered the login without an openid or session key.")
    unionid = data.get("unionid")
    return WeChatSession(openid=openid, session_key=session_key, unionid=unionid if isinstance(unionid, str) else "")
