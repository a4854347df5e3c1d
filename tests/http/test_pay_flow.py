"""WeChat Pay end to end through the sandbox over loopback: the shop's checkout answers what wx.requestPayment takes,
the sandbox plays the payer and sends signed, encrypted notifications to POST /api/pay/notify/{mchid}, and the
`payments` record follows; refunds, close, expiry, shipping, and who may read or write payments."""
import base64
import json
import secrets

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from wechatpayv3.core import Core

from tests import pay_helpers  # noqa: F401 (declares the test-only functions fx_pay_buy, fx_pay_admin)
from tests.pay_helpers import PAYMENTS, pay, wait_for  # noqa: F401 (pay: the fixture)
from tests.stackenv import ADMIN_KEY, APP1, APP2

FN = "/api/functions/"


def shopper(api, appid=APP1):
    login = api.login(f"pay-{secrets.token_hex(4)}", appid)
    return {"token": login["token"], "id": login["record"]["id"], "openid": login["meta"]["openid"]}


def record(api, who, out_trade_no):
    found = api.get(f"{PAYMENTS}?filter=(outTradeNo='{out_trade_no}')", token=who["token"]).json["items"]
    return found[0] if found else None


def status_of(api, who, out_trade_no, wanted):
    return wait_for(lambda: (record(api, who, out_trade_no) or {}).get("status") == wanted)


def test_checkout_pays_through_a_verified_notification(live, pay):
    me = shopper(live)
    answer = live.post(FN + "checkout", {"item": "coffee", "qty": 2}, token=me["token"])
    assert answer.status == 200, answer
    prepay = answer.json
    assert set(prepay) == {"timeStamp", "nonceStr", "package", "signType", "paySign", "outTradeNo"}
    assert prepay["signType"] == "RSA" and prepay["package"].startswith("prepay_id=wx")
    # paySign: the merchant's signature over appId\ntimeStamp\nnonceStr\npackage\n (checked with `cryptography`)
    key = serialization.load_pem_private_key(pay.merchant["privateKey"].encode(), None).public_key()
    message = f"{APP1}\n{prepay['timeStamp']}\n{prepay['nonceStr']}\n{prepay['package']}\n".encode()
    key.verify(base64.b64decode(prepay["paySign"]), message, padding.PKCS1v15(), hashes.SHA256())
    # the order as WeChat Pay got it: the server's price, the caller as payer
    order = pay.order(prepay["outTradeNo"])
    assert order["total"] == 3600 and order["openid"] == me["openid"] and order["appid"] == APP1
    assert order["notify_url"].endswith(f"/api/pay/notify/{pay.mchid}")
    before = record(live, me, prepay["outTradeNo"])
    assert before["status"] == "NOTPAY" and before["amount"] == 3600 and before["payer"] == me["id"]
    assert before["attach"] == "coffee:2" and before["description"] == "Coffee x2"

    assert pay.confirm(prepay["outTradeNo"]).status_code == 200
    assert status_of(live, me, prepay["outTradeNo"], "SUCCESS")
    after = record(live, me, prepay["outTradeNo"])
    assert after["transactionId"] == order["transaction_id"] and after["paidAt"]
    sent = pay.notifications(prepay["outTradeNo"])
    assert sent[0]["event"] == "TRANSACTION.SUCCESS" and sent[0]["done"] and sent[0]["attempts"][-1] in (200, 204)


def test_the_price_is_the_servers_and_bad_checkouts_are_refused(live, pay):
    me = shopper(live)
    assert live.post(FN + "checkout", {"item": "caviar"}, token=me["token"]).status == 400
    assert live.post(FN + "checkout", {"item": "cake", "qty": 0}, token=me["token"]).status == 400
    assert live.post(FN + "checkout", {"item": "cake", "amount": 1}, token=me["token"]).json["outTradeNo"]
    assert live.post(FN + "checkout", {"item": "cake"}).status == 401  # guests can't pay
    # an app without a merchant, and an amount that isn't whole fen
    other = shopper(live, APP2)
    assert live.post(FN + "fx_pay_buy", {"amount": 1.5}, token=other["token"]).status == 400


