"""Filters past DynamoDB's expression limits (at most 300 operators and 4 KB an expression): 200 `!=` comparisons,
a filter of PocketBase's maximum length, many OR-ed terms, deep parentheses. PocketBase answers them, so must we —
with the right records, never a 500 — on every route that takes a filter: record lists (as guest, user and admin,
which the console uses), realtime subscriptions and the change feed."""
import itertools
import time

import pytest

from tests.realtime_helpers import Client, realtime_server, rt  # noqa: F401  (fixtures)
from tests.records_helpers import ADMIN, post, user

POSTS = "/api/collections/posts/records"
_n = itertools.count()


def _filters(prefix, excluded_title):
    """(name, filter, whether the excluded post is left out) — each within PocketBase's limits."""
    many_neq = "&&".join(f'title!="n{i}"' for i in range(199)) + f'&&title~"{prefix}"'
    with_hit = "&&".join(f'title!="n{i}"' for i in range(198)) + f'&&title!="{excluded_title}"&&title~"{prefix}"'
    many_or = "(" + "||".join(f'title="n{i}"' for i in range(150)) + f'||title~"{prefix}")&&title!="{excluded_title}"'
    long_values = "&&".join(f'title!="{"x" * 40}{i}"' for i in range(50)) + f'&&title~"{prefix}"'
    deep = "(" * 30 + f'title~"{prefix}"' + ")" * 30 + f'&&title!="{excluded_title}"'
    return [("199 != and a like", many_neq, False), ("200 != and a like", with_hit, True),
            ("151 or-ed terms", many_or, True), ("long values", long_values, False), ("deep nesting", deep, True)]


@pytest.fixture
def corpus(api):
    owner = user(api, "filter-limits")
    prefix = f"lim{next(_n)}z{owner['id'][:6]}"
    titles = [f"{prefix}-a", f"{prefix}-b", f"{prefix}-c"]
    for title in titles:
        post(api, owner, title=title)
    return owner, prefix, titles


@pytest.mark.parametrize("who", ["guest", "user", "admin"])
def test_filters_past_dynamodb_limits_answer_like_pocketbase(api, corpus, who):
    owner, prefix, titles = corpus
    token = {"guest": None, "user": owner["token"], "admin": ADMIN}[who]
    for name, text, excludes in _filters(prefix, titles[0]):
        assert len(text) <= 3500, name
        for extra in ("", "&skipTotal=1", "&sort=title"):
            reply = api.request("GET", POSTS + "?perPage=50" + extra + "&filter=" + _quote(text), token=token)
            assert reply.status == 200, (name, reply)
            found = sorted(i["title"] for i in reply.json["items"])
            assert found == (titles[1:] if excludes else titles), name


def _quote(text):
    from urllib.parse import quote

    return quote(text, safe="")


def test_a_subscription_and_the_change_feed_with_such_a_filter(rt, realtime_server):
    owner = user(rt, "filter-limits-rt")
    prefix = f"limrt{next(_n)}z{owner['id'][:6]}"
    _, text, _ = _filters(prefix, f"{prefix}-a")[1]
    socket = Client(realtime_server.ws_url)
    socket.subscribe("big", "posts/*", filter=text)
    assert socket.sync() == []
    start = rt.get(f"/api/realtime/changes?collection=posts").json["cursor"]
    for title in (f"{prefix}-a", f"{prefix}-b"):
        post(rt, owner, title=title)
    (event,) = socket.events(1)
    assert event["record"]["title"] == f"{prefix}-b"
    for _ in range(50):  # events go out beside the feed's write: it may land a moment later
        feed = rt.request("GET", f"/api/realtime/changes?collection=posts&since={start}&filter={_quote(text)}")
        assert feed.status == 200, feed
        if feed.json["items"]:
            break
        time.sleep(0.1)
    assert [i["record"]["title"] for i in feed.json["items"]] == [f"{prefix}-b"]
    socket.close()
