"""WeChat login, and PocketBase's auth-with-oauth2 and auth-refresh for the users collection."""
from chalice import Response

from chalicelib.core import validate
from chalicelib.core.errors import Unauthorized, invalid
from chalicelib.routes.blueprint import ApiBlueprint
from chalicelib.routes.common import header_token, json_object, require_user

bp = ApiBlueprint(__name__)

WECHAT_PROVIDERS = ("wechat", "wechat_mp", "weixin")


@bp.route("/api/wechat/login", methods=["POST"])
def wechat_login():
    """Exchange a wx.login code for a wxbase auth token and the user record."""
    from chalicelib.users import service

    request = bp.current_request
    body = json_object(request)
    code = validate.required_text(body, "code", max_length=256)
    appid = validate.text(body, "appid", required=False, max_length=64)
    phone_code = validate.text(body, "phoneCode", required=False, max_length=256)
    return service.login(code, appid=appid, referer=request.headers.get("referer"), phone_code=phone_code)


@bp.route("/api/collections/users/auth-refresh", methods=["POST"])
def auth_refresh():
    """A fresh token for a valid, unrevoked one (PocketBase's authRefresh)."""
    from chalicelib.users import service

    token = header_token(bp.current_request)
    if not token:
        raise Unauthorized("The request requires a valid auth token.")
    return service.refresh(token)


@bp.route("/api/collections/users/sign-out-everywhere", methods=["POST"])
def sign_out_everywhere():
    """End every session of the caller, on every device (rotates the user's token key). 204."""
    from chalicelib.users import service

    request = bp.current_request
    claims = require_user(request)
    json_object(request, required=False)
    service.sign_out_everywhere(claims["id"])
    return Response(body="", status_code=204)


@bp.route("/api/collections/users/auth-with-oauth2", methods=["POST"])
def auth_with_oauth2():
    """PocketBase's authWithOAuth2Code with provider `wechat`: the code is a wx.login code (`createData.appid`)."""
    from chalicelib.users import service

    request = bp.current_request
    body = json_object(request)
    provider = validate.required_text(body, "provider", max_length=32)
    if provider not in WECHAT_PROVIDERS:
        raise invalid("provider", "validation_invalid_value", 'Use provider "wechat".',
                      "Only the wechat provider is available.")
    code = validate.required_text(body, "code", max_length=256)
    appid = validate.text(validate.obj(body, "createData"), "appid", required=False, max_length=64)
    return service.login(code, appid=appid, referer=request.headers.get("referer"))
