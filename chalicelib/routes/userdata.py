"""The logged-in user's WeChat data: phone number, legacy open data, and identities in other apps."""
from chalicelib.core import validate
from chalicelib.core.errors import BadRequest
from chalicelib.routes import schemas
from chalicelib.routes.blueprint import ApiBlueprint
from chalicelib.routes.common import json_object, require_user

bp = ApiBlueprint(__name__)

PHONE_BODY = validate.Body(
    validate.Text("code", max_length=256, description="a getPhoneNumber code"),
    validate.Text("mergeToken", required=False, max_length=4096,
                  description="the token of the account holding the phone: the two accounts are merged"),
)
MAX_ENCRYPTED_CHARS = 64 * 1024  # wechat/data_crypt.MAX_ENCRYPTED_CHARS (not imported here: it loads the crypto)
DECRYPT_BODY = validate.Body(validate.Text("encryptedData", max_length=MAX_ENCRYPTED_CHARS),
                             validate.Text("iv", max_length=64))
LINK_BODY = validate.Body(validate.Text("appid", max_length=64),
                          validate.Text("code", max_length=256, description="wx.login code, or an OA OAuth code"))


@bp.route("/api/wechat/phone", methods=["POST"], body=PHONE_BODY, responses={"200": schemas.WITH_RECORD})
def bind_phone():
    """Bind the phone from a getPhoneNumber code to the user; `mergeToken` (the phone owner's token) merges."""
    from chalicelib.users import phone

    request = bp.current_request
    claims = require_user(request)
    values = PHONE_BODY.read(json_object(request))
    return phone.bind_from_code(claims, values["code"], merge_token=values["mergeToken"])


@bp.route("/api/wechat/decrypt", methods=["POST"], body=DECRYPT_BODY, responses={"200": schemas.DECRYPTED})
def decrypt():
    """Decrypt legacy `encryptedData`/`iv` with the user's session_key; unionId/phone in it are linked."""
    from chalicelib.users import opendata

    request = bp.current_request
    claims = require_user(request)
    values = DECRYPT_BODY.read(json_object(request))
    return opendata.decrypt_for_user(claims, values["encryptedData"], values["iv"])


@bp.route("/api/wechat/links", methods=["GET"], responses={"200": schemas.LINKS})
def list_links():
    """The apps the user can sign in through."""
    from chalicelib.users import links

    claims = require_user(bp.current_request)
    return links.describe(claims["id"])


@bp.route("/api/wechat/links", methods=["POST"], body=LINK_BODY, responses={"200": schemas.LINKS})
def attach_link():
    """Attach the user's identity in another app: `{"appid", "code"}` (wx.login code, or OA OAuth code)."""
    from chalicelib.users import links

    request = bp.current_request
    claims = require_user(request)
    values = LINK_BODY.read(json_object(request))
    return links.attach(claims["id"], values["appid"], values["code"])


@bp.route("/api/wechat/links/{appid}", methods=["DELETE"], responses={"200": schemas.LINKS})
def detach_link(appid):
    """Detach the user's identity in one app; sessions begun there end (the answer carries a fresh `token`)."""
    from chalicelib.users import links

    claims = require_user(bp.current_request)
    if len(appid) > 64:
        raise BadRequest("Unknown appid.")
    return links.detach(claims["id"], appid, signed_in_appid=claims.get("appid"), sid=claims.get("sid"))
