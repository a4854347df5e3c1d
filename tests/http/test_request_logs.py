"""Request logs through PocketBase's logs API: every request and every WeChat call leaves an entry in PocketBase's
shape, admins read them with filter/sort/paging/stats, and no token, key or secret is ever in one."""
import os
import time
import uuid

import pytest

from tests.admin_helpers import assert_admin_only
from tests.records_helpers import user
from tests.stackenv import ADMIN_KEY, APP1


@pytest.fixture(autouse=True)
def logging_on(monkeypatch):
    """The test stack runs without request logs (tests/stackenv.py); these tests are about them."""
    monkeypatch.setenv("WXBASE_LOGS_DAYS", "5")


def _about(text):
    """A filter for the entries of requests carrying `text`, not those of the log reads looking for them."""
    return f'message~"{text}" %26%26 message!~"/api/logs"'


def _find(api, text, expected=1, **params):
    """The entries whose message contains `text`, once `expected` of them are there."""
    query = "&".join(f"{k}={v}" for k, v in {"filter": _about(text), "sort": "created", **params}.items())
    for _ in range(20):
        reply = api.get(f"/api/logs?{query}", token=ADMIN_KEY)
        assert reply.status == 200, reply
        if len(reply.json["items"]) >= expected:
            return reply.json
        time.sleep(0.1)
    return reply.json


def test_a_request_is_logged_as_pocketbase_logs_it_without_its_token(live):
    probe = uuid.uuid4().hex
    someone = user(live)
    headers = {"Referer": f"https://servicewechat.com/app/page?token={probe}secret&scene=1", "User-Agent": "UA-" + probe}
    assert live.get(f"/api/collections/posts/records?probe={probe}&token={probe}abc&perPage=2", token=someone["token"],
                    headers=headers).status == 200
    assert live.get(f"/api/collections/nothing/records?probe={probe}&access_token={ADMIN_KEY}").status == 404

    found = _find(live, probe, expected=2)
    assert found["totalItems"] == 2 and found["page"] == 1 and found["perPage"] == 30 and found["totalPages"] == 1
    ok, missing = found["items"]
    assert set(ok) == {"id", "created", "data", "message", "level"}
    assert ok["level"] == 0 and missing["level"] == 8
    data = ok["data"]
    assert data["type"] == "request" and data["method"] == "GET" and data["status"] == 200
    assert data["url"] == f"/api/collections/posts/records?probe={probe}&token=%2A%2A%2A&perPage=2"
    assert ok["message"] == "GET " + data["url"]
    assert data["auth"] == "users" and data["userAgent"] == "UA-" + probe
    assert data["referer"] == "https://servicewechat.com/app/page?token=%2A%2A%2A&scene=1"
    assert data["userIP"] == data["remoteIP"] == "127.0.0.1"
    assert isinstance(data["execTime"], (int, float)) and data["execTime"] >= 0
    assert missing["data"]["status"] == 404 and missing["data"]["auth"] == ""
    assert missing["data"]["error"] == "The requested resource wasn't found." or missing["data"]["error"]
    assert ok["created"] <= missing["created"] and len(ok["id"]) == 15
    text = repr(found)
    assert probe + "abc" not in text and probe + "secret" not in text and ADMIN_KEY not in text

    one = live.get(f"/api/logs/{ok['id']}", token=ADMIN_KEY)
    assert one.status == 200 and one.json == ok
    assert live.get("/api/logs/" + "z" * 15, token=ADMIN_KEY).status == 404
    assert live.get("/api/logs/not-an-id", token=ADMIN_KEY).status == 404


def test_admin_requests_are_logged_as_superusers(api):
    probe = uuid.uuid4().hex
    api.get(f"/api/collections/posts/records?probe={probe}", token=ADMIN_KEY)
    entry = _find(api, probe)["items"][0]
    assert entry["data"]["auth"] == "_superusers"
    assert ADMIN_KEY not in repr(entry)


