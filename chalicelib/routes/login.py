"""WeChat login, and PocketBase's auth-with-oauth2 and auth-refresh for the users collection."""
from chalice import Response

from chalicelib.core import validate
from chalicelib.core.errors import Forbidden, NotFound, Unauthorized
from chalicelib.records.schema.model import USERS
from chalicelib.routes import schemas
from chalicelib.routes.blueprint import ApiBlueprint
from chalicelib.routes.common import header_token, is_admin, json_object, query_params, require_user

bp = ApiBlueprint(__name__)

WECHAT_PROVIDERS = ("wechat", "wechat_mp", "weixin")
LOGIN_BODY = validate.Body(
    validate.Text("code", max_length=256, description="a wx.login code"),
    validate.Text("appid", required=False, max_length=64, description="needed when several mini-programs serve"),
    validate.Text("phoneCode", required=False, max_length=256, description="a getPhoneNumber code: bind it too"),
)
OAUTH2_BODY = validate.Body(
    validate.Text("provider", max_length=32, choices=WECHAT_PROVIDERS),
    validate.Text("code", max_length=256, description="a wx.login code"),
    validate.Checked("createData", {"type": ["object", "null"], "properties": {"appid": {"type": "string"}}}),
)


@bp.route("/api/wechat/login", methods=["POST"], body=LOGIN_BODY, responses={"200": schemas.AUTH})
def wechat_login():
    """Exchange a wx.login code for a wxbase auth token and the user record."""
    from chalicelib.users import service

    request = bp.current_request
    values = LOGIN_BODY.read(json_object(request))
    return service.login(values["code"], appid=values["appid"], referer=request.headers.get("referer"),
                         phone_code=values["phoneCode"])


@bp.route("/api/collections/{collection}/auth-refresh", methods=["POST"], responses={"200": schemas.REFRESHED})
def auth_refresh(collection):
    """A fresh token for a valid, unrevoked one (PocketBase's authRefresh; `fields` and `expand` apply)."""
    from chalicelib.users import service

    request = bp.current_request
    found = service.auth_route_collection(collection)
    token = header_token(request)
    if not token:
        raise Unauthorized("The request requires a valid auth token.")
    if is_admin(request) or found.name != USERS:  # an admin is no users record; a user's token is for users only
        raise Forbidden(f"The request requires an auth record of the {found.name} collection.")
    return service.refresh(token, query_params(request))


@bp.route("/api/collections/{collection}/auth-methods", methods=["GET"], responses={"200": schemas.AUTH_METHODS})
def auth_methods(collection):
    """How users sign in (PocketBase's listAuthMethods): with WeChat, provider `wechat`; no password."""
    from chalicelib.users import service

    request = bp.current_request
    if service.auth_route_collection(collection).name != USERS:
        raise NotFound("Missing or invalid auth collection context.")
    return service.auth_methods(query_params(request))


@bp.route("/api/collections/users/sign-out-everywhere", methods=["POST"], body=validate.EMPTY,
          responses={"204": None})
def sign_out_everywhere():
    """End every session of the caller, on every device (rotates the user's token key). 204."""
    from chalicelib.users import service

    request = bp.current_request
    claims = require_user(request)
    json_object(request, required=False)
    service.sign_out_everywhere(claims["id"])
    return Response(body="", status_code=204)


@bp.route("/api/collections/users/auth-with-oauth2", methods=["POST"], body=OAUTH2_BODY,
          responses={"200": schemas.AUTH})
def auth_with_oauth2():
    """PocketBase's authWithOAuth2Code with provider `wechat`: the code is a wx.login code (`createData.appid`)."""
    from chalicelib.users import service

    request = bp.current_request
    body = json_object(request)
    values = OAUTH2_BODY.read(body)
    appid = validate.text(validate.obj(body, "createData"), "appid", required=False, max_length=64)
    return service.login(values["code"], appid=appid, referer=request.headers.get("referer"))
