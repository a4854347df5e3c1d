"""URL Links over HTTP: validated before WeChat, reused while most of their life is left, WeChat's refusals as 4xx."""
import itertools
import time

import pytest

from chalicelib.core.clock import pb_datetime
from tests.stackenv import ADMIN_KEY, APP1

LINKS = "/api/wechat/url-link"
WECHAT = "/wxa/generate_urllink"
_n = itertools.count()


@pytest.fixture
def user(api, sandbox):
    return api.login(f"linker-{next(_n)}", APP1)["token"]


def query():
    return f"id={next(_n)}&from=sms&t={int(time.time() * 1000) % 10**9}"


def test_a_link_is_made_and_reused_for_the_same_request(api, sandbox, user):
    body = {"path": "pages/post/post", "query": query(), "expireDays": 7}
    before = int(time.time())
    made = api.post(LINKS, body, token=user)
    assert made.status == 200, made
    assert made.json["urlLink"].startswith("https://wxaurl.cn/")
    expires = made.json["expiresAt"]
    assert pb_datetime(before + 7 * 86400)[:16] <= expires[:16] <= pb_datetime(time.time() + 7 * 86400)[:16]
    assert api.post(LINKS, {**body, "path": "/pages/post/post"}, token=user).json == made.json
    assert sandbox.calls(WECHAT) == 1
    longer = api.post(LINKS, {**body, "expireDays": 30}, token=user).json
    assert longer["urlLink"] != made.json["urlLink"] and sandbox.calls(WECHAT) == 2
    default = api.post(LINKS, {"path": "pages/index/index"}, token=user)
    assert default.status == 200 and sandbox.calls(WECHAT) == 3


def test_a_kept_link_is_renewed_once_half_its_life_is_gone(api, sandbox, user):
    from chalicelib.sharing import url_links
    from chalicelib.store import keys, table

    body = {"path": "pages/post/post", "query": query(), "expireDays": 1}
    first = api.post(LINKS, body, token=user).json
    request = url_links.parse(body)
    key = keys.url_link(APP1, request.digest(APP1))
    table.update(key, "SET createdAt = :t", values={":t": int(time.time()) - 12 * 3600 - 1})
    renewed = api.post(LINKS, body, token=user).json
    assert renewed["urlLink"] != first["urlLink"] and sandbox.calls(WECHAT) == 2


@pytest.mark.parametrize("body,field,code", [
    ({}, "path", "validation_required"),
    ({"path": "pages/a?x=1"}, "path", "validation_invalid_page"),
    ({"path": "pages/a b"}, "path", "validation_invalid_page"),
    ({"path": "pages/a", "query": "q=中文"}, "query", "validation_invalid_query"),
    ({"path": "pages/a", "query": "x" * 1025}, "query", "validation_max_text_constraint"),
    ({"path": "pages/a", "expireDays": 0}, "expireDays", "validation_invalid_value"),
    ({"path": "pages/a", "expireDays": 31}, "expireDays", "validation_invalid_value"),
    ({"path": "pages/a", "expireDays": "7"}, "expireDays", "validation_invalid_type"),
    ({"path": "pages/a", "envVersion": "prod"}, "envVersion", "validation_invalid_value"),
])
def test_bad_requests_never_reach_wechat(api, sandbox, user, body, field, code):
    reply = api.post(LINKS, body, token=user)
    assert reply.status == 400 and reply.json["data"][field]["code"] == code, reply
    assert sandbox.calls(WECHAT) == 0


@pytest.mark.parametrize("errcode,status,field", [
    (40165, 400, "path"), (40212, 400, "query"), (85402, 400, "expireDays"), (45009, 429, None),
    (44990, 429, None), (85400, 429, None), (40097, 400, None), (48001, 502, None),
])
def test_wechat_refusals(api, sandbox, user, errcode, status, field):
    sandbox.fail(WECHAT, errcode)
    reply = api.post(LINKS, {"path": "pages/post/post", "query": query()}, token=user)
    assert reply.status == status and reply.json["data"]["errcode"] == errcode, reply
    if field:
        assert field in reply.json["data"]


def test_unreleased_page_busy_wechat_guests_and_budget(api, sandbox, user, monkeypatch):
    unreleased = api.post(LINKS, {"path": "drafts/new"}, token=user)  # the sandbox's WeChat answers 40165
    assert unreleased.status == 400 and unreleased.json["data"]["path"]["code"] == "validation_invalid_page"
    sandbox.fail(WECHAT, -1, times=3)
    assert api.post(LINKS, {"path": "pages/post/post", "query": query()}, token=user).status == 503
    assert api.post(LINKS, {"path": "pages/post/post"}).status == 401

    monkeypatch.setenv("WXBASE_WECHAT_BUDGETS", '{"urllink": {"perUser": 1}}')  # refused attempts count: a fresh user
    fresh = api.login(f"linker-{next(_n)}", APP1)["token"]
    assert api.post(LINKS, {"path": "pages/post/post", "query": query()}, token=fresh).status == 200
    limited = api.post(LINKS, {"path": "pages/post/post", "query": query()}, token=fresh)
    assert limited.status == 429 and limited.headers["retry-after"]
    by_admin = api.post(LINKS, {"path": "pages/post/post", "query": query(), "appid": APP1}, token=ADMIN_KEY)
    assert by_admin.status == 200


def test_twenty_identical_requests_at_once_make_one_wechat_call(live, sandbox):
    """The attack: the same link asked for 20 times at once spent 12-19 of WeChat's daily generate_urllink calls."""
    import threading

    token = live.login(f"linker-{next(_n)}", APP1)["token"]
    body = {"path": "pages/post/post", "query": query()}
    sandbox.fail(WECHAT, delay=0.3, times=1)  # the first call takes a while, as WeChat's do: the others arrive meanwhile
    replies, barrier = [], threading.Barrier(20)

    def ask():
        barrier.wait()
        replies.append(live.post(LINKS, body, token=token))

    threads = [threading.Thread(target=ask) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status for r in replies] == [200] * 20
    assert len({r.json["urlLink"] for r in replies}) == 1
    assert sandbox.calls(WECHAT) == 1