def test_filter_sort_paging_fields_and_stats(api):
    probe = uuid.uuid4().hex
    for i in range(3):
        api.get(f"/api/collections/posts/records?probe={probe}&n={i}")
    api.get(f"/api/collections/gone/records?probe={probe}")
    newest = _find(api, probe, expected=4, sort="-created", perPage=2)
    assert newest["totalItems"] == 4 and newest["totalPages"] == 2 and len(newest["items"]) == 2
    assert newest["items"][0]["data"]["status"] == 404
    second = api.get(f'/api/logs?filter={_about(probe)}&sort=-@rowid&perPage=2&page=2', token=ADMIN_KEY).json
    assert [e["data"]["url"][-3:] for e in second["items"]] == ["n=1", "n=0"]
    errors = api.get(f'/api/logs?filter={_about(probe)} %26%26 data.status>=400&fields=id,data.status',
                     token=ADMIN_KEY).json
    assert errors["totalItems"] == 1 and errors["items"][0] == {"id": newest["items"][0]["id"], "data": {"status": 404}}
    skipped = api.get(f'/api/logs?filter={_about(probe)}&skipTotal=1&perPage=1', token=ADMIN_KEY).json
    assert skipped["totalItems"] == -1 and skipped["totalPages"] == -1 and len(skipped["items"]) == 1

    stats = api.get(f'/api/logs/stats?filter={_about(probe)}', token=ADMIN_KEY)
    assert stats.status == 200
    assert sum(s["total"] for s in stats.json) == 4
    assert all(s["date"].endswith(":00:00.000Z") and len(s["date"]) == 24 for s in stats.json)
    later = api.get(f'/api/logs/stats?filter={_about(probe)} %26%26 created>"2999-01-01"', token=ADMIN_KEY)
    assert later.status == 200 and later.json == []


@pytest.mark.parametrize("query", ["filter=bad((", "filter=nofield=1", "sort=nofield", "page=x", "perPage=x",
                                   "filter=created>'zzzzzzzzzzzz'&sort=-created,,id"])
def test_bad_parameters_are_a_400(api, query):
    reply = api.get(f"/api/logs?{query}", token=ADMIN_KEY)
    assert reply.status == 400, reply
    assert set(reply.json) == {"status", "message", "data"}


def test_logs_are_for_admins_only(api):
    someone = user(api)
    for path in ("/api/logs", "/api/logs/stats", "/api/logs/" + "a" * 15):
        assert_admin_only(api, "GET", path, someone["token"])


def test_wechat_calls_are_logged_with_errcode_and_latency(api, sandbox):
    name = "logs-" + uuid.uuid4().hex[:8]
    api.login(name, APP1)
    sandbox.fail("/sns/jscode2session", errcode=40029)
    assert api.post("/api/wechat/login", {"code": f"sandbox-{name}-2", "appid": APP1}).status >= 400
    calls = api.get('/api/logs?filter=data.type="wechat" %26%26 data.api="/sns/jscode2session"&sort=-created&perPage=2',
                    token=ADMIN_KEY).json["items"]
    assert [c["data"]["errcode"] for c in calls] == [40029, 0]
    assert [c["level"] for c in calls] == [4, 0]
    assert calls[0]["message"] == "WeChat /sns/jscode2session" and calls[0]["data"]["execTime"] >= 0
    assert "secret" not in repr(calls) and "sandbox-" not in repr(calls)


def test_entries_expire_after_the_configured_days_and_zero_turns_logging_off(api, ddb, monkeypatch):
    probe = uuid.uuid4().hex
    monkeypatch.setenv("WXBASE_LOGS_DAYS", "2")
    api.get(f"/api/health?probe={probe}")
    entry = _find(api, probe)["items"][0]
    stored = ddb.get_item(TableName=os.environ["WXBASE_TABLE"], Key={"pk": {"S": "LOG#" + entry["created"][:10]},
                                                         "sk": {"S": entry["id"]}})["Item"]
    created = time.mktime(time.strptime(entry["created"][:19], "%Y-%m-%d %H:%M:%S")) - time.timezone
    assert abs(int(stored["exp"]["N"]) - created - 2 * 86400) <= 2

    monkeypatch.setenv("WXBASE_LOGS_DAYS", "0")
    off = uuid.uuid4().hex
    api.get(f"/api/health?probe={off}")
    monkeypatch.setenv("WXBASE_LOGS_DAYS", "1")
    assert api.get(f'/api/logs?filter={_about(off)}', token=ADMIN_KEY).json["totalItems"] == 0


def test_requests_and_wechat_errcodes_are_counted_in_embedded_metrics(api, sandbox):
    import json
    import logging

    lines = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(json.loads(record.getMessage()))

    out = logging.getLogger("wxbase.metrics")
    handler = Collect()
    out.addHandler(handler)
    try:
        missing = api.get("/api/collections/nothing/records")
        sandbox.fail("/sns/jscode2session", errcode=40163)
        api.post("/api/wechat/login", {"code": "sandbox-metrics-" + uuid.uuid4().hex[:6], "appid": APP1})
    finally:
        out.removeHandler(handler)
    request = next(e for e in lines if "Requests" in e and e["requestId"] == missing.headers["x-request-id"])
    assert (request["Requests"], request["Errors4xx"], request["Errors5xx"]) == (1, 1, 0) and request["Latency"] >= 0
    errors = [e for e in lines if "WeChatErrors" in e]
    assert [(e["Api"], e["Errcode"]) for e in errors] == [("/sns/jscode2session", "40163")]
    assert errors[0]["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["Api", "Errcode"]]
