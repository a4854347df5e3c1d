"""Realtime events end to end: a write over HTTP, the table's stream read into record_stream, the realtime step's
rule checks and PostToConnection through the local @connections API, the message on the subscriber's socket.
Rules for a guest, the owner and another user; records leaving a view; filters and record topics; records over
the 32 KB frame limit; gone connections; 200 clients on one collection."""
import time
from concurrent.futures import ThreadPoolExecutor

from tests.realtime_helpers import Client, realtime_server, rt  # noqa: F401  (fixtures)
from tests.records_helpers import user

POSTS = "/api/collections/posts/records"


def _three(rt, realtime_server, name):
    owner, other = user(rt, f"{name}-owner"), user(rt, f"{name}-other")
    clients = {"owner": Client(realtime_server.ws_url), "other": Client(realtime_server.ws_url),
               "guest": Client(realtime_server.ws_url)}
    clients["owner"].auth(owner["token"])
    clients["other"].auth(other["token"])
    for client in clients.values():
        client.subscribe("feed", "posts/*")
        assert client.sync() == []
    return owner, other, clients


def _mine(events, record_id):
    return [(e["action"], e["record"]["status"]) for e in events if e["record"]["id"] == record_id]


def test_a_draft_reaches_only_its_owner_and_a_record_leaving_a_view_is_a_delete(rt, realtime_server):
    owner, other, clients = _three(rt, realtime_server, "rules")
    draft = rt.post(POSTS, {"title": "draft", "status": "draft", "owner": owner["id"]}, token=owner["token"]).json
    rt.patch(f"{POSTS}/{draft['id']}", {"status": "published"}, token=owner["token"])
    rt.patch(f"{POSTS}/{draft['id']}", {"status": "draft"}, token=owner["token"])
    rt.delete(f"{POSTS}/{draft['id']}", token=owner["token"])
    marker = rt.post(POSTS, {"title": "marker", "status": "published", "owner": owner["id"]},
                     token=owner["token"]).json  # everyone hears of it, after the rest

    heard = {}
    for name, client in clients.items():
        events = []
        while not any(e["record"]["id"] == marker["id"] for e in events):
            events += client.events(1)
        heard[name] = _mine(events, draft["id"])
        assert all(e["id"] == "feed" and e["cursor"] for e in events)
    assert heard["owner"] == [("create", "draft"), ("update", "published"), ("update", "draft"),
                              ("delete", "draft")]
    # the others: it appears when published, and leaves their view (a delete) when it becomes a draft again
    assert heard["other"] == [("update", "published"), ("delete", "published")]
    assert heard["guest"] == [("update", "published"), ("delete", "published")]
    for client in clients.values():
        client.close()


def test_events_are_rendered_for_their_subscriber(rt, realtime_server):
    from chalicelib.store import keys, table

    alice, bob = user(rt, "render-alice"), user(rt, "render-bob")
    table.update(keys.record("users", alice["id"]), "SET #d.#e = :e", names={"#d": "data", "#e": "email"},
                 values={":e": "alice@example.com"}, return_values="NONE")  # (not a write the API offers)
    mine, theirs = Client(realtime_server.ws_url), Client(realtime_server.ws_url)
    mine.auth(alice["token"])
    theirs.auth(bob["token"])
    mine.subscribe("me", f"users/{alice['id']}")
    theirs.subscribe("her", f"users/{alice['id']}")
    assert mine.sync() == [] and theirs.sync() == []
    rt.patch(f"/api/collections/users/records/{alice['id']}", {"name": "Alice"}, token=alice["token"])
    event = mine.events(1)[0]
    while event["record"]["name"] != "Alice":  # the email's own change may be streamed after subscribing
        event = mine.events(1)[0]
    assert event["record"]["email"] == "alice@example.com"
    assert "password" not in event["record"] and "tokenKey" not in event["record"]
    assert not any(k.startswith("_") for k in event["record"])
    assert theirs.quiet() == []  # the users view rule is `id = @request.auth.id`
    mine.close()
    theirs.close()


def test_filters_and_record_topics(rt, realtime_server):
    owner = user(rt, "topics")
    watched = rt.post(POSTS, {"title": "watched", "status": "published", "owner": owner["id"]},
                      token=owner["token"]).json
    client = Client(realtime_server.ws_url)
    client.subscribe("food", "posts/*", filter='tags:each ?= "food"')
    client.subscribe("one", f"posts/{watched['id']}")
    assert client.sync() == []
    rt.post(POSTS, {"title": "trains", "status": "published", "tags": ["travel"], "owner": owner["id"]},
            token=owner["token"])
    noodles = rt.post(POSTS, {"title": "noodles", "status": "published", "tags": ["food"], "owner": owner["id"]},
                      token=owner["token"]).json
    rt.patch(f"{POSTS}/{watched['id']}", {"title": "watched, edited"}, token=owner["token"])
    rt.delete(f"{POSTS}/{watched['id']}", token=owner["token"])
    events = client.events(3)
    assert [(e["id"], e["action"], e["record"]["title"]) for e in events] == [
        ("food", "create", "noodles"), ("one", "update", "watched, edited"), ("one", "delete", "watched, edited")]
    assert events[0]["record"]["id"] == noodles["id"]
    assert client.quiet() == []
    client.send({"type": "unsubscribe", "id": "food"})
    assert client.sync() == []
    rt.post(POSTS, {"title": "soup", "status": "published", "tags": ["food"], "owner": owner["id"]},
            token=owner["token"])
    assert client.quiet(1.0) == []
    client.close()


