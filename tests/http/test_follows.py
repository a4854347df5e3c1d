"""Official-account follows over HTTP: subscribe/unsubscribe pushes through the callback and worker, lookups through
cgi-bin/user/info, and the answers for people nothing is known about."""
import itertools
import time

from chalicelib.core.clock import pb_datetime
from chalicelib.store import keys, table
from tests.stackenv import APP1, OA
from tests.wechat_extras import OA_CONF, extras, oa_event, push  # noqa: F401 (fixtures)

FOLLOWS = "/api/wechat/follows"
USER_INFO = "/cgi-bin/user/info"
_n = itertools.count()


def unique(prefix):
    return f"{prefix}-{next(_n)}-{int(time.time() * 1000) % 10**8}"


def signed_in(api, name):
    return api.login(name, APP1)["token"]


def test_subscribe_then_unsubscribe_pushes_keep_the_state(api, sandbox, extras, queue, worker):
    name = unique("alice")
    token = signed_in(api, name)
    person = extras.identity(OA, name)  # her openid in the official account: pushes carry only that
    extras.follow(OA, [name])
    followed_at = int(time.time()) - 120
    push(api, OA_CONF, oa_event("subscribe", person["openid"], followed_at))
    assert worker(queue()) == {"batchItemFailures": []}
    assert api.get(FOLLOWS, token=token).json == {
        "items": [{"appid": OA, "following": True, "since": pb_datetime(followed_at), "source": "push"}]}
    assert sandbox.calls(USER_INFO) == 1  # the unionid of the openid, asked once

    extras.follow(OA, [name], following=False)
    push(api, OA_CONF, oa_event("unsubscribe", person["openid"], followed_at + 60), fmt="json")
    assert worker(queue()) == {"batchItemFailures": []}
    assert api.get(FOLLOWS, token=token).json == {"items": [{"appid": OA, "following": False, "source": "push"}]}
    assert sandbox.calls(USER_INFO) == 1  # the stored unionid served the unsubscribe

    # a subscribe older than the unsubscribe (WeChat retrying late, SQS reordering) changes nothing
    push(api, OA_CONF, oa_event("subscribe", person["openid"], followed_at + 30))
    assert worker(queue()) == {"batchItemFailures": []}
    assert api.get(FOLLOWS, token=token).json["items"][0]["following"] is False


def test_a_push_delivered_three_times_and_twice_by_sqs_is_applied_once(api, sandbox, extras, queue, worker):
    name = unique("bea")
    token = signed_in(api, name)
    openid = extras.identity(OA, name)["openid"]
    extras.follow(OA, [name])
    message = oa_event("subscribe", openid, int(time.time()) - 5)
    for mode in ("safe", "compatible", "safe"):  # the apps have EncodingAESKeys: encrypted pushes only
        push(api, OA_CONF, message, mode=mode)
    bodies = queue()
    assert len(bodies) == 1
    assert worker(bodies) == {"batchItemFailures": []}
    stored = table.get(keys.follower(OA, openid))
    assert worker(bodies) == {"batchItemFailures": []}  # SQS delivers the record again
    assert table.get(keys.follower(OA, openid)) == stored
    assert sandbox.calls(USER_INFO) == 1
    assert api.get(FOLLOWS, token=token).json["items"][0]["following"] is True


def test_wechat_busy_during_the_unionid_lookup_retries_the_push(api, sandbox, extras, queue, worker):
    name = unique("cai")
    token = signed_in(api, name)
    openid = extras.identity(OA, name)["openid"]
    extras.follow(OA, [name])
    push(api, OA_CONF, oa_event("subscribe", openid, int(time.time())))
    bodies = queue()
    sandbox.fail(USER_INFO, -1, times=3)  # the transport's three attempts
    assert worker(bodies) == {"batchItemFailures": [{"itemIdentifier": "m-0"}]}
    assert table.get(keys.follower(OA, openid)) is None
    assert worker(bodies) == {"batchItemFailures": []}  # SQS's redelivery
    assert table.get(keys.follower(OA, openid))["unionid"] == extras.identity(OA, name)["unionid"]
    assert api.get(FOLLOWS, token=token).json["items"][0]["following"] is True


def test_a_person_never_seen_is_looked_up_through_their_identity_in_the_account(api, sandbox, extras):
    name = unique("dan")
    token = signed_in(api, name)
    linked = api.post("/api/wechat/links", {"appid": OA, "code": f"sandbox-{name}"}, token=token)
    assert linked.status == 200, linked
    since = int(time.time()) - 86400
    extras.follow(OA, [name], since=since)
    before = sandbox.calls(USER_INFO)
    answer = api.get(FOLLOWS, token=token).json
    assert answer == {"items": [{"appid": OA, "following": True, "since": pb_datetime(since), "source": "lookup"}]}
    assert sandbox.calls(USER_INFO) == before + 1
    assert api.get(FOLLOWS, token=token).json == answer  # kept: no second call
    assert sandbox.calls(USER_INFO) == before + 1


def test_lookup_of_a_non_follower_and_wechat_refusals(api, sandbox, extras):
    name = unique("eve")
    token = signed_in(api, name)
    assert api.post("/api/wechat/links", {"appid": OA, "code": f"sandbox-{name}"}, token=token).status == 200
    sandbox.fail(USER_INFO, -1, times=3)
    busy = api.get(FOLLOWS, token=token)
    assert busy.status == 503 and busy.json["data"]["errcode"] == -1
    sandbox.fail(USER_INFO, 45009)
    quota = api.get(FOLLOWS, token=token)
    assert quota.status == 429
    assert api.get(FOLLOWS, token=token).json == {"items": [{"appid": OA, "following": False, "source": "lookup"}]}


def test_nothing_known_answers_false_with_the_reason(api, sandbox, extras):
    table.delete(keys.follower_backfill(OA))  # no complete backfill: nobody can say "not a follower"
    token = signed_in(api, unique("fay"))
    assert api.get(FOLLOWS, token=token).json == {
        "items": [{"appid": OA, "following": False, "source": "never-seen"}]}
    sandbox.add_user(APP1, "sandbox-fixture-nounion", "o-no-union-" + unique("x"), "a2V5a2V5a2V5a2V5a2V5aw==")
    lonely = api.post("/api/wechat/login", {"code": "sandbox-fixture-nounion", "appid": APP1}).json["token"]
    assert api.get(FOLLOWS, token=lonely).json == {
        "items": [{"appid": OA, "following": False, "source": "no-unionid"}]}
    assert sandbox.calls(USER_INFO) == 0


def test_guests_and_bad_tokens_are_refused(api):
    assert api.get(FOLLOWS).status == 401
    assert api.get(FOLLOWS, token="not-a-token").status == 401
