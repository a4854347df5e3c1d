"""The admin backfill of an official account's followers: user/get pages and user/info/batchget batches, bounded per
call, interrupted by WeChat and resumed, then answering GET /api/wechat/follows."""
import itertools
import time

import pytest

from chalicelib.core.clock import pb_datetime
from chalicelib.store import keys, table
from tests.stackenv import ADMIN_KEY, APP1, OA
from tests.wechat_extras import extras  # noqa: F401 (fixture)

BACKFILL = f"/api/wechat/follows/backfill/{OA}"
USER_GET, BATCHGET = "/cgi-bin/user/get", "/cgi-bin/user/info/batchget"
_n = itertools.count()


def names(prefix, count):
    run = f"{prefix}{next(_n)}x{int(time.time() * 1000) % 10**8}"
    return [f"{run}-{i}" for i in range(count)]


def run(api, **body):
    return api.post(BACKFILL, body, token=ADMIN_KEY)


def test_backfill_in_bounded_batches_survives_an_interruption_and_resumes(api, sandbox, extras):
    fans = names("fan", 250)
    since = int(time.time()) - 7 * 86400
    extras.follow(OA, fans, since=since)
    extras.config(user_get_page_size=100)

    first = run(api, limit=120, restart=True)
    assert first.status == 200, first
    assert first.json | {"startedAt": 0} == {"appid": OA, "state": "running", "processed": 120, "following": 120,
                                             "total": 250, "startedAt": 0}
    assert (sandbox.calls(USER_GET), sandbox.calls(BATCHGET)) == (2, 2)  # page 1 (100), 20 of page 2

    sandbox.fail(BATCHGET, -1, times=3)  # WeChat busy through all three attempts: the batch stops
    interrupted = run(api, limit=120)
    assert interrupted.status == 503
    progress = api.get(BACKFILL, token=ADMIN_KEY).json
    assert progress["state"] == "running" and progress["processed"] == 120  # nothing of the failed batch counted

    rest = run(api, limit=5000)
    assert rest.status == 200, rest
    assert rest.json["state"] == "done" and rest.json["processed"] == 250 and rest.json["following"] == 250
    assert rest.json["completedAt"] >= rest.json["startedAt"]
    stored = [table.get(keys.follower(OA, extras.identity(OA, n)["openid"])) for n in fans]
    assert all(s and s["following"] and s["source"] == "backfill" and s["since"] == since for s in stored)
    assert {s["unionid"] for s in stored} == {extras.identity(OA, n)["unionid"] for n in fans}
    # 250 people in 100s (the interrupted batch repeated), one more page read to see the end
    assert sandbox.calls(BATCHGET) == 2 + 3 + 2

    done = run(api)  # a finished walk answers its progress without calling WeChat
    assert done.json["state"] == "done" and sandbox.calls(USER_GET) == 2 + 1 + 3

    # the backfill answers for people no push was seen for, matched by unionid
    token = api.login(fans[7], APP1)["token"]
    assert api.get("/api/wechat/follows", token=token).json == {
        "items": [{"appid": OA, "following": True, "since": pb_datetime(since), "source": "backfill"}]}
    stranger = api.login(names("nofan", 1)[0], APP1)["token"]
    assert api.get("/api/wechat/follows", token=stranger).json == {
        "items": [{"appid": OA, "following": False, "source": "not-a-follower"}]}


def test_restart_walks_again_and_sees_unfollows(api, sandbox, extras):
    fans = names("re", 30)
    extras.follow(OA, fans)
    assert run(api, restart=True).json["state"] == "done"
    extras.follow(OA, fans[:10], following=False)
    again = run(api, restart=True).json
    assert again["state"] == "done" and again["processed"] == 20 and again["following"] == 20


def test_one_batch_at_a_time(api, sandbox, extras):
    table.update(keys.follower_backfill(OA), "SET leaseOwner = :o, leaseUntil = :u",
                 values={":o": "another-call", ":u": int(time.time()) + 60})
    try:
        busy = run(api, restart=True)
        assert busy.status == 409
        assert sandbox.calls(USER_GET) == 0
    finally:
        table.update(keys.follower_backfill(OA), "REMOVE leaseOwner, leaseUntil")
    table.update(keys.follower_backfill(OA), "SET leaseOwner = :o, leaseUntil = :u",
                 values={":o": "crashed-call", ":u": int(time.time()) - 1})
    assert run(api, restart=True).status == 200  # a lapsed lease is taken over


@pytest.mark.parametrize("body,field", [({"limit": 0}, "limit"), ({"limit": 10001}, "limit"),
                                        ({"limit": "10"}, "limit"), ({"restart": "yes"}, "restart")])
def test_bad_bodies(api, sandbox, body, field):
    reply = run(api, **body)
    assert reply.status == 400 and field in reply.json["data"]
    assert sandbox.calls(USER_GET) == 0


def test_only_admins_and_only_official_accounts(api, sandbox):
    user = api.login(names("plain", 1)[0], APP1)["token"]
    assert api.post(BACKFILL, {}).status == 401
    assert api.post(BACKFILL, {}, token=user).status == 403
    assert api.get(BACKFILL, token=user).status == 403
    assert api.post("/api/wechat/follows/backfill/wxunknown0000000", {}, token=ADMIN_KEY).status == 404
    assert api.post(f"/api/wechat/follows/backfill/{APP1}", {}, token=ADMIN_KEY).status == 400
    assert sandbox.calls(USER_GET) == 0