def test_a_payer_reads_only_their_own_payments_and_nobody_but_admins_writes_them(live, pay):
    me, someone = shopper(live), shopper(live)
    no = live.post(FN + "checkout", {"item": "cake"}, token=me["token"]).json["outTradeNo"]
    mine = record(live, me, no)
    assert live.get(PAYMENTS, token=someone["token"]).json["items"] == []
    assert live.get(f"{PAYMENTS}/{mine['id']}", token=someone["token"]).status == 404
    assert live.get(f"{PAYMENTS}/{mine['id']}").status == 404
    assert live.get(f"{PAYMENTS}/{mine['id']}", token=me["token"]).json["outTradeNo"] == no
    for token in (me["token"], someone["token"]):
        assert live.patch(f"{PAYMENTS}/{mine['id']}", {"status": "SUCCESS"}, token=token).status == 403
        assert live.delete(f"{PAYMENTS}/{mine['id']}", token=token).status == 403
        assert live.post(PAYMENTS, {**mine, "id": None, "outTradeNo": "forged0001"}, token=token).status == 403
    assert record(live, me, no)["status"] == "NOTPAY"
    assert live.get(f"{PAYMENTS}/{mine['id']}", token=ADMIN_KEY).json["payer"] == me["id"]


def test_a_notification_that_overtakes_the_prepay_answer_finds_its_order(live, pay):
    import threading

    me = shopper(live)
    pay.config(prepayDelay=1.5)
    no = "early" + secrets.token_hex(8)
    answers = []
    buying = threading.Thread(target=lambda: answers.append(
        live.post(FN + "fx_pay_buy", {"amount": 990, "outTradeNo": no}, token=me["token"])))
    buying.start()
    assert wait_for(lambda: (pay.mchid, no) in pay.sandbox.orders)
    assert pay.confirm(no).status_code == 200  # paid while the merchant still waits for its prepay answer
    assert status_of(live, me, no, "SUCCESS")
    buying.join()
    assert answers[0].status == 200 and answers[0].json["outTradeNo"] == no
    assert record(live, me, no)["status"] == "SUCCESS"


def test_the_same_out_trade_no_again_is_the_same_order_and_another_payers_is_refused(live, pay):
    me, someone = shopper(live), shopper(live)
    no = "same" + secrets.token_hex(8)
    first = live.post(FN + "fx_pay_buy", {"amount": 500, "outTradeNo": no}, token=me["token"]).json
    again = live.post(FN + "fx_pay_buy", {"amount": 500, "outTradeNo": no}, token=me["token"]).json
    assert first["package"] == again["package"]
    assert live.post(FN + "fx_pay_buy", {"amount": 500, "outTradeNo": no}, token=someone["token"]).status == 400
    assert live.post(FN + "fx_pay_buy", {"amount": 501, "outTradeNo": no}, token=me["token"]).status == 400
    assert live.post(FN + "fx_pay_buy", {"amount": 5, "outTradeNo": "bad no!"}, token=me["token"]).status == 400


def paid_order(live, pay, amount=3600):
    me = shopper(live)
    no = live.post(FN + "fx_pay_buy", {"amount": amount}, token=me["token"]).json["outTradeNo"]
    pay.confirm(no)
    assert status_of(live, me, no, "SUCCESS")
    return me, no


def admin(live, op, no, **extra):
    return live.post(FN + "fx_pay_admin", {"op": op, "outTradeNo": no, **extra}, token=ADMIN_KEY)


def test_partial_refunds_are_idempotent_on_their_number_and_never_exceed_the_amount(live, pay):
    me, no = paid_order(live, pay)
    first = admin(live, "refund", no, amount=1000, outRefundNo=no + "-a", reason="too sweet")
    assert first.status == 200, first
    assert first.json["status"] == "REFUND" and first.json["refunded"] == 1000
    assert first.json["refunds"][0]["outRefundNo"] == no + "-a" and first.json["refunds"][0]["amount"] == 1000
    again = admin(live, "refund", no, amount=1000, outRefundNo=no + "-a")
    assert again.status == 200 and again.json["refunded"] == 1000 and len(again.json["refunds"]) == 1
    assert admin(live, "refund", no, amount=1000, outRefundNo=no + "-a-other").json["refunded"] == 2000
    too_much = admin(live, "refund", no, amount=1601, outRefundNo=no + "-b")
    assert too_much.status == 400 and "amount" in too_much.json["data"]
    assert admin(live, "refund", no, amount=1600, outRefundNo=no + "-c").json["refunded"] == 3600
    assert pay.order(no)["refunded"] == 3600 and len([k for k in pay.sandbox.refunds if k[1].startswith(no)]) == 3
    # each refund's REFUND.SUCCESS notification settles its entry
    assert wait_for(lambda: all(r["status"] == "SUCCESS" for r in record(live, me, no)["refunds"]))
    assert all(r["refundId"] for r in record(live, me, no)["refunds"])
    unpaid = live.post(FN + "fx_pay_buy", {"amount": 100}, token=me["token"]).json["outTradeNo"]
    assert admin(live, "refund", unpaid, amount=100).status == 400


