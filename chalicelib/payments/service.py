"""What the team's functions do with payments (`ctx.pay`) and what WeChat Pay's notifications do to them.

The order is stored (NOTPAY) before WeChat Pay is asked for a prepay id, so a notification that overtakes the
prepay answer finds its order. Amounts are integers in fen, decided by the server-side caller; the payer is the
signed-in caller in their own app.
"""
from __future__ import annotations

import os
import re
import time
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

from chalicelib.core import logs
from chalicelib.core.errors import BadRequest, NotFound, invalid
from chalicelib.core.settings import ConfigError
from chalicelib.payments import api, crypto, expiry, merchants, notifications, orders
from chalicelib.payments.merchants import Merchant

OUT_TRADE_NO = re.compile(r"^[0-9A-Za-z_\-|*]{6,32}$")
OUT_REFUND_NO = re.compile(r"^[0-9A-Za-z_\-|*@]{1,64}$")
DEFAULT_EXPIRE_MINUTES = 30
UNPAID = ("NOTPAY", "USERPAYING", "PAYERROR")
TZ_CHINA = timezone(timedelta(hours=8))


def notify_url(merchant: Merchant) -> str:
    """Where WeChat Pay sends this merchant's notifications: WXBASE_PUBLIC_URL + /api/pay/notify/{mchid}."""
    base = os.environ.get("WXBASE_PUBLIC_URL", "").rstrip("/")
    if not base:
        raise ConfigError("WXBASE_PUBLIC_URL is not set: WeChat Pay would have nowhere to send notifications.")
    return f"{base}/api/pay/notify/{merchant.mchid}"


