"""WeChat Pay's notifications: `POST /api/pay/notify/{mchid}` (payments and refunds).

WeChat Pay reads only the status: 200/204 stops its retries, anything else makes it send again later. A refusal
answers `{"code","message"}` as its documentation asks, never PocketBase's error body.
"""
from chalice import Response

from chalicelib.routes.blueprint import ApiBlueprint
from chalicelib.routes.common import raw_body

bp = ApiBlueprint(__name__)
NOTIFY_BODY = {"required": True, "description": "WeChat Pay's signed notification (Wechatpay-Serial, "
               "-Signature, -Timestamp and -Nonce headers) with an AEAD_AES_256_GCM resource",
               "content": {"application/json": {"schema": {"type": "object"}}}}
REFUSED = {"type": "object", "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}


@bp.route("/api/pay/notify/{mchid}", methods=["POST"], body=NOTIFY_BODY,
          responses={"204": None, "400": REFUSED, "401": REFUSED, "404": REFUSED})
def notify(mchid):
    """Receive a WeChat Pay notification: verified, decrypted, applied at most once."""
    from chalicelib.core.errors import ApiError
    from chalicelib.payments import notifications, service

    request = bp.current_request
    try:
        service.receive(mchid, request.headers, raw_body(request))
    except notifications.Refused as exc:
        return Response(body={"code": exc.code, "message": exc.message}, status_code=exc.status)
    except ApiError as exc:  # an unknown merchant, a storage error: WeChat Pay sends it again later
        return Response(body={"code": "FAIL", "message": exc.message}, status_code=exc.status)
    return Response(body="", status_code=204)
