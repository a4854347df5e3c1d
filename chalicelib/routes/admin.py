"""The admin API behind the console: sign-in, PocketBase's collections for superusers, the audit trail, the review
queue, users and operations. Every route but sign-in needs an admin key or an admin session."""
from chalice import Response

from chalicelib.core import validate
from chalicelib.routes import schemas
from chalicelib.routes.blueprint import ApiBlueprint
from chalicelib.routes.common import json_object, query_params, require_admin

bp = ApiBlueprint(__name__)
SIGN_IN_BODY = validate.Body(validate.Text("key", max_length=1024, description="an admin key"))
REDRIVE_BODY = validate.Body(validate.Checked("ids", {"type": "array", "minItems": 1, "maxItems": 50,
                                                      "items": {"type": "string"}}, required=True))
APPROVE_BODY = validate.Body(validate.Text("field", required=False, max_length=100,
                                           description="clear only this field's flag"))


def _source_ip(request) -> str:
    return str(((request.context or {}).get("identity") or {}).get("sourceIp") or "")


@bp.route("/api/admins/auth-with-key", methods=["POST"], body=SIGN_IN_BODY,
          responses={"200": schemas.ADMIN_SESSION})
def admin_auth_with_key():
    """Exchange an admin key for a one-hour admin session token (401 for a wrong key)."""
    from chalicelib.admin import sign_in

    request = bp.current_request
    body = json_object(request)
    SIGN_IN_BODY.read(body)
    return sign_in.sign_in(body, _source_ip(request))


@bp.route("/api/collections", methods=["GET"], responses={"200": schemas.COLLECTIONS})
def list_collections():
    """The collections in PocketBase's shape (admins only): page, perPage, skipTotal, filter, sort, fields."""
    from chalicelib.admin import collections

    request = bp.current_request
    require_admin(request)
    return collections.list_collections(query_params(request))


@bp.route("/api/collections/{collection}", methods=["GET"])
def view_collection(collection):
    """One collection by id or name (any case), in PocketBase's shape (admins only; `fields`)."""
    from chalicelib.admin import collections

    request = bp.current_request
    require_admin(request)
    return collections.view_collection(collection, query_params(request))


@bp.route("/api/admin/audit", methods=["GET"], responses={"200": schemas.PAGE})
def audit_trail():
    """Admin changes, newest first (perPage ≤ 200, cursor)."""
    from chalicelib.admin import audit_log

    request = bp.current_request
    require_admin(request)
    return audit_log.entries(query_params(request))


@bp.route("/api/admin/review-queue", methods=["GET"], responses={"200": schemas.PAGE})
def review_queue():
    """Records content security flagged for review, with each record (perPage ≤ 100, cursor)."""
    from chalicelib.admin import moderation

    request = bp.current_request
    require_admin(request)
    return moderation.queue(query_params(request))


@bp.route("/api/admin/review-queue/{collection}/{record_id}/approve", methods=["POST"], body=APPROVE_BODY)
def approve_record(collection, record_id):
    """Clear a flagged record's review flag, or one field's with `{"field"}` (audited)."""
    from chalicelib.admin import moderation

    request = bp.current_request
    admin = require_admin(request)
    field = APPROVE_BODY.read(json_object(request, required=False))["field"]
    return moderation.approve(collection, record_id, admin, field=field)


@bp.route("/api/admin/review-queue/{collection}/{record_id}/reject", methods=["POST"], body=validate.EMPTY,
          responses={"204": None})
def reject_record(collection, record_id):
    """Delete a flagged record (audited). 204."""
    from chalicelib.admin import moderation

    request = bp.current_request
    admin = require_admin(request)
    json_object(request, required=False)
    moderation.reject(collection, record_id, admin)
    return Response(body="", status_code=204)


@bp.route("/api/admin/users", methods=["GET"], responses={"200": schemas.PAGE})
def search_users():
    """Find users by q and by=auto|id|name|phone|openid|unionid (phones masked)."""
    from chalicelib.admin import users

    request = bp.current_request
    require_admin(request)
    return users.search(query_params(request))


@bp.route("/api/admin/users/{user_id}", methods=["GET"])
def user_detail(user_id):
    """A user with their identity in each app and their unionid (phone masked)."""
    from chalicelib.admin import users

    require_admin(bp.current_request)
    return users.detail(user_id)


@bp.route("/api/admin/users/{user_id}/sign-out", methods=["POST"], body=validate.EMPTY)
def sign_out_user(user_id):
    """Sign a user out everywhere: rotate their token key (audited)."""
    from chalicelib.admin import users

    request = bp.current_request
    admin = require_admin(request)
    json_object(request, required=False)
    return users.sign_out(user_id, admin)


@bp.route("/api/admin/tokens", methods=["GET"], responses={"200": schemas.PAGE})
def token_health():
    """Each WeChat app's access_token health: expiry, last fetch, last error, failures (never the token)."""
    from chalicelib.admin import operations

    require_admin(bp.current_request)
    return operations.token_health()


@bp.route("/api/admin/subscribe-messages", methods=["GET"], responses={"200": schemas.PAGE})
def subscribe_messages():
    """Subscribe messages created on one UTC day (day=YYYY-MM-DD), newest first, with their status."""
    from chalicelib.admin import operations

    request = bp.current_request
    require_admin(request)
    return operations.subscribe_messages(query_params(request))


@bp.route("/api/admin/dead-letters", methods=["GET"])
def dead_letters():
    """Pushes the callback worker gave up on (the dead-letter queue), left on the queue."""
    from chalicelib.admin import operations

    request = bp.current_request
    require_admin(request)
    return operations.dead_letters(query_params(request))


@bp.route("/api/admin/dead-letters/redrive", methods=["POST"], body=REDRIVE_BODY)
def redrive_dead_letters():
    """Send chosen dead letters ({"ids": [...]}) back to the callback queue (audited)."""
    from chalicelib.admin import operations

    request = bp.current_request
    admin = require_admin(request)
    return operations.redrive(json_object(request), admin)


@bp.route("/api/admin/rate-limits", methods=["GET"])
def rate_limits():
    """The request rate limits in force (WXBASE_RATE_LIMITS or the defaults) and the budgets on WeChat's paid calls
    (WXBASE_WECHAT_BUDGETS over the defaults)."""
    from chalicelib.limits import rules
    from chalicelib.wechat import budgets

    require_admin(bp.current_request)
    return {**rules.describe(), "budgets": budgets.describe()}
