"""The realtime WebSocket protocol against the local endpoint (what API Gateway runs deployed): the URL, heartbeats,
bad tokens and malformed messages (an error message, the connection stays open), API Gateway's frame limit, and
connections and subscriptions kept in the table with a TTL."""
import json
import time

from tests.realtime_helpers import Client, realtime_server, rt  # noqa: F401  (fixtures)
from tests.records_helpers import user


def test_the_realtime_url_is_the_websocket_endpoint(rt, realtime_server):
    reply = rt.get("/api/realtime")
    assert reply.status == 200
    assert reply.json == {"url": realtime_server.ws_url}
    assert reply.json["url"].startswith("ws://")
    client = Client(reply.json["url"])
    assert client.sync() == []
    client.close()


def test_without_an_endpoint_the_realtime_url_is_a_404(api, monkeypatch):
    monkeypatch.delenv("WXBASE_REALTIME_URL", raising=False)
    reply = api.get("/api/realtime")
    assert reply.status == 404
    assert reply.json["status"] == 404 and "realtime" in reply.json["message"]


def test_malformed_messages_get_an_error_and_the_connection_stays_open(realtime_server):
    client = Client(realtime_server.ws_url)
    cases = [
        ("not json", 400, None, "not valid JSON"),
        ("[1, 2]", 400, None, "JSON object"),
        (json.dumps({"type": "shout"}), 400, None, "Unknown message"),
        (json.dumps({"type": 7}), 400, None, "Unknown message"),
        (json.dumps({"type": "subscribe", "id": "s1"}), 400, "s1", "topic"),
        (json.dumps({"type": "subscribe", "id": "s2", "topic": "posts"}), 400, "s2", "topic"),
        (json.dumps({"type": "subscribe", "id": "s3", "topic": "posts/NOT-AN-ID"}), 400, "s3", "topic"),
        (json.dumps({"type": "subscribe", "id": "bad id!", "topic": "posts/*"}), 400, None, "id"),
        (json.dumps({"type": "subscribe", "id": "s4", "topic": "posts/*", "filter": 5}), 400, "s4", "filter"),
        (json.dumps({"type": "unsubscribe"}), 400, None, "id"),
        (json.dumps({"type": "auth", "token": ["x"]}), 400, None, "token"),
        (json.dumps({"type": "ping", "pad": "x" * 20000}), 413, None, "larger than"),
    ]
    for raw, status, sub_id, words in cases:
        client.send(raw)
        reply = client.next()
        assert reply["type"] == "error" and reply["status"] == status, (raw[:60], reply)
        assert words in reply["message"], (raw[:60], reply)
        assert reply.get("id") == sub_id, (raw[:60], reply)
    assert client.sync() == []  # still open, still answering
    client.close()


def test_a_frame_over_api_gateways_limit_closes_the_connection(realtime_server):
    client = Client(realtime_server.ws_url)
    client.send(json.dumps({"type": "ping", "pad": "x" * (33 * 1024)}))
    assert client.closed.wait(5)
    assert client.close_code == 1009


def test_bad_tokens_get_a_401_and_leave_a_guest(rt, realtime_server):
    from chalicelib.core import auth_tokens

    alice = user(rt, "rt-bad-token")
    expired = auth_tokens.issue(alice["id"], "any-key", "wxtest00000000001", ttl_seconds=-60)
    client = Client(realtime_server.ws_url)
    client.auth("Bearer " + alice["token"])  # accepted with or without Bearer, like Authorization
    for token in ("garbage", alice["token"][:-4] + "abcd", expired):
        client.auth(token)
        reply = client.next()
        assert reply["type"] == "error" and reply["status"] == 401 and "auth token" in reply["message"], reply
    client.subscribe("mine", "posts/*")
    assert client.sync() == []
    # signed in as nobody: alice's draft doesn't reach this connection, her published post does
    rt.post("/api/collections/posts/records", {"title": "d", "status": "draft", "owner": alice["id"]},
            token=alice["token"])
    public = rt.post("/api/collections/posts/records", {"title": "p", "status": "published", "owner": alice["id"]},
                     token=alice["token"]).json
    (event,) = client.events(1)
    assert event["record"]["id"] == public["id"]
    client.close()


