"""WeChat Pay's notifications: `POST /api/pay/notify/{mchid}` (payments and refunds); and the console's payments
API for admins: a refund of a payment, the reconciliation reports.

WeChat Pay reads only the status: 200/204 stops its retries, anything else makes it send again later. A refusal
answers `{"code","message"}` as its documentation asks, never PocketBase's error body.
"""
from chalice import Response

from chalicelib.core import validate
from chalicelib.routes.blueprint import ApiBlueprint
from chalicelib.routes.common import json_object, query_params, raw_body, require_admin

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


REFUND_BODY = validate.Body(
    validate.Integer("amount", minimum=1, description="fen to refund"),
    validate.Text("reason", required=False, max_length=80),
    validate.Text("outRefundNo", required=False, max_length=64,
                  description="the refund number (default: derived from the order and the amount)"))


@bp.route("/api/admin/payments/{record_id}/refund", methods=["POST"], body=REFUND_BODY)
def refund_payment(record_id):
    """Refund part or all of a paid payment (admins): the payments record after it."""
    from chalicelib.payments import service

    request = bp.current_request
    require_admin(request)
    values = REFUND_BODY.read(json_object(request))
    return service.refund_record(record_id, values["amount"], values["reason"], values["outRefundNo"])


@bp.route("/api/admin/payments/reports", methods=["GET"])
def reconciliation_reports():
    """The latest daily reconciliations of each merchant (`days`, default 14), newest first (admins)."""
    from chalicelib.payments import bills

    request = bp.current_request
    require_admin(request)
    days = validate.integer(query_params(request), "days", required=False, minimum=1, maximum=90) or 14
    return {"items": bills.latest_reports(days)}
