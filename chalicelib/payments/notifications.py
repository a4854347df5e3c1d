"""WeChat Pay's notifications (payments and refunds), verified before anything is read from them.

Order of checks: the `Wechatpay-Signature` is not one of WeChat Pay's `WECHATPAY/SIGNTEST/` probes (those test
that the merchant does verify, and must fail); the timestamp is within 5 minutes of now (a replayed old
notification fails here); `Wechatpay-Serial` names a key this merchant holds (the WeChat Pay public key or a
platform certificate, both during the migration ramp); the signature over `timestamp\\nnonce\\nbody\\n` verifies.
Only then is the body parsed and its resource decrypted (AEAD_AES_256_GCM with the APIv3 key).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from chalicelib.core import logs
from chalicelib.core.errors import ApiError
from chalicelib.payments import api, crypto
from chalicelib.payments.merchants import Merchant

MAX_AGE_SECONDS = 300
SIGNTEST_PREFIX = "WECHATPAY/SIGNTEST/"


class Refused(ApiError):
    """A notification that is not applied; WeChat Pay retries it (answered `{"code","message"}`)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        self.status = status
        self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class Notification:
    id: str
    event_type: str  # TRANSACTION.SUCCESS, REFUND.SUCCESS, REFUND.ABNORMAL, REFUND.CLOSED, …
    resource: dict[str, Any]  # the decrypted transaction or refund


def open_notification(merchant: Merchant, headers: Any, body: bytes, now: float | None = None) -> Notification:
    signature = headers.get("Wechatpay-Signature", "")
    if signature.startswith(SIGNTEST_PREFIX):
        return _refuse(merchant, 401, "SIGN_ERROR", "signature probe refused", "signtest")
    try:
        stamp = int(headers.get("Wechatpay-Timestamp", ""))
    except ValueError:
        return _refuse(merchant, 401, "SIGN_ERROR", "missing or bad Wechatpay-Timestamp", "timestamp")
    if abs((now if now is not None else time.time()) - stamp) > MAX_AGE_SECONDS:
        return _refuse(merchant, 401, "SIGN_ERROR", "timestamp outside the 5-minute window", "stale")
    if merchant.verifying_key(headers.get("Wechatpay-Serial", "")) is None:
        return _refuse(merchant, 401, "SIGN_ERROR", "unknown Wechatpay-Serial", "serial")
    if not api.verified(merchant, headers, body):
        return _refuse(merchant, 401, "SIGN_ERROR", "signature does not verify", "signature")
    try:
        envelope = json.loads(body)
        resource = envelope["resource"]
        plaintext = crypto.decrypt(merchant.api_v3_key_bytes(), str(resource["nonce"]),
                                   str(resource["ciphertext"]), str(resource.get("associated_data") or ""))
    except (ValueError, KeyError, TypeError):
        return _refuse(merchant, 400, "PARAM_ERROR", "not a WeChat Pay notification", "shape")
    if plaintext is None:
        return _refuse(merchant, 400, "PARAM_ERROR", "resource does not decrypt", "decrypt")
    try:
        decrypted = json.loads(plaintext)
    except ValueError:
        decrypted = None
    if not isinstance(decrypted, dict) or decrypted.get("mchid") not in (None, merchant.mchid):
        return _refuse(merchant, 400, "PARAM_ERROR", "resource is not for this merchant", "resource")
    return Notification(id=str(envelope.get("id", "")), event_type=str(envelope.get("event_type", "")),
                        resource=decrypted)


def _refuse(merchant: Merchant, status: int, code: str, message: str, reason: str) -> Any:
    logs.event("wechatpay.notification_refused", mchid=merchant.mchid, reason=reason)
    raise Refused(status, code, message)