def test_subscriptions_are_checked_when_made(rt, realtime_server):
    client = Client(realtime_server.ws_url)
    client.subscribe("a", "nope/*")
    assert client.next() == {"type": "error", "id": "a", "status": 404, "message": "Missing collection context."}
    client.subscribe("b", "posts/*", filter="title ~ ")
    reply = client.next()
    assert reply["id"] == "b" and reply["status"] == 400 and "filter" in reply["message"]
    client.subscribe("c", "posts/*", filter="nosuchfield = 1")
    assert client.next()["status"] == 400
    client.subscribe("d", "posts/*", filter='@request.auth.id != ""')
    reply = client.next()
    assert reply["id"] == "d" and reply["status"] == 403
    client.subscribe("e", "posts/*", filter='status = "published"')
    assert client.sync() == []
    client.close()


def test_ping_and_pong_keep_a_connection_open_past_the_idle_limit(stack):
    import app as module

    from devserver.realtime import RealtimeServer
    from tests.conftest import PROJECT_DIR

    # the maximum leaves room for slow round trips on a loaded machine: six pings must all fit before it
    server = RealtimeServer(module, PROJECT_DIR, idle_seconds=1.0, max_seconds=8.0)
    try:
        pinging, idle = Client(server.ws_url), Client(server.ws_url)
        for _ in range(6):
            time.sleep(0.4)
            assert pinging.sync() == []
        assert idle.closed.wait(3) and idle.close_code == 1001  # idle for a second: closed, as API Gateway does
        assert not pinging.closed.is_set()
        assert pinging.closed.wait(8) and pinging.close_code == 1001  # and nothing outlives the maximum duration
    finally:
        server.stop()


def test_connections_and_subscriptions_live_in_the_table_with_a_ttl(rt, realtime_server):
    from chalicelib.store import connections, keys, table

    alice = user(rt, "rt-ttl")
    client = Client(realtime_server.ws_url)
    client.auth(alice["token"])
    client.subscribe("feed", "posts/*")
    client.subscribe("one", "comments/abcdefghijklmno")
    assert client.sync() == []
    mine = [s for s in connections.subscribers("posts", "*") if s.id == "feed"]
    assert len(mine) == 1
    connection_id = mine[0].connection_id
    item = table.get(keys.connection(connection_id))
    assert item["uid"] == alice["id"]
    limit = time.time() + connections.MAX_CONNECTION_SECONDS + connections.TTL_SLACK_SECONDS
    assert time.time() + connections.MAX_CONNECTION_SECONDS < item[keys.TTL_ATTRIBUTE] <= limit + 1
    subscription = table.get(keys.subscription(connection_id, "one"))
    assert subscription[keys.TTL_ATTRIBUTE] == item[keys.TTL_ATTRIBUTE]
    assert [s.id for s in connections.subscribers("comments", "abcdefghijklmno")] == ["one"]

    client.send({"type": "unsubscribe", "id": "one"})
    assert client.sync() == []
    assert table.get(keys.subscription(connection_id, "one")) is None
    client.close()
    deadline = time.time() + 5
    while table.get(keys.connection(connection_id)) and time.time() < deadline:
        time.sleep(0.05)
    assert table.get(keys.connection(connection_id)) is None  # $disconnect removed it and what it held
    assert not [s for s in connections.subscribers("posts", "*") if s.connection_id == connection_id]


def test_a_connection_holds_a_bounded_number_of_subscriptions(realtime_server):
    from chalicelib.realtime.sockets import MAX_SUBSCRIPTIONS

    client = Client(realtime_server.ws_url)
    for n in range(MAX_SUBSCRIPTIONS):
        client.subscribe(f"s{n}", "comments/*")
    assert client.sync(timeout=60) == []
    client.subscribe("s0", "posts/*")  # replacing one is fine
    client.subscribe("one-more", "comments/*")
    (reply,) = client.sync()
    assert reply["id"] == "one-more" and reply["status"] == 400
    client.close()