def test_close_closes_unpaid_orders_and_leaves_paid_ones(live, pay):
    me = shopper(live)
    no = live.post(FN + "fx_pay_buy", {"amount": 100}, token=me["token"]).json["outTradeNo"]
    assert admin(live, "close", no).json["status"] == "CLOSED"
    assert pay.order(no)["trade_state"] == "CLOSED"
    assert pay.confirm(no).status_code == 409  # the payer can no longer pay it
    _, paid = paid_order(live, pay, amount=200)
    assert admin(live, "close", paid).json["status"] == "SUCCESS"
    assert admin(live, "close", "nosuchorder1").status == 404


def test_expiry_queries_then_closes_and_finds_a_payment_whose_notification_was_lost(live, pay, worker,
                                                                                 monkeypatch, _live_server):
    me = shopper(live)
    unpaid = live.post(FN + "fx_pay_buy", {"amount": 100, "expireMinutes": 1}, token=me["token"]).json
    monkeypatch.setenv("WXBASE_PUBLIC_URL", "http://127.0.0.1:9")  # this order's notifications go nowhere
    lost = live.post(FN + "fx_pay_buy", {"amount": 100}, token=me["token"]).json
    monkeypatch.setenv("WXBASE_PUBLIC_URL", _live_server.url)
    monkeypatch.setenv("WECHATPAY_API_BASE", "http://127.0.0.1:9")  # this prepay never reaches WeChat Pay
    never = "never" + secrets.token_hex(6)
    assert live.post(FN + "fx_pay_buy", {"amount": 100, "outTradeNo": never}, token=me["token"]).status == 503
    assert record(live, me, never)["status"] == "NOTPAY"
    monkeypatch.setenv("WECHATPAY_API_BASE", pay.url)
    pay.confirm(lost["outTradeNo"])
    assert wait_for(lambda: pay.notifications(lost["outTradeNo"])[0]["attempts"])
    assert record(live, me, lost["outTradeNo"])["status"] == "NOTPAY"
    due = [json.dumps({"kind": "payment_expiry", "mchid": pay.mchid, "outTradeNo": no, "due": 0})
           for no in (unpaid["outTradeNo"], lost["outTradeNo"], never)]
    assert worker(due) == {"batchItemFailures": []}
    assert record(live, me, never)["status"] == "CLOSED"
    assert record(live, me, unpaid["outTradeNo"])["status"] == "CLOSED"
    assert pay.order(unpaid["outTradeNo"])["trade_state"] == "CLOSED"
    assert record(live, me, lost["outTradeNo"])["status"] == "SUCCESS"
    assert worker(due) == {"batchItemFailures": []}  # again: settled, nothing changes
    assert record(live, me, unpaid["outTradeNo"])["status"] == "CLOSED"


def test_a_new_order_queues_its_expiry_check(live, pay, queue):
    from chalicelib.core import aws
    from chalicelib.store import queue as queues

    def delayed():
        attributes = aws.client("sqs").get_queue_attributes(QueueUrl=queues.queue_url(),
                                                            AttributeNames=["ApproximateNumberOfMessagesDelayed"])
        return int(attributes["Attributes"]["ApproximateNumberOfMessagesDelayed"])

    before = delayed()
    live.post(FN + "checkout", {"item": "cake"}, token=shopper(live)["token"])
    assert delayed() == before + 1


def test_the_sdk_verifies_the_sandboxs_answers_and_decrypts_its_notifications(live, pay):
    """The sandbox checked against the `wechatpayv3` SDK: its request signatures pass, the sandbox's answer
    signatures and notifications verify, and the resource decrypts."""
    me = shopper(live)
    no = live.post(FN + "fx_pay_buy", {"amount": 300}, token=me["token"]).json["outTradeNo"]
    sdk = Core(pay.mchid, pay.merchant["serialNo"], pay.merchant["privateKey"], pay.merchant["apiV3Key"],
               public_key=pay.merchant["publicKey"], public_key_id=pay.merchant["publicKeyId"])
    sdk._gate_way = pay.url  # noqa: SLF001 (the SDK has no setting for its host)
    code, text = sdk.request(f"/v3/pay/transactions/out-trade-no/{no}?mchid={pay.mchid}")
    assert code == 200 and json.loads(text)["trade_state"] == "NOTPAY"
    merchant = pay.sandbox.merchants[pay.mchid]
    body = pay.sandbox.notification(merchant, "TRANSACTION.SUCCESS", "transaction", {"out_trade_no": no})
    opened = sdk.callback(pay.sandbox.signed_headers(body, "publicKey"), body)
    assert opened["resource"] == {"out_trade_no": no}
    certificate_signed = pay.sandbox.signed_headers(body, "certificate")
    assert certificate_signed["Wechatpay-Serial"] != pay.merchant["publicKeyId"]


