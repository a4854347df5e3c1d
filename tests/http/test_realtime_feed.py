"""The change feed: what a client that lost its connection (or a polling client) reads to catch up. Cursors from
events, rules per caller, bounded pages, retention."""
import time

from tests.realtime_helpers import Client, realtime_server, rt  # noqa: F401  (fixtures)
from tests.records_helpers import user

POSTS = "/api/collections/posts/records"
CHANGES = "/api/realtime/changes"


def _feed(rt, token=None, **params):
    from urllib.parse import urlencode

    return rt.get(f"{CHANGES}?{urlencode(params)}", token=token)


def _until_settled(rt, cursor, token=None, want=1, **params):
    """Read the feed from `cursor` until `want` items came (entries are handed out once they settle)."""
    from chalicelib.realtime import feed

    items, deadline = [], time.time() + 10
    while len(items) < want and time.time() < deadline:
        time.sleep(feed.SETTLE_MS / 4000)
        page = _feed(rt, token=token, since=cursor, **params).json
        items += page["items"]
        cursor = page["cursor"]
    return items, cursor


def test_a_reconnecting_client_catches_up_from_its_last_cursor(rt, realtime_server):
    owner = user(rt, "catchup")
    client = Client(realtime_server.ws_url)
    client.auth(owner["token"])
    client.subscribe("feed", "posts/*")
    assert client.sync() == []
    first = rt.post(POSTS, {"title": "seen", "status": "draft", "owner": owner["id"]}, token=owner["token"]).json
    (event,) = client.events(1)
    assert event["record"]["id"] == first["id"]
    client.close()  # the connection drops; meanwhile:
    rt.patch(f"{POSTS}/{first['id']}", {"title": "missed edit"}, token=owner["token"])
    missed = rt.post(POSTS, {"title": "missed", "status": "draft", "owner": owner["id"]}, token=owner["token"]).json
    rt.delete(f"{POSTS}/{first['id']}", token=owner["token"])

    again = Client(realtime_server.ws_url)  # reconnect, subscribe again, then read what was missed
    again.auth(owner["token"])
    again.subscribe("feed", "posts/*")
    assert again.sync() == []
    items, _ = _until_settled(rt, event["cursor"], token=owner["token"], want=3, collection="posts")
    mine = [(i["action"], i["record"]["id"], i["record"]["title"]) for i in items
            if i["record"]["id"] in (first["id"], missed["id"])]
    assert mine == [("update", first["id"], "missed edit"), ("create", missed["id"], "missed"),
                    ("delete", first["id"], "missed edit")]
    assert all(i["cursor"] > event["cursor"] for i in items)
    later = rt.post(POSTS, {"title": "live again", "status": "draft", "owner": owner["id"]},
                    token=owner["token"]).json
    live = again.events(1)
    while live[-1]["record"]["id"] != later["id"]:
        live += again.events(1)
    # changes streamed after the new subscription came live as well: the same cursors, so a client skips them
    assert {e["cursor"] for e in live[:-1]} <= {i["cursor"] for i in items}
    again.close()


def test_the_feed_applies_the_callers_rules(rt, realtime_server):
    owner, other = user(rt, "feed-owner"), user(rt, "feed-other")
    start = _feed(rt, collection="posts").json
    assert start["items"] == [] and start["more"] is False
    draft = rt.post(POSTS, {"title": "secret", "status": "draft", "owner": owner["id"]}, token=owner["token"]).json
    public = rt.post(POSTS, {"title": "open", "status": "published", "owner": owner["id"]},
                     token=owner["token"]).json
    mine, _ = _until_settled(rt, start["cursor"], token=owner["token"], want=2, collection="posts")
    assert {draft["id"], public["id"]} <= {i["record"]["id"] for i in mine}
    for token in (other["token"], None):
        items, _ = _until_settled(rt, start["cursor"], token=token, want=1, collection="posts")
        ids = {i["record"]["id"] for i in items}
        assert public["id"] in ids and draft["id"] not in ids
    one, _ = _until_settled(rt, start["cursor"], token=None, collection="posts", topic=public["id"])
    assert [i["record"]["id"] for i in one] == [public["id"]]
    filtered, _ = _until_settled(rt, start["cursor"], token=owner["token"], collection="posts",
                                 filter='title = "secret"')
    assert [i["record"]["id"] for i in filtered] == [draft["id"]]


def test_feed_pages_are_bounded(rt, realtime_server):
    owner = user(rt, "feed-pages")
    start = _feed(rt, collection="comments").json["cursor"]
    post = rt.post(POSTS, {"title": "talk", "status": "published", "owner": owner["id"]}, token=owner["token"]).json
    made = [rt.post("/api/collections/comments/records", {"post": post["id"], "author": owner["id"], "text": str(n)},
                    token=owner["token"]).json["id"] for n in range(5)]
    _until_settled(rt, start, want=5, collection="comments")
    cursor, seen, pages = start, [], 0
    while True:
        page = _feed(rt, collection="comments", since=cursor, perPage=2).json
        assert len(page["items"]) <= 2
        seen += [i["record"]["id"] for i in page["items"]]
        cursor, pages = page["cursor"], pages + 1
        if not page["more"]:
            break
    assert [i for i in seen if i in made] == made and pages >= 3


def test_bad_feed_requests_are_4xx(rt, realtime_server):
    from chalicelib.realtime import feed

    assert _feed(rt, collection="nope").status == 404
    assert _feed(rt, collection="posts", since="yesterday").status == 400
    assert _feed(rt, collection="posts", topic="NOT AN ID").status == 400
    assert _feed(rt, collection="posts", perPage="many").status == 400
    assert _feed(rt, collection="posts", filter="title ~").status == 400
    assert _feed(rt, collection="posts", filter='@request.auth.id = ""').status == 403
    old = f"{int((time.time() - feed.KEEP_SECONDS - 60) * 1000):013d}-0000000000"
    reply = _feed(rt, collection="posts", since=old)
    assert reply.status == 410 and "24 hours" in reply.json["message"]


def test_feed_entries_expire(rt, realtime_server):
    from chalicelib.realtime import feed
    from chalicelib.store import keys, table

    owner = user(rt, "feed-ttl")
    start = _feed(rt, collection="posts").json["cursor"]
    post = rt.post(POSTS, {"title": "kept a day", "status": "published", "owner": owner["id"]},
                   token=owner["token"]).json
    items, _ = _until_settled(rt, start, collection="posts", topic=post["id"])
    entry = table.get(keys.change_feed_entry("posts", items[0]["cursor"]))
    assert entry["rid"] == post["id"] and entry["new"]["data"]["title"] == "kept a day"
    assert 0 < entry[keys.TTL_ATTRIBUTE] - time.time() <= feed.KEEP_SECONDS + 5
