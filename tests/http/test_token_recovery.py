"""WeChat forgetting the app's tokens (its secret reset, tokens fetched elsewhere, the sandbox reset): every route and
job that calls WeChat recovers on its first call with one upstream token fetch, also with 20 requests in flight, and
a token WeChat keeps rejecting after its refresh is a clear 502 recorded for operators, never a fetch per request."""
import logging
import threading
import time

import pytest

from chalicelib.core.settings import get_settings
from chalicelib.wechat import tokens
from tests.http.test_tokens import _auto_reply_through_worker
from tests.stackenv import ADMIN_KEY, APP1

STABLE = "/cgi-bin/stable_token"
_n = iter(range(10**9))


def forgotten_everywhere(sandbox, appid):
    """This process remembers one token and the table holds a newer one (another worker refreshed it after a
    rejection); then WeChat forgets both. Returns (remembered, stored)."""
    app = get_settings().app(appid)
    remembered = tokens.central_store().access_token(app)
    sandbox.expire_tokens(appid)
    stored = tokens.TokenStore().after_rejection(app, remembered, since=time.time()).value
    sandbox.expire_tokens(appid)
    assert stored != remembered and tokens.central_store().access_token(app) == remembered
    return remembered, stored


def _wxacode(api, sandbox, chalice_app, user):
    reply = api.post("/api/wechat/wxacode", {"scene": f"r={next(_n)}-{time.time_ns()}"}, token=user["token"])
    assert reply.status == 200, reply
    return "/wxa/getwxacodeunlimit"


def _url_link(api, sandbox, chalice_app, user):
    reply = api.post("/api/wechat/url-link", {"path": "pages/index/index", "query": f"n={time.time_ns()}"},
                     token=user["token"])
    assert reply.status == 200 and reply.json["urlLink"], reply
    return "/wxa/generate_urllink"


def _subscribe_now(api, sandbox, chalice_app, user):
    reply = api.post("/api/wechat/subscribe-messages", {
        "appid": APP1, "user": user["record"]["id"], "template_id": "tpl-recover",
        "data": {"thing1": {"value": "now"}}}, token=ADMIN_KEY)
    assert reply.status == 200 and reply.json["status"] == "sent", reply
    return "/cgi-bin/message/subscribe/send"


def _subscribe_scheduled(api, sandbox, chalice_app, user):
    from chalice.test import Client

    reply = api.post("/api/wechat/subscribe-messages", {
        "appid": APP1, "user": user["record"]["id"], "template_id": "tpl-recover",
        "data": {"thing1": {"value": "later"}}, "sendAt": time.time() + 1}, token=ADMIN_KEY)
    assert reply.status == 202, reply
    time.sleep(1.1)
    with Client(chalice_app, stage_name="local") as client:
        event = client.events.generate_cw_event("aws.events", "Scheduled Event", {}, [])
        assert client.lambda_.invoke("send_subscribe_messages", event).payload["sent"] == 1
    return "/cgi-bin/message/subscribe/send"


def _phone(api, sandbox, chalice_app, user):
    reply = api.post("/api/wechat/phone", {"code": f"sandbox-phone-1390000{next(_n) % 10000:04d}"},
                     token=user["token"])
    assert reply.status == 200, reply
    return "/wxa/business/getuserphonenumber"


def _callback_worker(api, sandbox, chalice_app, user):
    assert _auto_reply_through_worker(api, chalice_app) == {"batchItemFailures": []}
    return "/cgi-bin/message/custom/send"


@pytest.mark.parametrize("use", [_wxacode, _url_link, _subscribe_now, _subscribe_scheduled, _phone,
                                 _callback_worker], ids=lambda f: f.__name__.strip("_"))
def test_every_wechat_call_recovers_from_forgotten_tokens_with_one_fetch(api, sandbox, chalice_app, use):
    user = api.login(f"recover-{next(_n)}", APP1)
    remembered, stored = forgotten_everywhere(sandbox, APP1)
    fetches = sandbox.calls(STABLE)
    api_path = use(api, sandbox, chalice_app, user)
    assert sandbox.calls(STABLE) == fetches + 1
    assert sandbox.calls(api_path) == 2  # the rejected call and its one retry
    fresh = tokens.central_store().access_token(get_settings().app(APP1))
    assert fresh not in (remembered, stored)


@pytest.mark.returns_access_token
def test_twenty_requests_in_flight_when_wechat_forgets_fetch_one_token(live, sandbox):
    user = live.login("recover-inflight", APP1)["token"]
    old = tokens.central_store().access_token(get_settings().app(APP1))
    fetches = sandbox.calls(STABLE)
    sandbox.fail("/wxa/generate_urllink", delay=0.6, times=20)  # each call waits there, then answers normally
    replies, barrier = [], threading.Barrier(20)

    def request(i):
        barrier.wait()
        replies.append(live.post("/api/wechat/url-link", {"path": "pages/index/index", "query": f"f={i}"},
                                 token=user))

    threads = [threading.Thread(target=request, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    sandbox.expire_tokens(APP1)  # while all 20 wait inside WeChat with the old token
    for t in threads:
        t.join()
    assert [r.status for r in replies] == [200] * 20, [r for r in replies if r.status != 200][:1]
    assert sandbox.calls(STABLE) == fetches + 1
    assert tokens.central_store().access_token(get_settings().app(APP1)) != old


def test_a_token_wechat_keeps_rejecting_is_a_502_recorded_once_per_backoff(api, sandbox, caplog):
    user = api.login("recover-refused", APP1)["token"]
    tokens.central_store().access_token(get_settings().app(APP1))
    sandbox.fail("/wxa/generate_urllink", errcode=40001, times=50)
    fetches = sandbox.calls(STABLE)
    with caplog.at_level(logging.INFO, logger="wxbase"):
        first = api.post("/api/wechat/url-link", {"path": "pages/a/a", "query": "x=1"}, token=user)
        later = [api.post("/api/wechat/url-link", {"path": "pages/a/a", "query": f"x={i}"}, token=user)
                 for i in range(2, 6)]
    assert first.status == 502 and first.json["data"] == {"errcode": 40001}
    assert [r.status for r in later] == [502] * 4
    assert sandbox.calls(STABLE) == fetches + 1  # one refresh; the back-off answers the others at once
    assert sandbox.calls("/wxa/generate_urllink") == 2 + 4  # each later request tries its token once
    alarms = [r for r in caplog.records if r.getMessage() == "wechat.token_rejected_after_refresh"]
    assert len(alarms) == 1 and alarms[0].levelno == logging.ERROR
    health = api.get("/api/admin/tokens", token=ADMIN_KEY)
    report = next(a for a in health.json["items"] if a["appid"] == APP1)
    assert report["lastError"] == "rejected after refresh 40001" and report["failures"] == 1
