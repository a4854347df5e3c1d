"""Legacy open data for the logged-in user: decrypt with their stored session_key, then link what it proves.

The token's `appid` names the app (and so the identity and session_key) to use; its `sid` names the login it was
issued by. A newer login replaced the session_key and the sid, so data the client encrypted under the old session
can't be decrypted: that is a 401 asking to log in again, told apart from tampered data (400) by the sid.
"""
from __future__ import annotations

import base64
import binascii
from typing import Any

from chalicelib.core.errors import BadRequest, Unauthorized
from chalicelib.records.query import render
from chalicelib.store import identities
from chalicelib.users import links
from chalicelib.users import phone
from chalicelib.users import service
from chalicelib.wechat import data_crypt
from chalicelib.wechat import phone_number

MAX_ENCRYPTED_CHARS = data_crypt.MAX_ENCRYPTED_CHARS

STALE_SESSION = "Your WeChat session has changed (you logged in again elsewhere); log in again and retry."


def decrypt_for_user(claims: dict[str, Any], encrypted_data: str, iv: str) -> dict[str, Any]:
    user_id, appid = claims["id"], str(claims.get("appid") or "")
    identity = identities.identity_for_app(user_id, appid) if appid else None
    if identity is None or not identity.get("session_key"):
        raise Unauthorized("No WeChat session for this token; log in again.")
    if claims.get("sid") and identity.get("sid") != claims["sid"]:
        raise Unauthorized(STALE_SESSION)
    try:
        valid_key = len(base64.b64decode(identity["session_key"], validate=True)) == 16
    except (binascii.Error, ValueError):
        valid_key = False
    if not valid_key:
        raise Unauthorized(STALE_SESSION)
    data = data_crypt.decrypt(identity["session_key"], encrypted_data, iv, appid)
    if data.get("openId") not in (None, identity["openid"]):
        raise BadRequest("The encrypted data belongs to another WeChat user.")
    if isinstance(data.get("unionId"), str) and data["unionId"]:
        links.link_unionid(user_id, appid, identity["openid"], data["unionId"])
    user = None
    found = phone_number.from_open_data(data) if "purePhoneNumber" in data else None
    if found is not None:
        user = phone.bind(user_id, found)
    if user is None:
        user = service.get_user(user_id)
    if user is None:
        raise Unauthorized("The user of this token no longer exists; log in again.")
    return {"data": data, "record": render.render(user)}
