"""The central token service for the team's other servers (admin key only)."""
import time

from chalicelib.core import validate
from chalicelib.core.settings import get_settings
from chalicelib.routes.blueprint import ApiBlueprint
from chalicelib.routes.common import json_object, require_admin

bp = ApiBlueprint(__name__)


def _body(token):
    return {"access_token": token.value, "expires_at": token.expires_at,
            "expires_in": max(0, int(token.expires_at - time.time()))}


@bp.route("/api/wechat/access-token/{appid}", methods=["GET"])
def get_access_token(appid):
    """The app's current access_token (admin key): the one every server should use instead of fetching its own."""
    from chalicelib.wechat import tokens

    require_admin(bp.current_request)
    return _body(tokens.central_store().token(get_settings().app(appid)))


@bp.route("/api/wechat/access-token/{appid}", methods=["POST"])
def report_rejected_token(appid):
    """Report a token WeChat rejected (40001/40014/42001) and get a valid one: refreshed once, never per caller."""
    from chalicelib.wechat import tokens

    request = bp.current_request
    require_admin(request)
    rejected = validate.required_text(json_object(request), "rejected", max_length=1024)
    app = get_settings().app(appid)
    return _body(tokens.central_store().after_rejection(app, rejected))
