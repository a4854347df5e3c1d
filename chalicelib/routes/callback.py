"""WeChat's message-push callback: GET for URL verification, POST for pushes (XML or JSON, any mode)."""
from chalice import Response

from chalicelib.core.settings import get_settings
from chalicelib.routes import schemas
from chalicelib.routes.blueprint import ApiBlueprint
from chalicelib.routes.common import query_params, raw_body

bp = ApiBlueprint(__name__)

PUSH_CONTENT_TYPES = ["text/xml", "application/xml", "application/json"]
PUSH_BODY = {"required": True, "description": "WeChat's push, signed by the query string (timestamp, nonce, "
             "signature; encrypt_type and msg_signature in compatible and safe mode)",
             "content": {"text/xml": {"schema": {"type": "string"}}, "application/xml": {"schema": {"type": "string"}},
                         "application/json": {"schema": {"type": "object"}}}}


def _text(body):
    return Response(body=body, status_code=200,
                    headers={"Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff"})


@bp.route("/api/wechat/callback/{appid}", methods=["GET"], responses={"200": schemas.TEXT_PLAIN})
def verify_callback_url(appid):
    """WeChat's URL verification: echo `echostr` when the signature is valid."""
    from chalicelib.wechat import callback

    app = get_settings().app(appid)
    return _text(callback.verify_url(app, query_params(bp.current_request)))


@bp.route("/api/wechat/callback/{appid}", methods=["POST"], content_types=PUSH_CONTENT_TYPES, body=PUSH_BODY,
          responses={"200": schemas.TEXT_PLAIN})
def receive_push(appid):
    """Receive a pushed message or event: verified, deduplicated and queued, answered with `success` at once."""
    from chalicelib.wechat import callback

    request = bp.current_request
    app = get_settings().app(appid)
    callback.receive(app, query_params(request), raw_body(request))
    return _text("success")
