"""Operations for admins: access-token health per app, subscribe messages by creation day with their status, and
the callback dead-letter queue — listed without being consumed, chosen messages redriven (audited)."""
import json
import time

import pytest

from chalicelib.core import clock
from tests.admin_helpers import assert_admin_only, named_admins, session  # noqa: F401
from tests.pushing import Pusher, drain_queue, text_message
from tests.records_helpers import user
from tests.stackenv import ADMIN_KEY, APP1, APP2, OA, TEST_APPS

TOKENS, MESSAGES, DEAD = "/api/admin/tokens", "/api/admin/subscribe-messages", "/api/admin/dead-letters"
SEND = "/api/wechat/subscribe-messages"


def test_token_health_shows_expiry_and_the_last_error_never_the_token(api, sandbox):
    from chalicelib.core.settings import get_settings
    from chalicelib.wechat import tokens

    tokens.central_store().access_token(get_settings().app(APP1))
    sandbox.fail("/cgi-bin/token", errcode=-1, times=3)  # APP2 refreshes with the classic endpoint
    assert api.get(f"/api/wechat/access-token/{APP2}", token=ADMIN_KEY).status == 503
    reply = api.get(TOKENS, token=ADMIN_KEY)
    assert reply.status == 200
    health = {h["appid"]: h for h in reply.json["items"]}
    assert set(health) == {APP1, APP2, OA}
    assert health[APP1]["hasToken"] and 7000 < health[APP1]["expiresIn"] <= 7200 and health[APP1]["fetches"] >= 1
    assert health[APP1]["lastError"] is None and health[APP1]["tokenMode"] == "stable"
    assert not health[APP2]["hasToken"] and health[APP2]["failures"] >= 1 and health[APP2]["lastErrorAt"]
    assert "WeChat" in health[APP2]["lastError"] and health[APP2]["tokenMode"] == "classic"
    assert "access_token" not in reply.text  # the no_secret_leaks fixture checks the token values themselves


def _send(api, touser, **extra):
    body = {"appid": APP1, "touser": touser, "template_id": "tmpl-ops", "data": {"thing1": {"value": "hi"}}, **extra}
    return api.post(SEND, body, token=ADMIN_KEY)


def test_subscribe_messages_are_listed_by_day_newest_first_with_status(api, sandbox):
    sent = _send(api, "o-ops-sent")
    assert sent.status == 200 and sent.json["status"] == "sent" and sent.json["id"]
    # due far ahead, so that no other test's run of the scheduled sender picks it up
    queued = _send(api, "o-ops-later", sendAt=time.time() + 300 * 86400)
    assert queued.status == 202
    sandbox.fail("/cgi-bin/message/subscribe/send", errcode=43101)
    assert _send(api, "o-ops-refused").status >= 400
    reply = api.get(MESSAGES, token=ADMIN_KEY)
    assert reply.status == 200 and reply.json["day"] == clock.pb_datetime()[:10]
    mine = [m for m in reply.json["items"] if m["touser"].startswith("o-ops-")][:3]
    assert [(m["touser"], m["status"]) for m in mine] == [
        ("o-ops-refused", "failed"), ("o-ops-later", "queued"), ("o-ops-sent", "sent")]
    assert mine[0]["errcode"] == 43101 and mine[2]["msgid"] and mine[2]["id"] == sent.json["id"]
    assert mine[1]["id"] == queued.json["id"] and mine[1]["template"] == "tmpl-ops"
    assert "thing1" not in reply.text  # the template data stays out of the list

    one = api.get(f"{MESSAGES}?perPage=1", token=ADMIN_KEY).json
    two = api.get(f"{MESSAGES}?perPage=1&cursor={one['nextCursor']}", token=ADMIN_KEY).json
    assert one["items"][0]["id"] != two["items"][0]["id"]
    assert api.get(f"{MESSAGES}?day=2001-01-01", token=ADMIN_KEY).json["items"] == []
    for bad in ("day=yesterday", f"day=2001-01-01&cursor={one['nextCursor']}", "perPage=x"):
        assert api.get(f"{MESSAGES}?{bad}", token=ADMIN_KEY).status == 400, bad


