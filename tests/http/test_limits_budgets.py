"""Budgets on WeChat's paid calls over HTTP: per user and per app, a 429 naming what ran out, nothing sent to
WeChat past a budget, and a verified phone never bought twice at login."""
import itertools
import json
import time

from tests.stackenv import APP1, APP2

PHONE, LOGIN, SEND = "/api/wechat/phone", "/api/wechat/login", "/api/wechat/subscribe-messages"
LOOKUP = "/wxa/business/getuserphonenumber"
_n = itertools.count()


def budgets(monkeypatch, **kinds):
    monkeypatch.setenv("WXBASE_WECHAT_BUDGETS", json.dumps(kinds))


def test_a_user_past_their_phone_budget_gets_a_429_and_wechat_is_not_asked(api, sandbox, monkeypatch):
    budgets(monkeypatch, phone={"perUser": 2})
    me = api.login(f"budget-phone-{next(_n)}", APP1)
    before = sandbox.calls(LOOKUP)
    for digits in ("13800000101", "13800000102"):
        assert api.post(PHONE, {"code": f"sandbox-phone-{digits}"}, token=me["token"]).status == 200
    refused = api.post(PHONE, {"code": "sandbox-phone-13800000103"}, token=me["token"])
    assert refused.status == 429 and "phone number lookups" in refused.json["message"]
    assert refused.json["status"] == 429 and int(refused.headers["retry-after"]) > 0
    assert sandbox.calls(LOOKUP) == before + 2
    other = api.login(f"budget-phone-{next(_n)}", APP1)  # another person's budget is their own
    assert api.post(PHONE, {"code": "sandbox-phone-13800000104"}, token=other["token"]).status == 200


def test_a_phone_login_does_not_buy_a_verified_phone_again(api, sandbox):
    name = f"budget-login-{next(_n)}"
    before = sandbox.calls(LOOKUP)
    first = api.post(LOGIN, {"code": f"sandbox-{name}", "appid": APP1, "phoneCode": "sandbox-phone-13800000111"})
    assert first.status == 200 and first.json["record"]["phone"] == "13800000111"
    again = api.post(LOGIN, {"code": f"sandbox-{name}", "appid": APP1, "phoneCode": "sandbox-phone-13800000111"})
    assert again.status == 200 and again.json["record"]["phone"] == "13800000111"
    assert again.json["record"]["id"] == first.json["record"]["id"]
    assert sandbox.calls(LOOKUP) == before + 1
    changed = api.post(PHONE, {"code": "sandbox-phone-13800000112"}, token=again.json["token"])  # still possible
    assert changed.status == 200 and changed.json["record"]["phone"] == "13800000112"


def test_the_apps_budget_is_shared_by_its_users_and_apart_from_other_apps(api, sandbox, monkeypatch):
    from chalicelib.store import keys, table

    window = int(time.time()) // 86400 * 86400
    used = (table.get(keys.rate_counter("budget:subscribeMessage", f"app:{APP2}#0", window)) or {}).get("n", 0)
    budgets(monkeypatch, subscribeMessage={"perApp": int(used) + 1})
    body = {"template_id": "tmpl-budget", "data": {"thing1": {"value": "hi"}}}
    alice, bob = api.login(f"budget-send-{next(_n)}", APP2), api.login(f"budget-send-{next(_n)}", APP2)
    sent = len(sandbox.sent(APP2))
    assert api.post(SEND, body, token=alice["token"]).status == 200
    refused = api.post(SEND, body, token=bob["token"])
    assert refused.status == 429 and refused.json["message"].startswith("This app's subscribe messages")
    assert len(sandbox.sent(APP2)) == sent + 1


def test_the_admin_api_shows_the_budgets_in_force(api, monkeypatch):
    from tests.stackenv import ADMIN_KEY

    budgets(monkeypatch, phone={"perUser": 3, "perApp": 0})
    shown = api.get("/api/admin/rate-limits", token=ADMIN_KEY).json["budgets"]
    assert shown["phone"] == {"perUser": 3, "userWindow": 86400, "perApp": 0, "appWindow": 86400}
    assert set(shown) == {"phone", "contentCheck", "wxacode", "urllink", "subscribeMessage"}
