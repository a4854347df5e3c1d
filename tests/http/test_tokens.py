"""The central access_token store: one upstream fetch for many cold workers, refresh-once on rejection, outage
fallback, the scheduled refresher and the admin token endpoint."""
import json
import logging
import threading
import time

import pytest

from chalicelib.core.settings import get_settings
from chalicelib.store import keys
from chalicelib.wechat import tokens
from tests.pushing import Pusher, text_message
from tests.stackenv import ADMIN_KEY, APP1, APP2, OA, TEST_APPS

STABLE, CLASSIC = "/cgi-bin/stable_token", "/cgi-bin/token"


@pytest.fixture
def cold(stack, sandbox, ddb):
    """No token anywhere: the sandbox fixture resets the sandbox, the table's token items and this process's memory."""
    yield sandbox
    tokens.central_store().forget()


def item(appid):
    from chalicelib.store import table

    return table.get(keys.access_token(appid)) or {}


def set_expiry(appid, seconds_left):
    """Make the stored token look closer to expiry than it is (WeChat still accepts it)."""
    from chalicelib.store import table

    table.update(keys.access_token(appid), "SET expires_at = :e", values={":e": int(time.time()) + seconds_left})
    tokens.central_store().forget()


def app(appid):
    return get_settings().app(appid)


ADMIN = {"Authorization": ADMIN_KEY}


