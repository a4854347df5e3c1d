"""Rows for realtime under make dev's engines (DynamoDB Local, its stream read into record_stream, the local
WebSocket endpoint and @connections API): delivery latency from a write's answer to the event on a subscriber's
socket, alone and among 200 subscribers of the collection, and what a change reads while 200 other sockets
subscribe to another collection (the subscriptions are indexed by topic, so nothing)."""
import json
import statistics
import threading
import time

import requests

from bench.harness import PROJECT_DIR, size, start_devstack

WRITES = size(40, 5)
CROWD = size(200, 10)
CROWD_WRITES = size(10, 2)
GOAL_MS = 100


class _Subscriber:
    """A socket subscribed to posts/*: when each record's event arrived (perf_counter)."""

    def __init__(self, url, token=None, collection="posts"):
        from websockets.sync.client import connect

        self.ws = connect(url, max_size=None, open_timeout=30, legacy=True)
        self.arrived = {}
        self.ready = threading.Event()
        if token:
            self.ws.send(json.dumps({"type": "auth", "token": token}))
        self.ws.send(json.dumps({"type": "subscribe", "id": "bench", "topic": f"{collection}/*"}))
        self.ws.send(json.dumps({"type": "ping"}))
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        try:
            for raw in self.ws:
                message = json.loads(raw)
                if message.get("type") == "pong":
                    self.ready.set()
                elif message.get("type") == "event":
                    self.arrived.setdefault(message["record"]["id"], time.perf_counter())
        except Exception:  # noqa: BLE001 — closed at the end
            pass

    def close(self):
        self.ws.close()


def _write(session, url, token, title):
    reply = session.post(url + "/api/collections/posts/records", headers={"Authorization": token}, timeout=30,
                         json={"title": title, "status": "published"})
    assert reply.status_code == 200, reply.text
    return reply.json()["id"], time.perf_counter()


def _wait(subscribers, record_id, timeout=30):
    deadline = time.monotonic() + timeout
    while any(record_id not in s.arrived for s in subscribers):
        assert time.monotonic() < deadline, "an event did not arrive"
        time.sleep(0.002)
    return [s.arrived[record_id] for s in subscribers]


def _p(samples, q):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _reads_per_change(session, url, token):
    """Items a change's realtime step reads from the table (Query and BatchGetItem results)."""
    from chalicelib.jobs import record_stream
    from chalicelib.store import table

    counted = {"items": 0}
    real_query, real_batch = table.query, table.batch_get

    def query(*args, **kwargs):
        items, last = real_query(*args, **kwargs)
        counted["items"] += len(items)
        return items, last

    def batch_get(*args, **kwargs):
        items = real_batch(*args, **kwargs)
        counted["items"] += len(items)
        return items

    done = threading.Event()
    real_step = dict(record_stream.STEPS)["realtime"]
    index = [name for name, _ in record_stream.STEPS].index("realtime")

    def step(change):
        table.query, table.batch_get = query, batch_get
        try:
            real_step(change)
        finally:
            table.query, table.batch_get = real_query, real_batch
            done.set()

    record_stream.STEPS[index] = ("realtime", step)
    try:
        _write(session, url, token, "bench read count")
        assert done.wait(30)
    finally:
        record_stream.STEPS[index] = ("realtime", real_step)
    return counted["items"]


def rows(stack):
    """Runs with a stack of its own (make dev's engines), like the devstack section."""
    import app

    from devserver.realtime import RealtimeServer

    own = start_devstack(stack, "wxbase-bench-rt-")
    server = RealtimeServer(app, PROJECT_DIR)
    subscribers = []
    try:
        from chalicelib.core import settings

        appid = settings.get_settings().miniprograms[0].appid
        session = requests.Session()
        login = session.post(server.url + "/api/wechat/login", json={"code": "sandbox-bench-rt", "appid": appid},
                             timeout=30).json()
        token = login["token"]
        one = _Subscriber(server.ws_url, token)
        assert one.ready.wait(30)
        subscribers.append(one)
        _wait([one], _write(session, server.url, token, "warm up")[0])
        alone = []
        for i in range(WRITES):
            record_id, answered = _write(session, server.url, token, f"alone {i}")
            alone.append((_wait([one], record_id)[0] - answered) * 1000)

        others = [_Subscriber(server.ws_url, collection="comments") for _ in range(CROWD)]
        subscribers += others
        assert all(s.ready.wait(60) for s in others)
        reads_beside_crowd = _reads_per_change(session, server.url, token)

        crowd = [_Subscriber(server.ws_url) for _ in range(CROWD - 1)]
        subscribers += crowd
        assert all(s.ready.wait(60) for s in crowd)
        everyone = [one, *crowd]
        first, last = [], []
        for i in range(CROWD_WRITES):
            record_id, answered = _write(session, server.url, token, f"crowd {i}")
            times = _wait(everyone, record_id)
            first.append((min(times) - answered) * 1000)
            last.append((max(times) - answered) * 1000)
    finally:
        for s in subscribers:
            s.close()
        server.stop()
        own.stop()
    p50 = statistics.median(alone)
    yield ("realtime", "delivery after the write's answer, p50 / p99 (1 subscriber)",
           f"{p50:.0f} ms / {_p(alone, 0.99):.0f} ms", f"{p50 / GOAL_MS:.2f}x",
           f"of the {GOAL_MS} ms p50 goal; {WRITES} writes; DynamoDB Local's stream, make dev's WebSocket endpoint")
    yield ("realtime", f"delivery to all {CROWD} subscribers of posts, p50 / p99 of the last",
           f"{statistics.median(last):.0f} ms / {_p(last, 0.99):.0f} ms",
           f"{statistics.median(last) / p50:.2f}x",
           f"vs 1 subscriber; first socket p50 {statistics.median(first):.0f} ms; {CROWD_WRITES} writes; "
           "PostToConnection 16 at a time")
    yield ("realtime", f"table items a posts change reads beside {CROWD} comments subscribers",
           f"{reads_beside_crowd}", "-",
           "subscriptions are found by topic (one Query per topic): other collections' subscribers cost nothing")
