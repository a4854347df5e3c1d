"""POST /api/pay/notify/{mchid}: every notification verified before anything is read from it, applied at most once.

Notifications here are made by the tests (the `wechatpayv3` SDK's signing, `cryptography`'s AES-GCM) with the
sandbox's WeChat Pay keys, so each refusal is exact: a bad signature, a serial the merchant doesn't hold, a stale
timestamp, WeChat Pay's SIGNTEST probe, a tampered resource, an amount that isn't the order's. Also: 20 concurrent
copies applying once, and the public-key ramp (some notifications signed by the certificate, some by the key)."""
import concurrent.futures
import json
import secrets
import time

import pytest

from tests import pay_helpers  # noqa: F401 (declares the test-only functions fx_pay_buy, fx_pay_admin)
from tests.pay_helpers import PAYMENTS, pay, wait_for  # noqa: F401 (pay: the fixture)
from tests.stackenv import ADMIN_KEY, APP1


def order(live, amount=1234):
    login = live.login(f"notify-{secrets.token_hex(4)}", APP1)
    no = live.post("/api/functions/fx_pay_buy", {"amount": amount}, token=login["token"]).json["outTradeNo"]
    found = live.get(f"{PAYMENTS}?filter=(outTradeNo='{no}')", token=ADMIN_KEY).json["items"][0]
    return found


def notify(live, pay, body, headers, mchid=None):
    return live.post(f"/api/pay/notify/{mchid or pay.mchid}", body, headers=headers)


def status(live, record):
    return live.get(f"{PAYMENTS}/{record['id']}", token=ADMIN_KEY).json["status"]


def version(ddb, record):
    from chalicelib.core.settings import get_settings
    from chalicelib.store import keys

    key = {k: {"S": v} for k, v in keys.record("payments", record["id"]).items()}
    return int(ddb.get_item(TableName=get_settings().table_name, Key=key, ConsistentRead=True)["Item"]["v"]["N"])


def test_a_verified_notification_is_answered_204_and_applied(live, pay):
    record = order(live)
    body = pay.envelope(pay.paid(record))
    reply = notify(live, pay, body, pay.headers(body))
    assert reply.status in (200, 204) and reply.body == b""
    assert status(live, record) == "SUCCESS"


@pytest.mark.parametrize("case", ["bad signature", "wrong serial", "stale timestamp", "future timestamp",
                                  "signtest", "no headers"])
def test_unverified_notifications_are_refused_before_anything_is_read(live, pay, case):
    record = order(live)
    body = pay.envelope(pay.paid(record))
    headers = pay.headers(body)
    if case == "bad signature":
        headers = pay.headers(body.replace(b'"id": "', b'"id": "x'))  # signed over another body
    elif case == "wrong serial":
        headers = pay.headers(body, serial="PUB_KEY_ID_0000000000000000000000000000000")
    elif case == "stale timestamp":
        headers = pay.headers(body, timestamp=int(time.time()) - 301)
    elif case == "future timestamp":
        headers = pay.headers(body, timestamp=int(time.time()) + 301)
    elif case == "signtest":
        headers["Wechatpay-Signature"] = "WECHATPAY/SIGNTEST/" + headers["Wechatpay-Signature"]
    else:
        headers = {"Content-Type": "application/json"}
    reply = notify(live, pay, body, headers)
    assert reply.status == 401 and reply.json["code"] == "SIGN_ERROR" and reply.json["message"]
    assert status(live, record) == "NOTPAY"


def test_a_tampered_resource_or_another_key_fails_decryption(live, pay):
    record = order(live)
    body = json.loads(pay.envelope(pay.paid(record)))
    ciphertext = bytearray(body["resource"]["ciphertext"].encode())
    ciphertext[10] = ord("A") if ciphertext[10] != ord("A") else ord("B")
    body["resource"]["ciphertext"] = ciphertext.decode()
    for raw in (json.dumps(body).encode(), pay.envelope(pay.paid(record), key=secrets.token_hex(16)),
                b'{"resource": "not an object"}', b"not json"):
        reply = notify(live, pay, raw, pay.headers(raw))
        assert reply.status == 400 and reply.json["code"] == "PARAM_ERROR", reply
    assert status(live, record) == "NOTPAY"


def test_an_amount_other_than_the_orders_is_refused(live, pay):
    record = order(live, amount=5000)
    body = pay.envelope(pay.paid(record, amount=1))
    reply = notify(live, pay, body, pay.headers(body))
    assert reply.status == 400 and "amount" in reply.json["message"].lower()
    assert status(live, record) == "NOTPAY"


def test_unknown_orders_and_merchants_are_refused_so_wechat_pay_retries(live, pay):
    record = order(live)
    body = pay.envelope({**pay.paid(record), "out_trade_no": "nosuchorder0001"})
    assert notify(live, pay, body, pay.headers(body)).status == 404
    body = pay.envelope(pay.paid(record))
    reply = notify(live, pay, body, pay.headers(body), mchid="1900000000")
    assert reply.status == 404 and reply.json["code"] == "FAIL"