def _positive_int(name: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise invalid(name, "validation_invalid_value", "Must be a whole number of fen above 0.")
    return value


def new_out_trade_no() -> str:
    return time.strftime("%Y%m%d%H%M%S") + crypto.nonce(18)


def jsapi(appid: str | None, user_id: str | None, openid: str | None, description: str, amount: int,
          out_trade_no: str | None = None, ref: tuple[str, str] | None = None, attach: str | None = None,
          expire_minutes: int | None = None) -> dict[str, Any]:
    """Create the order and its prepay id; the object `wx.requestPayment` takes (plus `outTradeNo`)."""
    if not user_id or not openid:
        raise BadRequest("Paying needs a signed-in mini-program user.")
    merchant = merchants.for_app(appid)
    assert appid is not None
    amount = _positive_int("amount", amount)
    if not isinstance(description, str) or not 0 < len(description) <= 127:
        raise invalid("description", "validation_invalid_value", "Must be 1 to 127 characters.")
    out_trade_no = out_trade_no or new_out_trade_no()
    if not OUT_TRADE_NO.match(out_trade_no):
        raise invalid("outTradeNo", "validation_invalid_format", "6 to 32 characters of letters, digits, _-|*.")
    minutes = _positive_int("expire_minutes", expire_minutes or DEFAULT_EXPIRE_MINUTES)
    notify = notify_url(merchant)  # before anything is stored: a misconfigured deployment leaves no order behind
    expires = datetime.now(TZ_CHINA).replace(microsecond=0) + timedelta(minutes=minutes)
    record, new = orders.create({
        "outTradeNo": out_trade_no, "mchid": merchant.mchid, "appid": appid, "payer": user_id, "amount": amount,
        "description": description, "refCollection": ref[0] if ref else "", "refId": ref[1] if ref else "",
        "attach": attach or "", "expiresAt": expires.isoformat()})
    if not new and (record.data.get("payer") != user_id or record.data.get("amount") != amount
                    or record.data.get("status") != "NOTPAY"):
        raise invalid("outTradeNo", "validation_not_unique", "This outTradeNo belongs to another order.")
    body = {"appid": appid, "mchid": merchant.mchid, "description": description, "out_trade_no": out_trade_no,
            "time_expire": expires.isoformat() if new else _china_time(record.data.get("expiresAt")),
            "notify_url": notify, "amount": {"total": amount, "currency": "CNY"}, "payer": {"openid": openid}}
    if attach:
        body["attach"] = attach
    if new:  # before the prepay: an order whose prepay failed is closed at its due time all the same
        expiry.schedule(merchant.mchid, out_trade_no, minutes)
    answer = api.call(merchant, "POST", "/v3/pay/transactions/jsapi", body)
    package = f"prepay_id={answer.get('prepay_id', '')}"
    timestamp, nonce_str = str(int(time.time())), crypto.nonce()
    return {"timeStamp": timestamp, "nonceStr": nonce_str, "package": package, "signType": "RSA",
            "paySign": crypto.pay_sign(merchant.signing_key(), appid, timestamp, nonce_str, package),
            "outTradeNo": out_trade_no}


def _china_time(pb_date: Any) -> str:
    """A stored date (`YYYY-MM-DD HH:MM:SS.sssZ`) as WeChat Pay's RFC 3339 in China time."""
    parsed = datetime.strptime(str(pb_date)[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
    return parsed.astimezone(TZ_CHINA).isoformat()


def merchant_for(appid: str | None, out_trade_no: str) -> Merchant:
    """The merchant of the caller's app, or without an app (admins, hooks) the one whose order this is."""
    if appid:
        return merchants.for_app(appid)
    found = next((m for m in merchants.merchants() if orders.find(m.mchid, out_trade_no) is not None), None)
    if found is None:
        raise NotFound("No payment with that outTradeNo.")
    return found


def query(merchant: Merchant, out_trade_no: str) -> dict[str, Any]:
    """WeChat Pay's state of the order, applied to its record; the record."""
    orders.require(merchant.mchid, out_trade_no)
    answer = api.call(merchant, "GET", f"/v3/pay/transactions/out-trade-no/{quote(out_trade_no, safe='')}",
                      query={"mchid": merchant.mchid})
    record, _ = orders.apply_transaction(merchant.mchid, answer)
    return orders.as_admin(record)


def close(merchant: Merchant, out_trade_no: str) -> dict[str, Any]:
    """Close an unpaid order (WeChat Pay, then the record); a paid one is left as it is, as WeChat Pay reports."""
    record = orders.require(merchant.mchid, out_trade_no)
    if record.data.get("status") not in UNPAID:
        return orders.as_admin(record)
    try:
        api.call(merchant, "POST", f"/v3/pay/transactions/out-trade-no/{quote(out_trade_no, safe='')}/close",
                 {"mchid": merchant.mchid})
    except api.PayError as exc:
        if exc.code != "ORDERPAID":
            raise
        return query(merchant, out_trade_no)
    record, _ = orders.apply_transaction(merchant.mchid, {"out_trade_no": out_trade_no, "trade_state": "CLOSED"})
    return orders.as_admin(record)


def refund(merchant: Merchant, out_trade_no: str, amount: int, reason: str | None = None,
           out_refund_no: str | None = None) -> dict[str, Any]:
    """Refund part or all of a paid order. The refund number makes it idempotent: the same number again is the
    same refund (by default the number is derived from the order and the amount)."""
    amount = _positive_int("amount", amount)
    out_refund_no = out_refund_no or f"{out_trade_no}-R{amount}"
    if not OUT_REFUND_NO.match(out_refund_no):
        raise invalid("outRefundNo", "validation_invalid_format", "1 to 64 characters of letters, digits, _-|*@.")
    record, _ = orders.add_refund(merchant.mchid, out_trade_no, out_refund_no, amount, reason)
    body: dict[str, Any] = {"out_trade_no": out_trade_no, "out_refund_no": out_refund_no,
                            "notify_url": notify_url(merchant),
                            "amount": {"refund": amount, "total": int(record.data["amount"]), "currency": "CNY"}}
    if reason:
        body["reason"] = reason[:80]
    try:
        answer = api.call(merchant, "POST", "/v3/refund/domestic/refunds", body)
    except api.PayError as exc:  # turned down: the reserved amount is released (the same number may be sent again)
        orders.apply_refund(merchant.mchid, {"out_trade_no": out_trade_no, "out_refund_no": out_refund_no,
                                             "status": "REFUSED"})
        raise exc from None
    record, _ = orders.apply_refund(merchant.mchid, {**answer, "out_trade_no": out_trade_no})
    return orders.as_admin(record)


def refund_record(record_id: str, amount: int, reason: str | None = None,
                  out_refund_no: str | None = None) -> dict[str, Any]:
    """An admin's refund of a payments record (by its id)."""
    from chalicelib.records import store
    from chalicelib.records.schema.collections import PAYMENTS

    record = store.get(PAYMENTS, record_id)
    if record is None:
        raise NotFound("No such payment.")
    return refund(merchants.by_mchid(record.data["mchid"]), record.data["outTradeNo"], amount, reason, out_refund_no)


def ship(merchant: Merchant, out_trade_no: str, items: list[dict[str, Any]], logistics_type: int = 3) -> Any:
    """Order shipping information (`wxa/sec/order/upload_shipping_info`) for a paid order, through the WeChat
    client of the order's app. `items`: [{"item_desc", "tracking_no"?, "express_company"?, "contact"?}];
    logistics_type 1 express, 2 same-city, 3 virtual goods, 4 pick-up."""
    from chalicelib.core.settings import get_settings
    from chalicelib.store import identities
    from chalicelib.wechat import client

    record = orders.require(merchant.mchid, out_trade_no)
    if record.data.get("status") not in ("SUCCESS", "REFUND"):
        raise invalid("outTradeNo", "validation_invalid_value", "Only a paid order can be shipped.")
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) and i.get("item_desc")
                                                           for i in items):
        raise invalid("items", "validation_invalid_value", "A list of {item_desc, …} entries.")
    identity = identities.identity_for_app(record.data["payer"], record.data["appid"])
    body = {"order_key": {"order_number_type": 1, "mchid": merchant.mchid, "out_trade_no": out_trade_no},
            "logistics_type": logistics_type, "delivery_mode": 1 if len(items) == 1 else 2,
            "is_all_delivered": True, "shipping_list": items,
            "upload_time": datetime.now(TZ_CHINA).replace(microsecond=0).isoformat(),
            "payer": {"openid": (identity or {}).get("openid", "")}}
    if len(items) == 1:
        body.pop("is_all_delivered")
    app = get_settings().app(record.data["appid"])
    return client.for_app(app).call("POST", "/wxa/sec/order/upload_shipping_info", json_body=body)


def receive(mchid: str, headers: Any, body: bytes) -> None:
    """A WeChat Pay notification: verified, decrypted, applied at most once (notifications.Refused otherwise)."""
    merchant = merchants.by_mchid(mchid)
    note = notifications.open_notification(merchant, headers, body)
    try:
        if note.event_type.startswith("REFUND."):
            orders.apply_refund(merchant.mchid, note.resource)
        else:
            orders.apply_transaction(merchant.mchid, note.resource)
    except BadRequest as exc:
        logs.event("wechatpay.notification_refused", mchid=mchid, reason="order", detail=exc.message)
        raise notifications.Refused(400, "PARAM_ERROR", exc.message) from None
    except NotFound:
        logs.event("wechatpay.notification_refused", mchid=mchid, reason="unknown order")
        raise notifications.Refused(404, "ORDER_NOT_EXIST", "No such order.") from None


def expire(payload: dict[str, Any]) -> list[str]:
    """An expiry message (payments/expiry.py, handed over by the callback worker): an order still unpaid at its
    due time is queried (a payment whose notification was lost is found here) and, still unpaid, closed."""
    if expiry.seconds_left(payload):
        return ["waiting"]
    merchant = merchants.by_mchid(str(payload["mchid"]))
    record = orders.find(merchant.mchid, str(payload["outTradeNo"]))
    if record is None or record.data.get("status") not in UNPAID:
        return ["settled"]
    try:
        now = query(merchant, record.data["outTradeNo"])
    except api.PayError as exc:
        if exc.code != "ORDER_NOT_EXIST":
            raise
        # the prepay never reached WeChat Pay: nothing can pay this order any more
        orders.apply_transaction(merchant.mchid, {"out_trade_no": record.data["outTradeNo"],
                                                              "trade_state": "CLOSED"})
        return ["closed locally"]
    if now["status"] in UNPAID:
        now = close(merchant, record.data["outTradeNo"])
    logs.event("payment_expired", mchid=merchant.mchid, outTradeNo=record.data["outTradeNo"], status=now["status"])
    return ["queried", str(now["status"]).lower()]