def test_a_record_over_the_frame_limit_arrives_as_a_stub_to_fetch(rt, realtime_server):
    owner = user(rt, "large")
    client = Client(realtime_server.ws_url)
    client.auth(owner["token"])
    client.subscribe("big", "posts/*")
    assert client.sync() == []
    content = "<p>" + "长文本" * 6000 + "</p>"  # 54 KB of UTF-8 (within the content check's 20000 characters)
    reply = rt.post(POSTS, {"title": "long read", "content": content, "status": "draft", "owner": owner["id"]},
                    token=owner["token"])
    assert reply.status == 200, reply
    post = reply.json
    (event,) = client.events(1)
    assert event["truncated"] is True and event["action"] == "create"
    assert event["record"] == {"id": post["id"], "collectionId": post["collectionId"], "collectionName": "posts"}
    assert event["cursor"]
    # the full record is one read away, with the same rules
    assert rt.get(f"{POSTS}/{post['id']}", token=owner["token"]).json["content"] == content
    small = rt.post(POSTS, {"title": "short", "status": "draft", "owner": owner["id"]}, token=owner["token"]).json
    (event,) = client.events(1)
    assert "truncated" not in event and event["record"]["id"] == small["id"]
    client.close()


def test_a_gone_connection_is_removed_when_an_event_finds_it(rt, realtime_server):
    from chalicelib.store import connections, keys, table

    owner = user(rt, "gone")
    # a connection API Gateway dropped without a $disconnect: its items are still in the table
    ghost = connections.connect("ghostConnection0=")
    connections.subscribe(ghost, connections.Subscription("ghostConnection0=", "feed", "posts", "*"))
    live = Client(realtime_server.ws_url)
    live.subscribe("feed", "posts/*")
    assert live.sync() == []
    rt.post(POSTS, {"title": "hello", "status": "published", "owner": owner["id"]}, token=owner["token"])
    live.events(1)
    deadline = time.time() + 5
    while table.get(keys.connection("ghostConnection0=")) and time.time() < deadline:
        time.sleep(0.05)
    assert table.get(keys.connection("ghostConnection0=")) is None  # 410 from @connections: removed
    assert table.get(keys.subscription("ghostConnection0=", "feed")) is None
    live.close()


def test_fan_out_reads_only_the_changed_collections_subscribers(rt, realtime_server, monkeypatch):
    from chalicelib.realtime import fanout
    from chalicelib.records.changes import RecordChange
    from chalicelib.records.store import StoredRecord
    from chalicelib.store import table

    elsewhere = [Client(realtime_server.ws_url) for _ in range(20)]
    for client in elsewhere:
        client.subscribe("c", "comments/*")
        assert client.sync() == []
    record = StoredRecord("pbc_1125843985", "posts", "zzzzzzzzzzzzzz1", {"status": "published", "title": "t"},
                          created="2026-01-01 00:00:00.000Z", updated="2026-01-01 00:00:00.000Z")
    calls = []
    real_query = table.query
    monkeypatch.setattr(table, "query", lambda *a, **kw: calls.append(kw.get("values")) or real_query(*a, **kw))
    counts = fanout.deliver(RecordChange("create", "posts", record.id, None, record, "", 0.0), "0000000000000-0")
    partitions = sorted(v[":p"] for v in calls)
    assert partitions == ["RT#posts#*", f"RT#posts#{record.id}"]  # one Query per topic, nothing else read
    assert counts == {"subscribers": 0, "sent": 0, "gone": 0}  # the 20 comments subscribers were never read
    for client in elsewhere:
        assert client.quiet(0.05) == []
        client.close()


def test_two_hundred_clients_on_one_collection(rt, realtime_server):
    owner = user(rt, "crowd")
    clients = [None] * 200
    opened = []

    def open_client(n):
        client = Client(realtime_server.ws_url)
        opened.append(client)
        client.subscribe("all", "posts/*")
        assert client.sync(timeout=30) == []
        clients[n] = client

    try:
        # opened 20 at a time: the fan-out to 200 subscribers is under test, not 200 simultaneous handshakes
        with ThreadPoolExecutor(max_workers=20) as pool:
            list(pool.map(open_client, range(200)))
        assert all(clients)
        post = rt.post(POSTS, {"title": "to everyone", "status": "published", "owner": owner["id"]},
                       token=owner["token"]).json
        rt.post(POSTS, {"title": "to no one", "status": "draft", "owner": owner["id"]}, token=owner["token"])
        marker = rt.post(POSTS, {"title": "again", "status": "published", "owner": owner["id"]},
                         token=owner["token"]).json
        for client in clients:
            first, second = client.events(2, timeout=30)
            assert first["record"]["title"] == "to everyone" and first["record"]["id"] == post["id"]
            assert second["record"]["id"] == marker["id"]  # the draft between them reached none of them
    finally:  # a failure here must not leave 200 sockets open for the tests after it
        for client in opened:
            client.close()
