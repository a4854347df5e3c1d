"""A payment's changes reach its payer over the realtime socket (rule-checked: nobody else hears of them), from the
record changes that WeChat Pay's verified notification makes."""
import secrets

from tests import pay_helpers  # noqa: F401 (declares the test-only functions fx_pay_buy, fx_pay_admin)
from tests.pay_helpers import pay  # noqa: F401 (the fixture)
from tests.realtime_helpers import Client, realtime_server, rt  # noqa: F401  (fixtures)
from tests.stackenv import APP1


def test_the_payer_hears_the_payment_become_success_and_nobody_else_does(rt, realtime_server, pay):
    payer = rt.login(f"rt-payer-{secrets.token_hex(4)}", APP1)
    other = rt.login(f"rt-other-{secrets.token_hex(4)}", APP1)
    listening = {"payer": Client(realtime_server.ws_url), "other": Client(realtime_server.ws_url)}
    listening["payer"].auth(payer["token"])
    listening["other"].auth(other["token"])
    for client in listening.values():
        client.subscribe("pay", "payments/*")
        assert client.sync() == []
    no = rt.post("/api/functions/fx_pay_buy", {"amount": 4200}, token=payer["token"]).json["outTradeNo"]
    assert pay.confirm(no).status_code == 200
    heard = [(e["action"], e["record"]["status"]) for e in listening["payer"].events(2, timeout=15)
             if e["record"]["outTradeNo"] == no]
    assert heard == [("create", "NOTPAY"), ("update", "SUCCESS")]
    assert [m for m in listening["other"].quiet() if m.get("type") == "event"] == []
    for client in listening.values():
        client.close()