@pytest.fixture
def dead_letter_queue(stack):
    from chalicelib.core import aws
    from chalicelib.store import queue

    sqs = aws.client("sqs")
    return sqs, sqs.get_queue_url(QueueName=queue.dead_letter_queue_name())["QueueUrl"]


def _dead_ids(api, token):
    reply = api.get(DEAD, token=token)
    assert reply.status == 200, reply
    return {m["id"]: m for m in reply.json["items"]}, reply.json["waiting"]


def test_dead_letters_are_listed_in_place_and_redriven_to_the_worker(api, sandbox, named_admins, dead_letter_queue,
                                                                     chalice_app):
    sqs, dlq = dead_letter_queue
    drain_queue()
    message = text_message("hello from the dead letters")
    path, body, headers = Pusher(TEST_APPS[0]).push(message, mode="safe", fmt="json")
    assert api.post(path, body, headers=headers).text == "success"
    [queued] = drain_queue()
    # what SQS does after maxReceiveCount failed receives: the message moves to the dead-letter queue
    dead = sqs.send_message(QueueUrl=dlq, MessageBody=queued)["MessageId"]
    other = sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps({"appid": APP1, "key": "x" * 8,
                                                                    "message": {"MsgType": "event"}}))["MessageId"]
    token = session(api, named_admins["alice"])
    listed, waiting = _dead_ids(api, token)
    assert {dead, other} <= set(listed) and waiting >= 2
    entry = listed[dead]
    assert entry["appid"] == APP1 and entry["msgType"] == "text" and entry["openid"] == message["FromUserName"]
    assert entry["body"]["message"]["Content"] == "hello from the dead letters" and entry["sentAt"]
    assert {dead, other} <= set(_dead_ids(api, token)[0])  # listing consumed nothing

    reply = api.post(f"{DEAD}/redrive", {"ids": [dead, "no-such-message"]}, token=token)
    assert reply.status == 200, reply
    assert reply.json == {"redriven": [dead], "missing": ["no-such-message"]}
    remaining, _ = _dead_ids(api, token)
    assert dead not in remaining and other in remaining
    [back] = drain_queue()
    assert back == queued
    # the worker processes it as the first time round: the keyword auto reply goes out
    from chalice.test import Client

    from tests.conftest import PROJECT_DIR

    with Client(chalice_app, stage_name="local", project_dir=PROJECT_DIR) as client:
        event = client.events.generate_sqs_event([back], queue_name="wxbase-test-callbacks")
        assert client.lambda_.invoke("callback_worker", event).payload == {"batchItemFailures": []}
    assert [s["body"]["touser"] for s in sandbox.sent(APP1)] == [message["FromUserName"]]
    latest = api.get("/api/admin/audit?perPage=1", token=token).json["items"][0]
    assert (latest["admin"], latest["action"], latest["detail"]) == (
        "alice", "redrive", {"messages": [dead], "missing": ["no-such-message"]})
    assert api.post(f"{DEAD}/redrive", {"ids": [other]}, token=token).json["redriven"] == [other]
    drain_queue()


def test_redrive_needs_a_list_of_ids(api):
    for body in ({}, {"ids": []}, {"ids": "abc"}, {"ids": [1]}, {"ids": ["a b"]}, {"ids": ["x"] * 51}):
        assert api.post(f"{DEAD}/redrive", body, token=ADMIN_KEY).status == 400, body


def test_operations_are_for_admins_only(api):
    someone = user(api)
    for path in (TOKENS, MESSAGES, DEAD):
        assert_admin_only(api, "GET", path, someone["token"])
    assert_admin_only(api, "POST", f"{DEAD}/redrive", someone["token"], {"ids": ["x"]})
