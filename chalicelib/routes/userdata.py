"""The logged-in user's WeChat data: phone number, legacy open data, and identities in other apps."""
from chalicelib.core import validate
from chalicelib.core.errors import BadRequest
from chalicelib.routes.blueprint import ApiBlueprint
from chalicelib.routes.common import json_object, require_user

bp = ApiBlueprint(__name__)


@bp.route("/api/wechat/phone", methods=["POST"])
def bind_phone():
    """Bind the phone from a getPhoneNumber code to the user; `mergeToken` (the phone owner's token) merges."""
    from chalicelib.users import phone

    request = bp.current_request
    claims = require_user(request)
    body = json_object(request)
    code = validate.required_text(body, "code", max_length=256)
    merge_token = validate.text(body, "mergeToken", required=False, max_length=4096)
    return phone.bind_from_code(claims, code, merge_token=merge_token)


@bp.route("/api/wechat/decrypt", methods=["POST"])
def decrypt():
    """Decrypt legacy `encryptedData`/`iv` with the user's session_key; unionId/phone in it are linked."""
    from chalicelib.users import opendata

    request = bp.current_request
    claims = require_user(request)
    body = json_object(request)
    encrypted = validate.required_text(body, "encryptedData", max_length=opendata.MAX_ENCRYPTED_CHARS)
    iv = validate.required_text(body, "iv", max_length=64)
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
    appid = validate.required_text(body, "appid", max_length=64)
    code = validate.required_text(body, "code", max_length=256)
    return links.attach(claims["id"], appid, code)


@bp.route("/api/wechat/links/{appid}", methods=["DELETE"])
def detach_link(appid):
    """Detach the user's identity in one app; sessions begun there end (the answer carries a fresh `token`)."""
    from chalicelib.users import links

    claims = require_user(bp.current_request)
    if len(appid) > 64:
        raise BadRequest("Unknown appid.")
    return links.detach(claims["id"], appid, signed_in_appid=claims.get("appid"), sid=claims.get("sid"))
