"""Subscribe messages over HTTP against the sandbox: send now, WeChat's refusals as 4xx, scheduled sends that
arrive exactly once, including when the scheduled sender runs twice at the same time."""
import threading
import time

from tests.stackenv import ADMIN_KEY, APP1, APP2

SEND = "/api/wechat/subscribe-messages"
DATA = {"thing1": {"value": "Order shipped"}, "number2": {"value": 3}}


def message(**extra):
    return {"template_id": "tpl-shipping", "data": DATA, **extra}


def test_admin_sends_to_a_user_now(api, sandbox):
    me = api.login("sub-now", APP1)
    reply = api.post(SEND, message(appid=APP1, user=me["record"]["id"], page="pages/order?id=1",
                                   miniprogram_state="trial", lang="en_US"), token=ADMIN_KEY)
    assert reply.status == 200, reply
    assert reply.json["status"] == "sent" and reply.json["msgid"]
    (sent,) = sandbox.sent(APP1)
    assert sent["api"] == "subscribe"
    assert sent["body"] == {"touser": me["meta"]["openid"], "template_id": "tpl-shipping", "data": DATA,
                            "page": "pages/order?id=1", "miniprogram_state": "trial", "lang": "en_US"}


def test_user_sends_only_to_themselves(api, sandbox):
    me = api.login("sub-self", APP2)
    other = api.login("sub-other", APP2)
    assert api.post(SEND, message(), token=me["token"]).status == 200
    assert sandbox.sent(APP2)[0]["body"]["touser"] == me["meta"]["openid"]
    assert api.post(SEND, message(user=other["record"]["id"]), token=me["token"]).status == 403
    assert api.post(SEND, message(touser=other["meta"]["openid"]), token=me["token"]).status == 403
    assert api.post(SEND, message(appid=APP1), token=me["token"]).status == 403
    assert api.post(SEND, message()).status == 401
    assert len(sandbox.sent(APP2)) == 1


def test_wechat_refusals_are_clear_4xx(api, sandbox):
    cases = [(43101, 403, "not subscribed"), (40037, 400, "template_id"), (40003, 400, "openid")]
    for errcode, status, words in cases:
        sandbox.fail("/cgi-bin/message/subscribe/send", errcode)
        reply = api.post(SEND, message(appid=APP1, touser="o-someone"), token=ADMIN_KEY)
        assert reply.status == status and words in reply.json["message"], reply
        assert reply.json["data"]["errcode"] == errcode
    sandbox.fail("/cgi-bin/message/subscribe/send", 47003, errmsg="argument invalid! data.thing1.value, rid: x")
    reply = api.post(SEND, message(appid=APP1, touser="o-someone"), token=ADMIN_KEY)
    assert reply.status == 400 and reply.json["data"] == {"errcode": 47003, "field": "data.thing1.value"}
    assert sandbox.sent() == []


def test_bad_input_is_400(api, sandbox):
    bad = [
        {"data": DATA, "appid": APP1, "touser": "o"},  # no template
        message(appid=APP1),  # no recipient
        message(appid=APP1, touser="o", user="abc"),  # both
        {"template_id": "t", "data": {"k": "not an object"}, "appid": APP1, "touser": "o"},
        {"template_id": "t", "data": {"k": {"value": True}}, "appid": APP1, "touser": "o"},
        {"template_id": "t", "data": [], "appid": APP1, "touser": "o"},
        message(appid=APP1, touser="o", lang="fr_FR"),
        message(appid=APP1, touser="o", miniprogram_state="beta"),
        message(appid=APP1, touser="o", sendAt="yesterday-ish"),
        message(appid=APP1, touser="o", sendAt="2001-01-01 00:00:00.000Z"),
        message(touser="o"),  # several mini-programs: appid required
    ]
    for body in bad:
        reply = api.post(SEND, body, token=ADMIN_KEY)
        assert reply.status == 400, (body, reply)
    assert api.post(SEND, "[1,2]", token=ADMIN_KEY).status == 400
    assert sandbox.sent() == []


