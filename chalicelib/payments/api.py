"""The HTTP client of WeChat Pay API v3 (WECHATPAY_API_BASE): each request signed over the exact bytes sent, each
answer's signature verified before its body is believed.

A failure to connect is retried (nothing reached WeChat Pay); a read timeout is not, except for GETs, since a
repeated POST could act twice where WeChat Pay doesn't deduplicate it. WeChat Pay's error answers
(`{"code","message"}`) become PayError with the same code; an answer whose signature doesn't verify is a 502.
"""
from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

from chalicelib.core import logs
from chalicelib.core.errors import ApiError, BadGateway, ServiceUnavailable
from chalicelib.payments import crypto, merchants
from chalicelib.payments.merchants import Merchant
from chalicelib.wechat import transport

CONNECT_TIMEOUT = 2.0
READ_TIMEOUT = 8.0
MAX_ATTEMPTS = 3

class PayError(ApiError):
    """WeChat Pay refused a request: `code` is its error code (ORDER_NOT_EXIST, PARAM_ERROR, …)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        self.status = 404 if status == 404 else 400
        self.code = code
        super().__init__(f"WeChat Pay: {code}: {message}", {"code": {"code": "wechatpay_" + code.lower(),
                                                                     "message": message}})


def call(merchant: Merchant, method: str, path: str, body: dict[str, Any] | None = None,
         query: dict[str, str] | None = None) -> dict[str, Any]:
    """Send one signed request; the verified JSON answer ({} for 204)."""
    target = path + ("?" + urlencode(query) if query else "")
    status, headers, content = _send(merchant, method, path, target, body)
    return _answer(merchant, path, status, headers, content)


def download(merchant: Merchant, url: str, sha1: str) -> bytes:
    """A bill from the `download_url` WeChat Pay gave (same host): a signed GET whose answer is not signed, so its
    SHA1 must be the one the signed bill answer named."""
    import hashlib
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    target = parts.path + ("?" + parts.query if parts.query else "")
    status, headers, content = _send(merchant, "GET", parts.path, target, None)
    if status >= 400:
        _answer(merchant, parts.path, status, headers, content)  # WeChat Pay's error answer raises PayError
        raise BadGateway("WeChat Pay's bill could not be downloaded.")
    if hashlib.sha1(content).hexdigest().lower() != sha1.lower():
        raise BadGateway("WeChat Pay's bill does not match its hash.")
    return content


def _send(merchant: Merchant, method: str, path: str, target: str,
          body: dict[str, Any] | None) -> tuple[int, Any, bytes]:
    import requests

    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode() if body is not None else b""
    failure = "connect"
    for attempt in range(MAX_ATTEMPTS):
        if attempt:
            time.sleep(0.1 * 2 ** attempt)
        timestamp, nonce_str = str(int(time.time())), crypto.nonce()
        headers = {"Authorization": crypto.authorization(merchant.mchid, merchant.serial_no, merchant.signing_key(),
                                                         method, target, payload, timestamp, nonce_str),
                   "Accept": "application/json", "Content-Type": "application/json",
                   "User-Agent": "wxbase"}
        try:
            response = transport.http_session().request(method, merchants.api_base() + target,
                                                        data=payload or None, headers=headers,
                                                        timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
        except requests.ConnectionError:
            failure = "connect"
            continue
        except requests.Timeout:
            failure = "timeout"
            if method == "GET":
                continue
            break
        except requests.RequestException:
            failure = "request"
            break
        if response.status_code >= 500:
            failure = f"http {response.status_code}"
            continue
        return response.status_code, response.headers, response.content
    logs.event("wechatpay.unavailable", api=path, reason=failure)
    raise ServiceUnavailable("WeChat Pay could not be reached; try again shortly.")


def _answer(merchant: Merchant, path: str, status: int, headers: Any, content: bytes) -> dict[str, Any]:
    if not verified(merchant, headers, content):
        logs.event("wechatpay.unverified_answer", api=path, status=status)
        raise BadGateway("WeChat Pay's answer could not be verified.")
    try:
        data = json.loads(content) if content else {}
    except ValueError:
        raise BadGateway("WeChat Pay answered something other than JSON.") from None
    if status >= 400:
        code = str(data.get("code") or "UNKNOWN") if isinstance(data, dict) else "UNKNOWN"
        message = str(data.get("message") or "") if isinstance(data, dict) else ""
        logs.event("wechatpay.error", api=path, status=status, code=code)
        raise PayError(status, code, message)
    return data if isinstance(data, dict) else {}


def verified(merchant: Merchant, headers: Any, body: bytes) -> bool:
    """WeChat Pay's signature over `timestamp\\nnonce\\nbody\\n` with the key `Wechatpay-Serial` names."""
    key = merchant.verifying_key(headers.get("Wechatpay-Serial", ""))
    signature = headers.get("Wechatpay-Signature", "")
    if key is None or not signature:
        return False
    message = crypto.response_message(headers.get("Wechatpay-Timestamp", ""), headers.get("Wechatpay-Nonce", ""),
                                      body)
    return crypto.verify(key, message, signature)
