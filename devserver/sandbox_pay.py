"""The WeChat Pay v3 side of the sandbox: plays api.mch.weixin.qq.com for `make dev` and the tests.

Written against WeChat Pay's documentation with the `cryptography` package, independently of chalicelib/payments
(pycryptodome), so that the two check each other.

WeChat Pay side (real paths, real error shapes `{"code","message"}`, every answer signed):
  POST /v3/pay/transactions/jsapi                       prepay: {"prepay_id"}; the same order again → the same id
  GET  /v3/pay/transactions/out-trade-no/{no}?mchid=    the transaction (trade_state …), or 404 ORDER_NOT_EXIST
  POST /v3/pay/transactions/out-trade-no/{no}/close     204; a paid order → 400 ORDERPAID
  POST /v3/refund/domestic/refunds                      a refund (PROCESSING), SUCCESS a moment later with a
                                                        REFUND.SUCCESS notification; the same out_refund_no again
                                                        → the same refund; more than is left → 400 INVALID_REQUEST
  GET  /v3/refund/domestic/refunds/{out_refund_no}      the refund
  GET  /v3/bill/tradebill?bill_date=                    the day's trade bill: {"hash_type","hash_value","download_url"};
                                                        the CSV itself (unsigned, as WeChat Pay's) at download_url
Every request must carry a valid `WECHATPAY2-SHA256-RSA2048` Authorization of a known merchant (401 SIGN_ERROR).
Answers and notifications are signed with WeChat Pay's public key (`PUB_KEY_ID_…`) or the platform certificate,
as `/sandbox/pay/config {"signWith": "publicKey"|"certificate"|"alternate"}` says (alternate: the ramp).
Test controls:
  POST /sandbox/pay/confirm {"outTradeNo" or "prepayId","result":"SUCCESS"|"PAYERROR"}   the payer pays (or the
        bank fails):
        SUCCESS sends TRANSACTION.SUCCESS to the order's notify_url until it is answered 2xx, on WeChat Pay's retry
        schedule (15s, 15s, 30s, 3m, …) divided by `retryScale` (default 1000).
  POST /sandbox/pay/config {"signWith"?, "retryScale"?, "refundDelay"?, "prepayDelay"?}   prepayDelay holds the
        prepay answer back (seconds) after the order exists, so it can be paid before the merchant hears back.
  POST /sandbox/pay/reset   forget orders, refunds and notifications (also part of /sandbox/reset).
  GET  /sandbox/pay/notifications?outTradeNo=   each notification sent: event, attempts (answer statuses), done.
"""
from __future__ import annotations

import base64
import datetime
import hashlib
import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import parse_qs, unquote, urlparse

# WeChat Pay's notification retry schedule (seconds), from its documentation: 15s/15s/30s/3m/10m/20m/30m/30m/30m/
# 60m/3h/3h/3h/6h/6h.
RETRY_SCHEDULE = [15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600]
AUTH_SCHEMA = "WECHATPAY2-SHA256-RSA2048"
MAX_SKEW_SECONDS = 300
BILL_HEADER = ("交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,"
               "货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,"
               "商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注")
BILL_SUMMARY_HEADER = "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
CHINA = datetime.timezone(datetime.timedelta(hours=8))


def rsa_key():
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem_private(key) -> str:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _pem_public(key) -> str:
    from cryptography.hazmat.primitives import serialization

    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def _certificate(key, serial: int) -> str:
    """A self-signed certificate standing in for WeChat Pay's platform certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com Root CA (sandbox)")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(serial).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=365 * 5)).sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def sign(key, message: bytes) -> str:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


def verify(public_key, message: bytes, signature: str) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    try:
        public_key.verify(base64.b64decode(signature), message, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def encrypt(api_v3_key: str, plaintext: bytes, associated_data: str) -> dict:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = secrets.token_hex(6)  # 12 characters, as WeChat Pay's
    ciphertext = AESGCM(api_v3_key.encode()).encrypt(nonce.encode(), plaintext, associated_data.encode())
    return {"algorithm": "AEAD_AES_256_GCM", "ciphertext": base64.b64encode(ciphertext).decode(),
            "associated_data": associated_data, "nonce": nonce}


def china_now() -> str:
    return datetime.datetime.now(CHINA).replace(microsecond=0).isoformat()


class WeChatPayKeys:
    """WeChat Pay's two ways of signing: its public key (id `PUB_KEY_ID_…`) and a platform certificate."""

    def __init__(self) -> None:
        self.public_key = rsa_key()
        self.public_key_id = "PUB_KEY_ID_" + "".join(secrets.choice("0123456789") for _ in range(32))
        self.certificate_key = rsa_key()
        serial = secrets.randbits(156) | (1 << 155)
        self.certificate = _certificate(self.certificate_key, serial)
        self.certificate_serial = format(serial, "X")

    def signer(self, kind: str):
        """(serial header value, private key) of `publicKey` or `certificate`."""
        if kind == "certificate":
            return self.certificate_serial, self.certificate_key
        return self.public_key_id, self.public_key


