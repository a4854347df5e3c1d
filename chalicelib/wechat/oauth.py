"""Official-account web authorisation: `sns/oauth2/access_token` turns an OAuth code into openid (+ unionid).

The web access_token it also returns acts for the user; wxbase needs only the ids, so it is dropped here.
"""
from __future__ import annotations

from chalicelib.core.errors import BadGateway
from chalicelib.core.settings import WeChatApp
from chalicelib.wechat import transport
from chalicelib.wechat.login import WeChatSession


def oauth_code2session(app: WeChatApp, code: str) -> WeChatSession:
    data = transport.call(
        "GET",
        "/sns/oauth2/access_token",
        params={"appid": app.appid, "secret": app.secret.reveal(), "code": code, "grant_type": "authorization_code"},
    )
    openid = data.get("openid")
    if not isinstance(openid, str) or not openid:
        raise BadGateway("WeChat answered the authorisation without an openid.")
    unionid = data.get("unionid")
    return WeChatSession(openid=openid, session_key="", unionid=unionid if isinstance(unionid, str) else "")
