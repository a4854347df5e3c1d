"""The central token service for the team's other servers (admin key only)."""
import time

from chalicelib.core import validate
from chalicelib.core.settings import get_settings
from chalicelib.routes import schemas
from chalicelib.routes.blueprint import ApiBlueprint
from chalicelib.routes.common import audit_admin, json_object, require_admin

bp = ApiBlueprint(__name__)
REJECTED_BODY = validate.Body(validate.Text("rejected", max_length=1024, description="the token WeChat refused"))


def _body(token):
    return {"access_token": token.value, "expires_at": token.expires_at,
            "expires_in": max(0, int(token.expires_at - time.time()))}


@bp.route("/api/wechat/access-token/{appid}", methods=["GET"], responses={"200": schemas.ACCESS_TOKEN})
def get_access_token(appid):
    """The app's current access_token (admin key): the one every server should use instead of fetching its own."""
    from chalicelib.wechat import tokens

    request = bp.current_request
    require_admin(request)
    token = tokens.central_store().token(get_settings().app(appid))
    audit_admin(request, "read-access-token", appid=appid)
    return _body(token)


@bp.route("/api/wechat/access-token/{appid}", methods=["POST"], body=REJECTED_BODY,
          responses={"200": schemas.ACCESS_TOKEN})
def report_rejected_token(appid):
    """Report a token WeChat rejected (40001/40014/42001) and get a valid one: refreshed once, never per caller."""
    from chalicelib.wechat import tokens

    request = bp.current_request
    require_admin(request)
    rejected = REJECTED_BODY.read(json_object(request))["rejected"]
    app = get_settings().app(appid)
    token = tokens.central_store().after_rejection(app, rejected)
    audit_admin(request, "report-rejected-access-token", appid=appid)
    return _body(token)