@pytest.mark.returns_access_token
def test_fifty_cold_requests_cause_one_upstream_fetch(live, cold):
    results, errors = [], []

    def fetch():
        reply = live.get(f"/api/wechat/access-token/{APP1}", headers=ADMIN)
        (results if reply.status == 200 else errors).append(reply)

    threads = [threading.Thread(target=fetch) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len({r.json["access_token"] for r in results}) == 1
    assert cold.calls(STABLE) == 1
    body = results[0].json
    assert 7000 < body["expires_in"] <= 7200 and abs(body["expires_at"] - time.time() - body["expires_in"]) <= 2


def test_fifty_cold_workers_with_their_own_memory_fetch_once(cold):
    """Separate TokenStores play separate Lambdas: only the table lease coordinates them."""
    stores = [tokens.TokenStore() for _ in range(50)]
    got, barrier = [], threading.Barrier(50)

    def work(store):
        barrier.wait()
        got.append(store.token(app(APP2)).value)

    threads = [threading.Thread(target=work, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 50 and len(set(got)) == 1
    assert cold.calls(CLASSIC) == 1  # classic mode: a second fetch would have invalidated the first


@pytest.mark.returns_access_token
def test_token_endpoint_needs_an_admin_key(api, cold):
    assert api.get(f"/api/wechat/access-token/{APP1}").status == 401
    assert api.get(f"/api/wechat/access-token/{APP1}", headers={"Authorization": "nope"}).status == 403
    assert api.get("/api/wechat/access-token/wxunknown0000000", headers=ADMIN).status == 404
    assert cold.calls(STABLE) == 0
    first = api.get(f"/api/wechat/access-token/{APP1}", headers=ADMIN).json["access_token"]
    assert api.get(f"/api/wechat/access-token/{OA}", headers=ADMIN).json["access_token"] != first


def test_warm_calls_need_no_token_fetch(cold):
    for _ in range(20):
        tokens.central_store().access_token(app(APP1))
    assert cold.calls(STABLE) == 1
    assert item(APP1)["fetches"] == 1


def _auto_reply_through_worker(api, chalice_app):
    """Push 'hello' to APP1 and run the worker on it: the auto reply is one custom/send call."""
    from chalice.test import Client

    from chalicelib.core import aws
    from chalicelib.store import queue
    from tests.conftest import PROJECT_DIR

    pusher = Pusher(TEST_APPS[0])
    path, body, headers = pusher.push(text_message("hello"), mode="safe")
    assert api.post(path, body, headers=headers).status == 200
    sqs = aws.client("sqs")
    bodies = []
    for _ in range(5):
        messages = sqs.receive_message(QueueUrl=queue.queue_url(), MaxNumberOfMessages=10).get("Messages", [])
        for m in messages:
            sqs.delete_message(QueueUrl=queue.queue_url(), ReceiptHandle=m["ReceiptHandle"])
        bodies += [m["Body"] for m in messages]
        if not messages:
            break
    # the queue also carries other kinds of work (payment expiry checks): keep the push this test made
    pushes = [b for b in bodies if "message" in json.loads(b)]
    bodies = [b for b in pushes if json.loads(b)["message"]["FromUserName"] == json.loads(pushes[-1])["message"]
              ["FromUserName"]][-1:]
    with Client(chalice_app, stage_name="local", project_dir=PROJECT_DIR) as client:
        event = client.events.generate_sqs_event(bodies)
        return client.lambda_.invoke("callback_worker", event).payload


def test_rejected_token_is_refreshed_once_and_the_call_retried_once(api, cold, chalice_app):
    tokens.central_store().access_token(app(APP1))
    cold.expire_tokens(APP1)  # WeChat now answers 40001 for the token in the table
    assert _auto_reply_through_worker(api, chalice_app) == {"batchItemFailures": []}
    assert cold.calls(STABLE) == 2
    assert cold.calls("/cgi-bin/message/custom/send") == 2
    assert len(cold.sent(APP1)) == 1


def test_a_second_rejection_is_reported_not_looped(api, cold, chalice_app):
    tokens.central_store().access_token(app(APP1))
    cold.fail("/cgi-bin/message/custom/send", errcode=40001, times=10)
    result = _auto_reply_through_worker(api, chalice_app)
    assert len(result["batchItemFailures"]) == 1
    assert cold.calls("/cgi-bin/message/custom/send") == 2
    assert cold.calls(STABLE) == 2  # the first fetch, then exactly one refresh


@pytest.mark.returns_access_token
def test_rejection_reported_by_another_server_refreshes_once(api, cold):
    old = api.get(f"/api/wechat/access-token/{APP2}", headers=ADMIN).json["access_token"]
    cold.expire_tokens(APP2)
    for _ in range(3):  # three servers report the same rejected token
        reply = api.post(f"/api/wechat/access-token/{APP2}", {"rejected": old}, headers=ADMIN)
        assert reply.status == 200
        assert reply.json["access_token"] != old
    assert cold.calls(CLASSIC) == 2
    assert api.post(f"/api/wechat/access-token/{APP2}", {"rejected": 5}, headers=ADMIN).status == 400


def test_outage_during_refresh_keeps_the_old_token_and_logs_it(cold, caplog):
    old = tokens.central_store().access_token(app(APP1))
    set_expiry(APP1, 200)  # due for a refresh, still valid
    cold.fail(STABLE, status=502, times=3)
    with caplog.at_level(logging.INFO, logger="wxbase"):
        assert tokens.central_store().access_token(app(APP1)) == old
    failures = [r for r in caplog.records if r.getMessage() == "wechat.token_refresh_failed"]
    assert len(failures) == 1 and failures[0].levelno == logging.WARNING
    assert item(APP1)["last_error"] == "WeChatUnavailable" and item(APP1)["failures"] == 1
    assert item(APP1)["access_token"] == old
    # while the failure back-off holds the lease, requests use the old token without calling WeChat again
    calls = cold.calls(STABLE)
    assert tokens.central_store().access_token(app(APP1)) == old
    assert cold.calls(STABLE) == calls


def test_outage_without_any_token_is_a_clear_503(api, cold):
    cold.fail(CLASSIC, errcode=-1, times=3)
    with pytest.raises(Exception) as raised:
        tokens.central_store().access_token(app(APP2))
    assert getattr(raised.value, "status", None) == 503


def _run_refresher(chalice_app):
    from chalice.test import Client

    from tests.conftest import PROJECT_DIR

    with Client(chalice_app, stage_name="local", project_dir=PROJECT_DIR) as client:
        event = client.events.generate_cw_event("aws.events", "Scheduled Event", {}, [])
        return client.lambda_.invoke("token_refresher", event).payload


def test_scheduled_refresher_refreshes_only_tokens_near_expiry(cold, chalice_app):
    first = _run_refresher(chalice_app)  # nothing stored yet: every app is due
    assert sorted(first["refreshed"]) == sorted([APP1, APP2, OA]) and first["failed"] == []
    assert (cold.calls(STABLE), cold.calls(CLASSIC)) == (2, 1)
    old = item(APP2)["access_token"]
    set_expiry(APP2, 600)
    second = _run_refresher(chalice_app)
    assert second["refreshed"] == [APP2] and sorted(second["fresh"]) == sorted([APP1, OA])
    assert (cold.calls(STABLE), cold.calls(CLASSIC)) == (2, 2)
    assert item(APP2)["access_token"] != old and item(APP2)["expires_at"] > time.time() + 7000


def test_scheduled_refresher_records_failures_without_blocking_other_apps(cold, chalice_app, caplog):
    _run_refresher(chalice_app)
    for appid in (APP1, APP2, OA):
        set_expiry(appid, 300)
    cold.fail(CLASSIC, errcode=-1, times=3)  # APP2 (classic) keeps failing through the client's retries
    started = time.monotonic()
    result = _run_refresher(chalice_app)
    assert time.monotonic() - started < 5
    assert result["failed"] == [{"appid": APP2, "error": "WeChatError", "errcode": -1}]
    assert APP2 not in result["refreshed"] + result["unchanged"]
    assert sorted(result["refreshed"] + result["unchanged"]) == sorted([APP1, OA])
    assert item(APP2)["last_error"] == "WeChatError -1"
    assert any(r.getMessage() == "wechat.token_refresh_failed" for r in caplog.records)