def test_twenty_concurrent_copies_apply_once(live, pay, ddb):
    record = order(live)
    body = pay.envelope(pay.paid(record))
    headers = pay.headers(body)
    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        replies = list(pool.map(lambda _: notify(live, pay, body, headers), range(20)))
    assert all(r.status in (200, 204) for r in replies), [r for r in replies if r.status >= 300][:1]
    assert status(live, record) == "SUCCESS"
    assert version(ddb, record) == 2  # created, then one transition: the other 19 changed nothing
    again = pay.envelope(pay.paid(record, transaction_id="4200000000000000000000000999"))
    assert notify(live, pay, again, pay.headers(again)).status in (200, 204)
    assert version(ddb, record) == 2


def test_the_public_key_ramp_verifies_both_and_a_certificate_only_merchant_refuses_the_key(live, pay,
                                                                                           monkeypatch):
    pay.config(signWith="alternate")
    records = [order(live, amount=100 + i) for i in range(4)]
    for record in records:
        assert pay.confirm(record["outTradeNo"]).status_code == 200
    assert wait_for(lambda: all(status(live, r) == "SUCCESS" for r in records))
    assert all(pay.notifications(r["outTradeNo"])[0]["attempts"] == [204] for r in records)
    # a merchant that has only the platform certificate so far (before WeChat Pay moved it to a public key)
    certificate_only = {k: v for k, v in pay.merchant.items() if k not in ("publicKeyId", "publicKey")}
    monkeypatch.setenv("WXBASE_MERCHANTS", json.dumps([certificate_only]))
    pay.config(signWith="publicKey")
    unverified = live.post("/api/functions/fx_pay_buy", {"amount": 1, "outTradeNo": "ramp" + secrets.token_hex(6)},
                           token=live.login("ramp", APP1)["token"])
    assert unverified.status == 502  # an answer signed with a key it doesn't hold is not believed
    pay.config(signWith="certificate")
    record = order(live)
    body = pay.envelope(pay.paid(record))
    assert notify(live, pay, body, pay.headers(body, "publicKey")).status == 401
    assert notify(live, pay, body, pay.headers(body, "certificate")).status in (200, 204)
    assert status(live, record) == "SUCCESS"


def test_a_refused_notification_is_sent_again_until_it_is_accepted(live, pay, monkeypatch, _live_server):
    """WeChat Pay's retries (compressed): the first attempts meet a server that fails, a later one succeeds."""
    record = order(live)
    pay.config(retryScale=100)  # 15 s → 0.15 s
    monkeypatch.setenv("WXBASE_MERCHANTS", json.dumps([{**pay.merchant, "apiV3Key": secrets.token_hex(16)}]))
    pay.confirm(record["outTradeNo"])
    assert wait_for(lambda: len(pay.notifications(record["outTradeNo"])[0]["attempts"]) >= 2)
    monkeypatch.setenv("WXBASE_MERCHANTS", json.dumps([pay.merchant]))
    assert wait_for(lambda: pay.notifications(record["outTradeNo"])[0]["done"], timeout=15)
    attempts = pay.notifications(record["outTradeNo"])[0]["attempts"]
    assert attempts[0] == 400 and attempts[-1] == 204
    assert status(live, record) == "SUCCESS"


def test_merchant_keys_in_ssm_are_read_when_used_and_never_shown(live, pay, monkeypatch):
    from chalicelib.core import aws, secrets as secret_values

    ssm = aws.client("ssm")
    for name, value in (("private-key", pay.merchant["privateKey"]), ("api-v3-key", pay.merchant["apiV3Key"]),
                        ("wechatpay-public-key", pay.merchant["publicKey"])):
        ssm.put_parameter(Name=f"/wxbase/test/pay/{pay.mchid}/{name}", Value=value, Type="SecureString",
                          Overwrite=True)
    secret_values.clear_cache()
    referenced = {**pay.merchant, "privateKey": f"ssm:/wxbase/test/pay/{pay.mchid}/private-key",
                  "apiV3Key": f"ssm:/wxbase/test/pay/{pay.mchid}/api-v3-key",
                  "publicKey": f"ssm:/wxbase/test/pay/{pay.mchid}/wechatpay-public-key"}
    monkeypatch.setenv("WXBASE_MERCHANTS", json.dumps([referenced]))
    record = order(live)  # signed with the key from SSM, its answer verified with the public key from SSM
    pay.confirm(record["outTradeNo"])
    assert wait_for(lambda: status(live, record) == "SUCCESS")  # decrypted with the APIv3 key from SSM
    monkeypatch.setenv("WXBASE_MERCHANTS", json.dumps([{**referenced, "privateKey": "ssm:/wxbase/test/missing"}]))
    reply = live.post("/api/functions/fx_pay_buy", {"amount": 1}, token=live.login("ssm-payer", APP1)["token"])
    assert reply.status == 503 and "/wxbase/test/missing" in reply.json["message"]


def test_wechat_pays_verified_success_outranks_a_local_close(live, pay):
    record = order(live)
    closed = live.post("/api/functions/fx_pay_admin", {"op": "close", "outTradeNo": record["outTradeNo"]},
                       token=ADMIN_KEY)
    assert closed.json["status"] == "CLOSED"
    body = pay.envelope(pay.paid(record))
    assert notify(live, pay, body, pay.headers(body)).status == 204
    assert status(live, record) == "SUCCESS"
