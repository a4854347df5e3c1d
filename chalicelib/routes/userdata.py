"""The logged-in user's WeChat data: phone number, legacy open data, and identities in other apps."""
from chalice import Blueprint

from chalicelib.core.errors import BadRequest
from chalicelib.routes.common import json_object, require_user, string_field

bp = Blueprint(__name__)


@bp.route("/api/wechat/phone", methods=["POST"])
def bind_phone():
    """Bind the phone from a getPhoneNumber code to the user; `mergeToken` (the phone owner's token) merges."""
    from chalicelib.records import items
    from chalicelib.users import phone as phones
    from chalicelib.users.service import pick_app

    request = bp.current_request
    claims = require_user(request)
    body = json_object(request)
    code = string_field(body, "code", max_length=256)
    merge_token = string_field(body, "mergeToken", required=False, max_length=4096)
    app = pick_app(claims.get("appid") or None)
    phone = phones.fetch(app, code)
    user = phones.bind(claims["id"], phone, merge_token=merge_token)
    return {"record": items.render(user)}


@bp.route("/api/wechat/decrypt", methods=["POST"])
def decrypt():
    """Decrypt legacy `encryptedData`/`iv` with the user's session_key; unionId/phone in it are linked."""
    from chalicelib.users import opendata

    request = bp.current_request
    claims = require_user(request)
    body = json_object(request)
    encrypted = string_field(body, "encryptedData", max_length=opendata.opendata.MAX_ENCRYPTED_CHARS)
    iv = string_field(body, "iv", max_length=64)
    return opendata.decrypt_for_user(claims, encrypted, iv)


@bp.route("/api/wechat/links", methods=["GET"])
def list_links():
    """The apps the user can sign in through."""
    from chalicelib.users import links

    claims = require_user(bp.current_request)
    return links.describe(claims["id"])


@bp.route("/api/wechat/links", methods=["POST"])
def attach_link():
    """Attach the user's identity in another app: `{"appid", "code"}` (wx.login code, or OA OAuth code)."""
    from chalicelib.users import links

    request = bp.current_request
    claims = require_user(request)
    body = json_object(request)
    appid = string_field(body, "appid", max_length=64)
    code = string_field(body, "code", max_length=256)
    return links.attach(claims["id"], appid, code)


@bp.route("/api/wechat/links/{appid}", methods=["DELETE"])
def detach_link(appid):
    """Detach the user's identity in one app."""
    from chalicelib.users import links

    claims = require_user(bp.current_request)
    if len(appid) > 64:
        raise BadRequest("Unknown appid.")
    return links.detach(claims["id"], appid, signed_in_appid=claims.get("appid"))


