"""WeChat login and PocketBase's auth-refresh."""
from chalice import Blueprint

from chalicelib.core.errors import Unauthorized
from chalicelib.routes.common import header_token, json_object, string_field

bp = Blueprint(__name__)


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
