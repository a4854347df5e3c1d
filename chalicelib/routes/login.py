"""WeChat login, and PocketBase's auth-with-oauth2 and auth-refresh for the users collection."""
from chalice import Blueprint

from chalicelib.core.errors import BadRequest, Unauthorized, field_error
from chalicelib.routes.common import header_token, json_object, string_field

bp = Blueprint(__name__)

WECHAT_PROVIDERS = ("wechat", "wechat_mp", "weixin")


@bp.route("/api/wechat/login", methods=["POST"])
def wechat_login():
    """Exchange a wx.login code for a wxbase auth token and the user record."""
    from chalicelib.users import service

    request = bp.current_request
    body = json_object(request)
    code = string_field(body, "code", max_length=256)
    appid = string_field(body, "appid", required=False, max_length=64)
    phone_code = string_field(body, "phoneCode", required=False, max_length=256)
    return service.login(code, appid=appid, referer=request.headers.get("referer"), phone_code=phone_code)


@bp.route("/api/collections/users/auth-refresh", methods=["POST"])
def auth_refresh():
    """A fresh token for a valid, unrevoked one (PocketBase's authRefresh)."""
    from chalicelib.users import service

    token = header_token(bp.current_request)
    if not token:
        raise Unauthorized("The request requires a valid auth token.")
    return service.refresh(token)


@bp.route("/api/collections/users/auth-with-oauth2", methods=["POST"])
def auth_with_oauth2():
    """PocketBase's authWithOAuth2Code with provider `wechat`: the code is a wx.login code (`createData.appid`)."""
    from chalicelib.users import service

    request = bp.current_request
    body = json_object(request)
    provider = string_field(body, "provider", max_length=32)
    if provider not in WECHAT_PROVIDERS:
        raise BadRequest("Only the wechat provider is available.",
                         {"provider": field_error("validation_invalid_value", "Use provider \"wechat\".")})
    code = string_field(body, "code", max_length=256)
    create_data = body.get("createData") if isinstance(body.get("createData"), dict) else {}
    appid = string_field(create_data, "appid", required=False, max_length=64)
    return service.login(code, appid=appid, referer=request.headers.get("referer"))