def test_a_paid_order_is_shipped_by_the_shops_hook(live, pay, sandbox):
    from chalicelib.jobs import record_stream
    from devserver.streams import StreamReader

    reader = StreamReader(lambda event, context: record_stream.handle(event))
    me = shopper(live)
    no = live.post(FN + "checkout", {"item": "coffee"}, token=me["token"]).json["outTradeNo"]
    pay.confirm(no)
    assert status_of(live, me, no, "SUCCESS")
    while reader.poll():
        pass
    shipped = [r for r in sandbox.requests("/wxa/sec/order/upload_shipping_info")
               if r["order_key"]["out_trade_no"] == no]
    assert len(shipped) == 1 and shipped[0]["payer"]["openid"] == me["openid"]
    assert shipped[0]["shipping_list"] == [{"item_desc": "Coffee x1"}] and shipped[0]["logistics_type"] == 3
    assert pay.order(no)["shipping"]["order_key"]["mchid"] == pay.mchid



def test_admins_refund_a_payment_by_its_record_and_nobody_else_can(live, pay):
    me, no = paid_order(live, pay, amount=800)
    path = f"/api/admin/payments/{record(live, me, no)['id']}/refund"
    assert live.post(path, {"amount": 300}).status == 401
    assert live.post(path, {"amount": 300}, token=me["token"]).status == 403
    assert live.post(path, {"amount": 0}, token=ADMIN_KEY).status == 400
    assert live.post("/api/admin/payments/aaaaaaaaaaaaaaa/refund", {"amount": 1}, token=ADMIN_KEY).status == 404
    after = live.post(path, {"amount": 300, "reason": "late"}, token=ADMIN_KEY)
    assert after.status == 200 and after.json["refunded"] == 300 and after.json["refunds"][0]["reason"] == "late"
    assert live.post(path, {"amount": 501}, token=ADMIN_KEY).status == 400


def test_refunds_made_elsewhere_are_counted_and_a_refused_refund_releases_its_amount(live, pay, _live_server):
    from wechatpayv3.core import Core
    from wechatpayv3.type import RequestType

    me, no = paid_order(live, pay, amount=1000)
    sdk = Core(pay.mchid, pay.merchant["serialNo"], pay.merchant["privateKey"], pay.merchant["apiV3Key"],
               public_key=pay.merchant["publicKey"], public_key_id=pay.merchant["publicKeyId"])
    sdk._gate_way = pay.url  # noqa: SLF001 (the SDK has no setting for its host)

    def refund_elsewhere(number, amount, notify_url):
        code, _ = sdk.request("/v3/refund/domestic/refunds", method=RequestType.POST, data={
            "out_trade_no": no, "out_refund_no": number, "notify_url": notify_url,
            "amount": {"refund": amount, "total": 1000, "currency": "CNY"}})
        assert code == 200

    # the merchant platform refunds 300: its notification adds the refund to the record
    refund_elsewhere(no + "-ext", 300, f"{_live_server.url}/api/pay/notify/{pay.mchid}")
    assert wait_for(lambda: record(live, me, no)["refunded"] == 300)
    assert record(live, me, no)["status"] == "REFUND"
    assert [r["status"] for r in record(live, me, no)["refunds"]] == ["SUCCESS"]
    # another 200 whose notification never arrives: WeChat Pay has 500 left, wxbase believes 700
    refund_elsewhere(no + "-ext2", 200, "http://127.0.0.1:9/notify")
    refused = admin(live, "refund", no, amount=600, outRefundNo=no + "-big")
    assert refused.status == 400 and "INVALID_REQUEST" in refused.json["message"]
    after = record(live, me, no)
    assert after["refunded"] == 300 and after["refunds"][-1]["status"] == "REFUSED"
    assert admin(live, "refund", no, amount=500, outRefundNo=no + "-big").status == 400  # the number's amount is 600
    assert admin(live, "refund", no, amount=500, outRefundNo=no + "-rest").json["refunded"] == 800


def test_without_a_public_url_the_payment_is_refused_before_any_order_is_stored(live, pay, monkeypatch):
    me = shopper(live)
    monkeypatch.delenv("WXBASE_PUBLIC_URL")
    reply = live.post(FN + "fx_pay_buy", {"amount": 100, "outTradeNo": "nourl" + secrets.token_hex(6)},
                      token=me["token"])
    assert reply.status == 500 and "WXBASE_PUBLIC_URL" in reply.json["message"]
    assert live.get(PAYMENTS, token=me["token"]).json["items"] == []