def test_scheduled_message_is_sent_once_by_the_scheduled_function(api, sandbox, chalice_app):
    from chalice.test import Client

    me = api.login("sub-later", APP1)
    reply = api.post(SEND, message(appid=APP1, user=me["record"]["id"], sendAt=time.time() + 1), token=ADMIN_KEY)
    assert reply.status == 202 and reply.json["status"] == "queued"
    message_id = reply.json["id"]
    with Client(chalice_app, stage_name="local") as client:
        event = client.events.generate_cw_event("aws.events", "Scheduled Event", {}, [])
        assert client.lambda_.invoke("send_subscribe_messages", event).payload["sent"] == 0  # not due yet
        assert sandbox.sent() == []
        time.sleep(1.1)
        assert client.lambda_.invoke("send_subscribe_messages", event).payload["sent"] == 1
        assert client.lambda_.invoke("send_subscribe_messages", event).payload["sent"] == 0
    (sent,) = sandbox.sent(APP1)
    assert sent["body"]["touser"] == me["meta"]["openid"]
    status = api.get(f"{SEND}/{message_id}", token=ADMIN_KEY)
    assert status.status == 200 and status.json["status"] == "sent" and status.json["msgid"] == sent_msgid(sandbox)
    assert api.get(f"{SEND}/{message_id}", token=me["token"]).status == 403


def sent_msgid(sandbox):
    return len(sandbox.sent())  # the sandbox numbers messages in order


def test_two_concurrent_runs_send_each_message_exactly_once(api, sandbox):
    from chalicelib.jobs import send_subscribe_messages as subscribe_sender

    now = time.time()
    ids = []
    for i in range(12):
        reply = api.post(SEND, message(appid=APP1, touser=f"o-batch-{i}", sendAt=now + 30 + i * 200),
                         token=ADMIN_KEY)  # spread over two hourly buckets
        assert reply.status == 202
        ids.append(reply.json["id"])
    later = now + 30 + 12 * 200
    barrier = threading.Barrier(2)
    results = []

    def run():
        barrier.wait()
        results.append(subscribe_sender.run(now=later))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sum(r["sent"] for r in results) == 12
    touser = sorted(m["body"]["touser"] for m in sandbox.sent(APP1))
    assert touser == sorted(f"o-batch-{i}" for i in range(12))
    subscribe_sender.run(now=later + 3600)  # (other tests' messages due by then may go out; none of these again)
    again = sorted(m["body"]["touser"] for m in sandbox.sent(APP1) if m["body"]["touser"].startswith("o-batch-"))
    assert again == touser


def test_refused_scheduled_message_fails_and_busy_one_is_retried(api, sandbox):
    from chalicelib.jobs import send_subscribe_messages as subscribe_sender

    now = time.time()
    refused = api.post(SEND, message(appid=APP1, touser="o-refuser", sendAt=now + 10), token=ADMIN_KEY).json["id"]
    sandbox.fail("/cgi-bin/message/subscribe/send", 43101)
    assert subscribe_sender.run(now=now + 20)["failed"] == 1
    status = api.get(f"{SEND}/{refused}", token=ADMIN_KEY).json
    assert status["status"] == "failed" and status["errcode"] == 43101

    busy = api.post(SEND, message(appid=APP1, touser="o-busy", sendAt=now + 10), token=ADMIN_KEY).json["id"]
    sandbox.fail("/cgi-bin/message/subscribe/send", -1, times=3)  # the client's bounded retries all see -1
    assert subscribe_sender.run(now=now + 20)["retried"] == 1
    assert subscribe_sender.run(now=now + 21)["sent"] == 0  # backing off
    assert subscribe_sender.run(now=now + 200)["sent"] == 1
    assert api.get(f"{SEND}/{busy}", token=ADMIN_KEY).json["status"] == "sent"
    assert [m["body"]["touser"] for m in sandbox.sent(APP1)] == ["o-busy"]
