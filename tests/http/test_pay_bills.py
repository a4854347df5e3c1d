"""Daily reconciliation against the sandbox's trade bill: a payment applied, one whose notification was lost (found
and applied), one wxbase never created, and a record the bill doesn't list are each reported; the report is kept."""
import json
import secrets
from datetime import datetime

from wechatpayv3.core import Core
from wechatpayv3.type import RequestType

from tests import pay_helpers  # noqa: F401 (declares the test-only functions fx_pay_buy, fx_pay_admin)
from tests.pay_helpers import PAYMENTS, pay, wait_for  # noqa: F401 (pay: the fixture)
from tests.stackenv import ADMIN_KEY, APP1


def buy(live, token, amount):
    return live.post("/api/functions/fx_pay_buy", {"amount": amount}, token=token).json["outTradeNo"]


def status(live, no):
    items = live.get(f"{PAYMENTS}?filter=(outTradeNo='{no}')", token=ADMIN_KEY).json["items"]
    return items[0]["status"] if items else None


def test_the_trade_bill_is_reconciled_with_the_payments(live, pay, monkeypatch, _live_server, chalice_app):
    from chalicelib.payments import bills, merchants
    from chalicelib.store import keys, table

    token = live.login(f"bill-{secrets.token_hex(4)}", APP1)["token"]
    paid = buy(live, token, 1500)
    pay.confirm(paid)
    monkeypatch.setenv("WXBASE_PUBLIC_URL", "http://127.0.0.1:9")  # this one's notifications are lost
    lost = buy(live, token, 2500)
    monkeypatch.setenv("WXBASE_PUBLIC_URL", _live_server.url)
    pay.confirm(lost)
    # a record made SUCCESS by a (test-made) notification while WeChat Pay's order stays unpaid: not in the bill
    unbilled = buy(live, token, 700)
    record = live.get(f"{PAYMENTS}?filter=(outTradeNo='{unbilled}')", token=ADMIN_KEY).json["items"][0]
    body = pay.envelope(pay.paid(record))
    assert live.post(f"/api/pay/notify/{pay.mchid}", body, headers=pay.headers(body)).status == 204
    # a payment made by another system with the same merchant (through the wechatpayv3 SDK)
    sdk = Core(pay.mchid, pay.merchant["serialNo"], pay.merchant["privateKey"], pay.merchant["apiV3Key"],
               public_key=pay.merchant["publicKey"], public_key_id=pay.merchant["publicKeyId"])
    sdk._gate_way = pay.url  # noqa: SLF001 (the SDK has no setting for its host)
    foreign = "other" + secrets.token_hex(8)
    code, _ = sdk.request("/v3/pay/transactions/jsapi", method=RequestType.POST, data={
        "appid": APP1, "mchid": pay.mchid, "description": "elsewhere", "out_trade_no": foreign,
        "notify_url": "https://example.invalid/notify", "amount": {"total": 999, "currency": "CNY"},
        "payer": {"openid": "o-elsewhere"}})
    assert code == 200
    pay.confirm(foreign)
    assert wait_for(lambda: status(live, paid) == "SUCCESS")
    assert status(live, lost) == "NOTPAY"

    day = datetime.now(bills.CHINA).date()
    report = bills.reconcile(merchants.by_mchid(pay.mchid), day)
    kinds = {(d["outTradeNo"], d["kind"]) for d in report["differences"]}
    assert (lost, "not_applied") in kinds and (foreign, "not_in_wxbase") in kinds and (unbilled, "not_in_bill") in kinds
    assert not any(no == paid for no, _ in kinds)
    assert status(live, lost) == "SUCCESS"  # found in the bill, queried and applied
    assert report["billed"] >= 3 and report["billedAmount"] >= 1500 + 2500 + 999
    kept = table.get(keys.payment_bill_report(pay.mchid, day.isoformat()))
    assert kept["differenceCount"] == report["differenceCount"] and kept["day"] == day.isoformat()
    listed = live.get("/api/admin/payments/reports", token=ADMIN_KEY).json["items"]
    assert listed[0]["day"] == day.isoformat() and listed[0]["differenceCount"] == report["differenceCount"]
    assert live.get("/api/admin/payments/reports", token=token).status == 403
    # the next run: the lost payment is applied now, the others are still different
    again = {(d["outTradeNo"], d["kind"]) for d in bills.reconcile(merchants.by_mchid(pay.mchid), day)["differences"]}
    assert (lost, "not_applied") not in again and (foreign, "not_in_wxbase") in again


def test_the_daily_job_reconciles_yesterday_for_every_merchant(pay, chalice_app):
    from chalice.test import Client

    from tests.conftest import PROJECT_DIR

    with Client(chalice_app, stage_name="local", project_dir=PROJECT_DIR) as client:
        event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                                resources=[])
        answer = client.lambda_.invoke("reconcile_payments", event).payload
    assert [r["mchid"] for r in answer["reports"]] == [pay.mchid]
    assert answer["reports"][0]["billed"] == 0 and json.dumps(answer)
