"""WeChat Pay in the tests: the sandbox's pay controls, test-only functions that use ctx.pay, and notifications
built independently of wxbase (the `wechatpayv3` SDK's signing, `cryptography`'s AES-GCM) with the sandbox's keys,
so that each refusal can be produced exactly."""
import base64
import json
import secrets
import time

import pytest
import requests
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from wechatpayv3 import utils as sdk

from chalicelib.functions import function
from devserver.sandbox_pay import china_now

PAYMENTS = "/api/collections/payments/records"


@function("fx_pay_buy", auth="user")
def buy(ctx, body):
    """A payment of exactly the body's amount (tests only: a real shop decides the amount itself)."""
    return ctx.pay.jsapi(description=body.get("description", "test order"), amount=body["amount"],
                         out_trade_no=body.get("outTradeNo"), attach=body.get("attach"),
                         expire_minutes=body.get("expireMinutes"))


@function("fx_pay_admin", auth="admin")
def manage(ctx, body):
    """query, close or refund an order as the deployment."""
    no = body["outTradeNo"]
    if body["op"] == "query":
        return ctx.pay.query(no)
    if body["op"] == "close":
        return ctx.pay.close(no)
    return ctx.pay.refund(no, body["amount"], reason=body.get("reason"), out_refund_no=body.get("outRefundNo"))


@pytest.fixture
def pay(stack, _live_server, sandbox, monkeypatch):
    """The sandbox's WeChat Pay, reset, with notifications going to the live server."""
    monkeypatch.setenv("WXBASE_PUBLIC_URL", _live_server.url)
    control = PayControl(stack)
    control.config(signWith="publicKey", retryScale=1000, prepayDelay=0)
    return control


class PayControl:
    def __init__(self, stack):
        self.url = stack.sandbox.url
        self.sandbox = stack.sandbox.state.pay
        self.merchant = json.loads(stack.env["WXBASE_MERCHANTS"])[0]
        self.mchid = self.merchant["mchid"]

    def config(self, **values):
        requests.post(self.url + "/sandbox/pay/config", json=values, timeout=5).raise_for_status()

    def confirm(self, out_trade_no, result="SUCCESS"):
        return requests.post(self.url + "/sandbox/pay/confirm", json={"outTradeNo": out_trade_no, "result": result},
                             timeout=5)

    def notifications(self, out_trade_no):
        return requests.get(self.url + "/sandbox/pay/notifications", params={"outTradeNo": out_trade_no},
                            timeout=5).json()

    def order(self, out_trade_no):
        return self.sandbox.orders[(self.mchid, out_trade_no)]

    # --- notifications made here -----------------------------------------------------------------------------
    def envelope(self, resource, event_type="TRANSACTION.SUCCESS", original_type="transaction", key=None):
        nonce = secrets.token_hex(6)
        ciphertext = AESGCM((key or self.merchant["apiV3Key"]).encode()).encrypt(
            nonce.encode(), json.dumps(resource).encode(), original_type.encode())
        return json.dumps({"id": secrets.token_hex(8), "create_time": china_now(), "event_type": event_type,
                           "resource_type": "encrypt-resource", "summary": "支付成功",
                           "resource": {"algorithm": "AEAD_AES_256_GCM", "original_type": original_type,
                                        "ciphertext": base64.b64encode(ciphertext).decode(),
                                        "associated_data": original_type, "nonce": nonce}}).encode()

    def headers(self, body, kind="publicKey", timestamp=None, serial=None):
        found_serial, key = self.sandbox.keys.signer(kind)
        timestamp = str(int(time.time()) if timestamp is None else timestamp)
        nonce = secrets.token_hex(16)
        signature = sdk.rsa_sign(key, f"{timestamp}\n{nonce}\n{body.decode()}\n")
        return {"Wechatpay-Serial": serial or found_serial, "Wechatpay-Signature": signature,
                "Wechatpay-Timestamp": timestamp, "Wechatpay-Nonce": nonce, "Content-Type": "application/json"}

    def paid(self, record, amount=None, transaction_id="4200000000000000000000000001"):
        """The transaction WeChat Pay would report for a paid order."""
        return {"appid": record["appid"], "mchid": record["mchid"], "out_trade_no": record["outTradeNo"],
                "transaction_id": transaction_id, "trade_type": "JSAPI", "trade_state": "SUCCESS",
                "trade_state_desc": "支付成功", "success_time": china_now(), "payer": {"openid": "o-any"},
                "amount": {"total": record["amount"] if amount is None else amount, "currency": "CNY"}}


def wait_for(check, timeout=10.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