class SandboxMerchant:
    """A merchant the sandbox knows: the public half of its API key (to check requests) and its APIv3 key."""

    def __init__(self, mchid: str, appids, serial_no: str, private_key_pem: str, api_v3_key: str) -> None:
        from cryptography.hazmat.primitives import serialization

        self.mchid = mchid
        self.appids = set(appids)
        self.serial_no = serial_no
        self.public_key = serialization.load_pem_private_key(private_key_pem.encode(), None).public_key()
        self.api_v3_key = api_v3_key

    @classmethod
    def generate(cls, mchid: str, appids) -> tuple["SandboxMerchant", dict]:
        """A new merchant and the WXBASE_MERCHANTS entry (without WeChat Pay's keys) its server would hold."""
        key = rsa_key()
        config = {"mchid": mchid, "appids": list(appids), "serialNo": secrets.token_hex(20).upper(),
                  "privateKey": _pem_private(key), "apiV3Key": secrets.token_hex(16)}
        return cls(mchid, appids, config["serialNo"], config["privateKey"], config["apiV3Key"]), config


class PaySandbox:
    def __init__(self) -> None:
        self.keys = WeChatPayKeys()
        self.merchants: dict[str, SandboxMerchant] = {}
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.orders: dict[tuple[str, str], dict] = {}  # (mchid, out_trade_no) → order
            self.refunds: dict[tuple[str, str], dict] = {}  # (mchid, out_refund_no) → refund
            self.notifications: list[dict] = []
            self.bills: dict[str, bytes] = {}  # download token → the bill's bytes
            self.sign_with = "publicKey"
            self.signed_count = 0
            self.retry_scale = 1000.0
            self.refund_delay = 0.05
            self.prepay_delay = 0.0

    def add_merchant(self, merchant: SandboxMerchant) -> None:
        self.merchants[merchant.mchid] = merchant

    def merchant_config(self, config: dict, public_key: bool = True, certificate: bool = True) -> dict:
        """A WXBASE_MERCHANTS entry with the ways of verifying WeChat Pay's signatures its server would have."""
        entry = dict(config)
        if public_key:
            entry.update(publicKeyId=self.keys.public_key_id, publicKey=_pem_public(self.keys.public_key))
        if certificate:
            entry["platformCertificates"] = [self.keys.certificate]
        return entry

    # --- signing ----------------------------------------------------------------------------------------------
    def signed_headers(self, body: bytes, kind: str | None = None) -> dict:
        with self.lock:
            if kind is None:
                kind = self.sign_with
                if kind == "alternate":
                    kind = ("publicKey", "certificate")[self.signed_count % 2]
                self.signed_count += 1
        serial, key = self.keys.signer(kind)
        timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
        message = f"{timestamp}\n{nonce}\n".encode() + body + b"\n"
        return {"Wechatpay-Serial": serial, "Wechatpay-Signature": sign(key, message),
                "Wechatpay-Timestamp": timestamp, "Wechatpay-Nonce": nonce,
                "Wechatpay-Signature-Type": AUTH_SCHEMA, "Request-ID": secrets.token_hex(16)}

    def check_request(self, method: str, target: str, headers, body: bytes):
        """(merchant, None) when the Authorization header verifies, else (None, (status, error))."""
        auth = headers.get("Authorization") or ""
        schema, _, params = auth.partition(" ")
        fields = {}
        for part in params.split(","):
            key, _, value = part.strip().partition("=")
            fields[key] = value.strip('"')
        merchant = self.merchants.get(fields.get("mchid", ""))
        if schema != AUTH_SCHEMA or merchant is None:
            return None, (401, {"code": "SIGN_ERROR", "message": "Authorization 不合法"})
        if fields.get("serial_no") != merchant.serial_no:
            return None, (401, {"code": "SIGN_ERROR", "message": "商户证书序列号有误"})
        try:
            stale = abs(time.time() - int(fields.get("timestamp", ""))) > MAX_SKEW_SECONDS
        except ValueError:
            stale = True
        message = (f"{method}\n{target}\n{fields.get('timestamp', '')}\n{fields.get('nonce_str', '')}\n".encode()
                   + body + b"\n")
        if stale or not verify(merchant.public_key, message, fields.get("signature", "")):
            return None, (401, {"code": "SIGN_ERROR", "message": "签名错误"})
        return merchant, None

    # --- WeChat Pay --------------------------------------------------------------------------------------------
    def handle(self, method: str, target: str, headers, body: bytes):
        """(status, JSON or None) for one /v3/ request."""
        merchant, error = self.check_request(method, target, headers, body)
        if error:
            return error
        url = urlparse(target)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            return 400, {"code": "PARAM_ERROR", "message": "body is not JSON"}
        parts = url.path.strip("/").split("/")
        if method == "POST" and url.path == "/v3/pay/transactions/jsapi":
            with self.lock:
                answer, delay = self._jsapi(merchant, data), self.prepay_delay
            time.sleep(delay)  # meanwhile the order can be paid, and notified, before the merchant has its answer
            return answer
        with self.lock:
            if parts[:4] == ["v3", "pay", "transactions", "out-trade-no"] and len(parts) in (5, 6):
                out_trade_no = unquote(parts[4])
                if method == "GET" and len(parts) == 5:
                    if query.get("mchid") != merchant.mchid:
                        return 400, {"code": "PARAM_ERROR", "message": "mchid 与请求方不一致"}
                    return self._query(merchant, out_trade_no)
                if method == "POST" and parts[5:] == ["close"]:
                    return self._close(merchant, out_trade_no, data)
            if method == "POST" and url.path == "/v3/refund/domestic/refunds":
                return self._refund(merchant, data)
            if method == "GET" and url.path == "/v3/bill/tradebill":
                return self._trade_bill(merchant, query.get("bill_date", ""), headers.get("Host", ""))
            if method == "GET" and url.path == "/v3/billdownload/file":
                found = self.bills.get(query.get("token", ""))
                return (200, found) if found else (400, {"code": "INVALID_REQUEST", "message": "token 无效"})
            if method == "GET" and parts[:4] == ["v3", "refund", "domestic", "refunds"] and len(parts) == 5:
                found = self.refunds.get((merchant.mchid, unquote(parts[4])))
                return (200, self._refund_view(found)) if found else (404, {"code": "RESOURCE_NOT_EXISTS",
                                                                             "message": "退款单不存在"})
        return 404, {"code": "NOT_FOUND", "message": "no such API in the sandbox"}

    def _jsapi(self, merchant, data):
        out_trade_no = data.get("out_trade_no") or ""
        total = (data.get("amount") or {}).get("total")
        missing = [k for k in ("appid", "mchid", "description", "out_trade_no", "notify_url") if not data.get(k)]
        if missing or not isinstance(total, int) or total < 1 or not (data.get("payer") or {}).get("openid"):
            return 400, {"code": "PARAM_ERROR", "message": f"输入源“/body”映射到值字段“{(missing or ['amount'])[0]}”"}
        if data["mchid"] != merchant.mchid:
            return 400, {"code": "PARAM_ERROR", "message": "mchid 与请求方不一致"}
        if data["appid"] not in merchant.appids:
            return 400, {"code": "APPID_MCHID_NOT_MATCH", "message": "appid和mch_id不匹配"}
        existing = self.orders.get((merchant.mchid, out_trade_no))
        if existing is not None:
            if existing["trade_state"] in ("SUCCESS", "REFUND"):
                return 400, {"code": "ORDERPAID", "message": "该订单已支付"}
            if existing["trade_state"] == "CLOSED":
                return 400, {"code": "ORDER_CLOSED", "message": "该订单已关闭"}
            if existing["request"] != {k: v for k, v in data.items() if k != "time_expire"}:
                return 400, {"code": "INVALID_REQUEST", "message": "201 商户订单号重复"}
            return 200, {"prepay_id": existing["prepay_id"]}
        order = {"request": {k: v for k, v in data.items() if k != "time_expire"}, "mchid": merchant.mchid,
                 "appid": data["appid"], "out_trade_no": out_trade_no, "trade_state": "NOTPAY",
                 "prepay_id": "wx" + secrets.token_hex(16)[:32], "total": total, "refunded": 0,
                 "openid": data["payer"]["openid"], "attach": data.get("attach", ""),
                 "description": data["description"],
                 "notify_url": data["notify_url"], "transaction_id": "", "success_time": ""}
        self.orders[(merchant.mchid, out_trade_no)] = order
        return 200, {"prepay_id": order["prepay_id"]}

    def transaction(self, order: dict) -> dict:
        """The transaction as WeChat Pay's query and notifications show it."""
        answer = {"appid": order["appid"], "mchid": order["mchid"], "out_trade_no": order["out_trade_no"],
                  "trade_state": order["trade_state"], "trade_state_desc": order["trade_state"],
                  "attach": order["attach"], "payer": {"openid": order["openid"]},
                  "amount": {"total": order["total"], "currency": "CNY"}}
        if order["transaction_id"]:
            answer.update(transaction_id=order["transaction_id"], trade_type="JSAPI", bank_type="OTHERS",
                          success_time=order["success_time"])
            answer["amount"].update(payer_total=order["total"], payer_currency="CNY")
        return answer

    def _query(self, merchant, out_trade_no):
        order = self.orders.get((merchant.mchid, out_trade_no))
        if order is None:
            return 404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"}
        return 200, self.transaction(order)

    def _close(self, merchant, out_trade_no, data):
        if data.get("mchid") != merchant.mchid:
            return 400, {"code": "PARAM_ERROR", "message": "mchid 与请求方不一致"}
        order = self.orders.get((merchant.mchid, out_trade_no))
        if order is None:
            return 404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"}
        if order["trade_state"] in ("SUCCESS", "REFUND"):
            return 400, {"code": "ORDERPAID", "message": "订单已支付"}
        order["trade_state"] = "CLOSED"
        return 204, None

    def _refund(self, merchant, data):
        out_refund_no = data.get("out_refund_no") or ""
        amount = data.get("amount") or {}
        order = self.orders.get((merchant.mchid, data.get("out_trade_no") or ""))
        if not out_refund_no or not isinstance(amount.get("refund"), int) or amount["refund"] < 1:
            return 400, {"code": "PARAM_ERROR", "message": "输入源“/body”映射到值字段“out_refund_no”或“refund”"}
        if order is None:
            return 404, {"code": "RESOURCE_NOT_EXISTS", "message": "订单不存在"}
        existing = self.refunds.get((merchant.mchid, out_refund_no))
        if existing is not None:
            return 200, self._refund_view(existing)
        if order["trade_state"] not in ("SUCCESS", "REFUND"):
            return 400, {"code": "INVALID_REQUEST", "message": "订单未支付"}
        if amount.get("total") != order["total"]:
            return 400, {"code": "INVALID_REQUEST", "message": "订单金额或退款金额与之前请求不一致"}
        if order["refunded"] + amount["refund"] > order["total"]:
            return 400, {"code": "INVALID_REQUEST", "message": "申请退款金额超过订单可退金额"}
        order["refunded"] += amount["refund"]
        order["trade_state"] = "REFUND"
        refund = {"refund_id": "50" + secrets.token_hex(14), "out_refund_no": out_refund_no, "order": order,
                  "status": "PROCESSING", "refund": amount["refund"], "create_time": china_now(),
                  "success_time": "", "notify_url": data.get("notify_url", "")}
        self.refunds[(merchant.mchid, out_refund_no)] = refund
        timer = threading.Timer(self.refund_delay, self._settle_refund, args=(merchant, refund))
        timer.daemon = True
        timer.start()
        return 200, self._refund_view(refund)

    def _refund_view(self, refund):
        order = refund["order"]
        view = {"refund_id": refund["refund_id"], "out_refund_no": refund["out_refund_no"],
                "transaction_id": order["transaction_id"], "out_trade_no": order["out_trade_no"],
                "channel": "ORIGINAL", "user_received_account": "支付用户零钱", "create_time": refund["create_time"],
                "status": refund["status"], "funds_account": "AVAILABLE",
                "amount": {"total": order["total"], "refund": refund["refund"], "payer_total": order["total"],
                           "payer_refund": refund["refund"], "currency": "CNY"}}
        if refund["success_time"]:
            view["success_time"] = refund["success_time"]
        return view

    def _settle_refund(self, merchant, refund):
        with self.lock:
            refund["status"], refund["success_time"] = "SUCCESS", china_now()
            order = refund["order"]
            resource = {"mchid": merchant.mchid, "out_trade_no": order["out_trade_no"],
                        "transaction_id": order["transaction_id"], "out_refund_no": refund["out_refund_no"],
                        "refund_id": refund["refund_id"], "refund_status": "SUCCESS",
                        "success_time": refund["success_time"], "user_received_account": "支付用户零钱",
                        "amount": {"total": order["total"], "refund": refund["refund"],
                                   "payer_total": order["total"], "payer_refund": refund["refund"]}}
        if refund["notify_url"]:
            self.notify(merchant, refund["notify_url"], "REFUND.SUCCESS", "refund", resource,
                        order["out_trade_no"])

    def _trade_bill(self, merchant, bill_date: str, host: str):
        """The day's trade bill (China time) as WeChat Pay writes it: backtick-prefixed CSV, amounts in yuan, then
        a summary; answered with its download URL and SHA1."""
        try:
            day = datetime.date.fromisoformat(bill_date)
        except ValueError:
            return 400, {"code": "PARAM_ERROR", "message": "bill_date 格式错误"}
        lines = [BILL_HEADER]
        total = 0
        for order in self.orders.values():
            if order["mchid"] != merchant.mchid or not order["success_time"] \
                    or datetime.datetime.fromisoformat(order["success_time"]).date() != day:
                continue
            yuan = f"{order['total'] / 100:.2f}"
            total += order["total"]
            values = [order["success_time"].replace("T", " ")[:19], order["appid"], merchant.mchid, "0", "",
                      order["transaction_id"], order["out_trade_no"], order["openid"], "JSAPI", "SUCCESS", "OTHERS",
                      "CNY", yuan, "0.00", "0", "0", "0.00", "0.00", "", "", order["description"], order["attach"],
                      "0.00000", "0.60%", yuan, "0.00", ""]
            lines.append(",".join("`" + v for v in values))
        count = len(lines) - 1
        lines.append(BILL_SUMMARY_HEADER)
        lines.append(",".join("`" + v for v in [str(count), f"{total / 100:.2f}", "0.00", "0.00", "0.00000",
                                                 f"{total / 100:.2f}", "0.00"]))
        content = ("\r\n".join(lines) + "\r\n").encode()
        token = secrets.token_hex(16)
        self.bills[token] = content
        return 200, {"hash_type": "SHA1", "hash_value": hashlib.sha1(content).hexdigest(),
                     "download_url": f"https://{host}/v3/billdownload/file?token={token}"}

    # --- the payer and the notifications ------------------------------------------------------------------------
    def confirm(self, out_trade_no: str, result: str, prepay_id: str | None = None):
        """The payer pays (SUCCESS) or the bank refuses (PAYERROR): (status, answer) for the control endpoint.
        The order is named by its out_trade_no, or by its prepay id (all a phone's payment sheet knows)."""
        with self.lock:
            found = [o for (m, no), o in self.orders.items()
                     if (prepay_id and o["prepay_id"] == prepay_id) or (not prepay_id and no == out_trade_no)]
            if not found:
                return 404, {"error": "no such order"}
            order = found[0]
            if order["trade_state"] not in ("NOTPAY", "PAYERROR"):
                return 409, {"error": f"the order is {order['trade_state']}"}
            order["trade_state"] = result
            if result == "SUCCESS":
                order["transaction_id"] = "42" + "".join(secrets.choice("0123456789") for _ in range(26))
                order["success_time"] = china_now()
            transaction = self.transaction(order)
            merchant = self.merchants[order["mchid"]]
        if result == "SUCCESS":  # WeChat Pay notifies successful payments only; a failure shows in the query
            self.notify(merchant, order["notify_url"], "TRANSACTION.SUCCESS", "transaction", transaction,
                        order["out_trade_no"])
        return 200, {"ok": True, "transaction": transaction}

    def notification(self, merchant, event_type: str, original_type: str, resource: dict) -> bytes:
        summary = "支付成功" if event_type == "TRANSACTION.SUCCESS" else "退款成功"
        plaintext = json.dumps(resource, ensure_ascii=False).encode()
        envelope = {"id": secrets.token_hex(18), "create_time": china_now(), "resource_type": "encrypt-resource",
                    "event_type": event_type, "summary": summary,
                    "resource": {**encrypt(merchant.api_v3_key, plaintext, original_type),
                                 "original_type": original_type}}
        return json.dumps(envelope, ensure_ascii=False).encode()

    def notify(self, merchant, url: str, event_type: str, original_type: str, resource: dict, out_trade_no: str):
        """Send a notification from a thread, retrying until answered 2xx or the schedule runs out."""
        entry = {"outTradeNo": out_trade_no, "event": event_type, "attempts": [], "done": False}
        with self.lock:
            self.notifications.append(entry)
            scale = self.retry_scale
        body = self.notification(merchant, event_type, original_type, resource)

        def deliver():
            for wait in [0] + RETRY_SCHEDULE:
                time.sleep(wait / scale)
                status = self.post(url, body)
                with self.lock:
                    entry["attempts"].append(status)
                    if 200 <= status < 300:
                        entry["done"] = True
                        return

        threading.Thread(target=deliver, name="wechatpay-notify", daemon=True).start()

    def post(self, url: str, body: bytes, headers: dict | None = None) -> int:
        """POST a notification signed now (each attempt signs afresh, as WeChat Pay does); the answer's status."""
        all_headers = {"Content-Type": "application/json", "User-Agent": "Mozilla/4.0",
                       **(headers or self.signed_headers(body))}
        request = urllib.request.Request(url, data=body, method="POST", headers=all_headers)
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except (OSError, ValueError):
            return 0

    # --- controls ------------------------------------------------------------------------------------------------
    def control(self, method: str, path: str, query: dict, body: dict):
        if (method, path) == ("POST", "/sandbox/pay/confirm"):
            if body.get("result", "SUCCESS") not in ("SUCCESS", "PAYERROR") or not (body.get("outTradeNo")
                                                                                 or body.get("prepayId")):
                return 400, {"error": "needs outTradeNo (or prepayId) and result SUCCESS or PAYERROR"}
            return self.confirm(body.get("outTradeNo") or "", body.get("result", "SUCCESS"), body.get("prepayId"))
        if (method, path) == ("POST", "/sandbox/pay/config"):
            with self.lock:
                if body.get("signWith") in ("publicKey", "certificate", "alternate"):
                    self.sign_with = body["signWith"]
                if "retryScale" in body:
                    self.retry_scale = max(1.0, float(body["retryScale"]))
                if "refundDelay" in body:
                    self.refund_delay = max(0.0, float(body["refundDelay"]))
                if "prepayDelay" in body:
                    self.prepay_delay = max(0.0, min(10.0, float(body["prepayDelay"])))
            return 200, {"ok": True}
        if (method, path) == ("GET", "/sandbox/pay/notifications"):
            with self.lock:
                wanted = query.get("outTradeNo")
                return 200, [dict(n, attempts=list(n["attempts"])) for n in self.notifications
                             if not wanted or n["outTradeNo"] == wanted]
        if (method, path) == ("POST", "/sandbox/pay/reset"):
            self.reset()
            return 200, {"ok": True}
        return 404, {"error": "unknown sandbox control"}

    def upload_shipping_info(self, appid: str, body: dict):
        """`wxa/sec/order/upload_shipping_info` (WeChat's side of shipping): the order must exist and be paid."""
        key = body.get("order_key") or {}
        with self.lock:
            order = self.orders.get((key.get("mchid", ""), key.get("out_trade_no", "")))
            if order is None or order["appid"] != appid:
                return {"errcode": 10060001, "errmsg": "支付单不存在"}
            if order["trade_state"] not in ("SUCCESS", "REFUND"):
                return {"errcode": 10060003, "errmsg": "支付单未完成支付"}
            if (body.get("payer") or {}).get("openid") != order["openid"]:
                return {"errcode": 10060002, "errmsg": "payer openid 不匹配"}
            if not body.get("shipping_list") or not body.get("logistics_type"):
                return {"errcode": 10060014, "errmsg": "参数错误"}
            order["shipping"] = body
        return {"errcode": 0, "errmsg": "ok"}
