"""Subscribe messages: send now or schedule (admin key, or a user to themselves)."""
from chalice import Response

from chalicelib.routes import schemas
from chalicelib.routes.blueprint import ApiBlueprint
from chalicelib.routes.common import audit_admin, is_admin, json_object, require_admin, require_user

bp = ApiBlueprint(__name__)


@bp.route("/api/wechat/subscribe-messages", methods=["POST"], body="chalicelib.messages.subscribe:SEND_BODY",
          responses={"200": schemas.SENT, "202": schemas.QUEUED})
def send_subscribe_message():
    """Send a subscribe message now, or queue it with `sendAt` (202)."""
    from chalicelib.messages import subscribe

    request = bp.current_request
    admin = is_admin(request)
    claims = None if admin else require_user(request)
    body = json_object(request)
    status, result = subscribe.submit(body, admin=admin, claims=claims)
    if admin:
        audit_admin(request, "send-subscribe-message", appid=body.get("appid"), template=body.get("template_id"),
                    status=result.get("status") if isinstance(result, dict) else None)
    return Response(body=result, status_code=status, headers={"Content-Type": "application/json"})


@bp.route("/api/wechat/subscribe-messages/{message_id}", methods=["GET"], responses={"200": schemas.MESSAGE})
def get_subscribe_message(message_id):
    """A queued message's status (admin key)."""
    from chalicelib.messages import subscribe

    require_admin(bp.current_request)
    return subscribe.get(message_id)
