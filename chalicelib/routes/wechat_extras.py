"""WeChat extras: official-account follows, mini-program codes and URL Links, and the content-security review queue."""
from chalice import Response

from chalicelib.core import validate
from chalicelib.core.errors import BadRequest, Unauthorized, invalid
from chalicelib.core.settings import get_settings
from chalicelib.routes import schemas
from chalicelib.routes.blueprint import ApiBlueprint
from chalicelib.routes.common import (audit_admin, header_token, is_admin, json_object, query_params, require_admin,
                                      require_user)

bp = ApiBlueprint(__name__)

MAX_APPID = 64
BACKFILL_BODY = validate.Body(validate.Integer("limit", required=False, minimum=1),
                              validate.Checked("restart", {"type": ["boolean", "null"]}))


@bp.route("/api/wechat/follows", methods=["GET"])
def follows():
    """Whether the signed-in user follows each official account of the deployment (matched by unionid)."""
    from chalicelib.users import follows as service

    return service.for_user(require_user(bp.current_request)["id"])


@bp.route("/api/wechat/follows/backfill/{appid}", methods=["POST"], body=BACKFILL_BODY)
def backfill_followers(appid):
    """Walk the account's follower list a bounded batch further (admin key); resumes where the last call stopped."""
    from chalicelib.users import follows_backfill

    request = bp.current_request
    require_admin(request)
    body = json_object(request, required=False)
    limit = validate.integer(body, "limit", required=False, minimum=1, maximum=follows_backfill.MAX_LIMIT)
    restart = body.get("restart", False)
    if not isinstance(restart, bool):
        raise invalid("restart", "validation_invalid_type", "Must be true or false.")
    result = follows_backfill.run_batch(_appid(appid), limit=limit or follows_backfill.DEFAULT_LIMIT, restart=restart)
    audit_admin(request, "follower-backfill", appid=appid, restart=restart, state=result.get("state"))
    return result


@bp.route("/api/wechat/follows/backfill/{appid}", methods=["GET"])
def backfill_progress(appid):
    """Where the account's follower backfill stands (admin key)."""
    from chalicelib.users import follows_backfill

    require_admin(bp.current_request)
    return follows_backfill.progress(_appid(appid))


def _appid(appid):
    if len(appid) > MAX_APPID:
        raise BadRequest("Unknown appid.")
    return appid


def _caller(request):
    """(claims or None for an admin key); 401 for guests: codes and links cost WeChat quota."""
    if is_admin(request):
        return None
    if not header_token(request):
        raise Unauthorized("Sign in to make mini-program codes and links.")
    return require_user(request)


def _miniprogram(body, claims):
    """The app the code or link opens: `appid` in the body, else the user's app, else the only mini-program."""
    settings = get_settings()
    appid = validate.text(body, "appid", required=False, max_length=MAX_APPID) or (claims or {}).get("appid")
    if not appid:
        if len(settings.miniprograms) != 1:
            raise invalid("appid", "validation_required", "Name the mini-program (appid).", "appid is required.")
        appid = settings.miniprograms[0].appid
    return settings.app(appid, field="appid", miniprogram=True)


def api_base(request):
    """This API's external base URL: deployed, the domain API Gateway received the request on (its record, not the
    client's Host header, which a caller could set to any host); under make dev, scheme and host as the client used
    them (a phone on the LAN). Plus the stage prefix (when called through API Gateway's own domain, `/<stage>`),
    taken from the difference between the request path and the route's path."""
    headers = {k.lower(): v for k, v in request.headers.items()}
    context = request.context or {}
    if context.get("domainName"):
        host, proto = context["domainName"], "https"
    else:
        host, proto = headers.get("host") or "localhost", headers.get("x-forwarded-proto") or "http"
    path, route = context.get("path") or "", context.get("resourcePath") or ""
    prefix = path[:-len(route)] if route and path.endswith(route) else ""
    return f"{proto.split(',')[0].strip()}://{host}{prefix}"


@bp.route("/api/wechat/wxacode", methods=["POST"], body="chalicelib.sharing.codes:BODY",
          responses={"200": schemas.obj(("url",), url=schemas.STRING, contentType=schemas.STRING)})
def make_wxacode():
    """`{"scene","page"?,"width"?,"envVersion"?,"appid"?}` → `{"url"}`: a permanent link to the code's image."""
    from chalicelib.sharing import codes

    request = bp.current_request
    claims = _caller(request)
    body = json_object(request)
    code_request = codes.parse(body)
    app = _miniprogram(body, claims)
    item = codes.code_for(app, code_request, user_id=claims["id"] if claims else None)
    audit_admin(request, "make-code", appid=app.appid)
    api_link = f"{api_base(request)}/api/wechat/wxacode/{app.appid}/{codes.object_name(item)}"
    return {"url": codes.link_for(item, api_link), "contentType": item["contentType"]}


@bp.route("/api/wechat/wxacode/{appid}/{name}", methods=["GET"], responses={"302": schemas.REDIRECT})
def wxacode_image(appid, name):
    """The permanent link of a code made through POST /api/wechat/wxacode: a redirect to the stored image."""
    from chalicelib.sharing import codes

    url, cache_control = codes.redirect_target(_appid(appid), name)
    return Response(body="", status_code=302, headers={"Location": url, "Cache-Control": cache_control})


@bp.route("/api/wechat/url-link", methods=["POST"], body="chalicelib.sharing.url_links:BODY",
          responses={"200": schemas.obj(("urlLink",), urlLink=schemas.STRING, expiresAt=schemas.INTEGER)})
def make_url_link():
    """`{"path","query"?,"expireDays"?,"envVersion"?,"appid"?}` → `{"urlLink","expiresAt"}`."""
    from chalicelib.sharing import url_links

    request = bp.current_request
    claims = _caller(request)
    body = json_object(request)
    link_request = url_links.parse(body)
    app = _miniprogram(body, claims)
    link = url_links.link_for(app, link_request, user_id=claims["id"] if claims else None)
    audit_admin(request, "make-url-link", appid=app.appid)
    return link
