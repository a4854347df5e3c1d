"""Rows for the team's functions, on make dev's engines (DynamoDB Local, the disk S3) over real HTTP: what a function
call adds over a plain record GET (both measured interleaved, as medians), and how long a stored change takes to
reach its after hook through the table's stream as make dev reads it (devserver/streams.py, record_stream)."""
import statistics
import threading
import time

import requests

from bench.harness import PROJECT_DIR, size, start_devstack
from chalicelib.functions import after, function

ROUNDS = size(200, 10)
CHANGES = size(40, 5)
HOOK_GOAL_MS = 1000.0  # make dev polls the stream every 0.2 s; a hook should follow its write within a second
_hook_times = {}  # record id → when its after hook ran (monotonic)
_hook_seen = threading.Condition()


@function("bench_noop", auth="user")
def noop(ctx, body):
    """Answers at once: the cost of the function route and its context."""
    return {"ok": True}


@function("bench_view", auth="user")
def view(ctx, body):
    """The same record view as the plain GET, through ctx.records (the caller's rules)."""
    return ctx.records.view("posts", body["id"])


@after("create", "favourites")
def bench_hook(ctx, change):
    with _hook_seen:
        _hook_times[change.id] = time.monotonic()
        _hook_seen.notify_all()


def _timed(session, method, url, token, body=None):
    started = time.perf_counter()
    reply = session.request(method, url, headers={"Authorization": token}, json=body, timeout=30)
    elapsed = (time.perf_counter() - started) * 1000
    assert reply.status_code == 200, reply.text
    return elapsed, reply.json()


def _calls(url, token, post_id):
    session = requests.Session()
    samples = {"get": [], "noop": [], "view": []}
    for _ in range(10):  # warm every path first
        _timed(session, "GET", f"{url}/api/collections/posts/records/{post_id}", token)
        _timed(session, "POST", f"{url}/api/functions/bench_view", token, {"id": post_id})
    for _ in range(ROUNDS):  # interleaved, so the engine's state and the machine's load are shared
        samples["get"].append(_timed(session, "GET", f"{url}/api/collections/posts/records/{post_id}", token)[0])
        samples["noop"].append(_timed(session, "POST", f"{url}/api/functions/bench_noop", token, {})[0])
        samples["view"].append(_timed(session, "POST", f"{url}/api/functions/bench_view", token, {"id": post_id})[0])
    return {k: statistics.median(v) for k, v in samples.items()}


def _stream_delays(url, token, post_id):
    """Create answered → after hook ran, per change, with the stream read as make dev reads it."""
    import app
    from devserver.streams import StreamReader

    reader = StreamReader(lambda event, context: app.record_stream(event, context)).start()
    session = requests.Session()
    delays, creates = [], []
    try:
        for i in range(CHANGES):
            started = time.perf_counter()
            reply = session.post(f"{url}/api/collections/favourites/records", headers={"Authorization": token},
                                 json={"post": post_id, "note": f"bench {i}"}, timeout=30)
            answered = time.monotonic()
            creates.append((time.perf_counter() - started) * 1000)
            assert reply.status_code == 200, reply.text
            record_id = reply.json()["id"]
            with _hook_seen:
                assert _hook_seen.wait_for(lambda: record_id in _hook_times, timeout=30), "the hook never ran"
                delays.append(max(0.0, (_hook_times[record_id] - answered) * 1000))
    finally:
        reader.stop()
    return statistics.median(delays), max(delays), statistics.median(creates)


def rows(stack):
    """Runs after the devstack section: it points the process's AWS clients at a stack of its own."""
    import app
    from chalicelib.core import settings
    from devserver.http import HttpServer

    own = start_devstack(stack, "wxbase-bench-fn-")
    http = HttpServer(app.app, PROJECT_DIR)
    try:
        appid = settings.get_settings().miniprograms[0].appid
        login = requests.post(http.url + "/api/wechat/login", json={"code": "sandbox-bench-functions",
                                                                    "appid": appid}, timeout=30).json()
        token = login["token"]
        post = requests.post(http.url + "/api/collections/posts/records", headers={"Authorization": token},
                             json={"title": "bench", "status": "published"}, timeout=30).json()
        medians = _calls(http.url, token, post["id"])
        delay, worst, create = _stream_delays(http.url, token, post["id"])
    finally:
        http.stop()
        own.stop()
    get, noop, viewed = medians["get"], medians["noop"], medians["view"]
    yield ("functions", "empty function call p50 vs record GET p50", f"{noop:.1f} ms / {get:.1f} ms",
           f"{noop / get:.2f}x", f"{ROUNDS} interleaved calls each over real HTTP, DynamoDB Local")
    yield ("functions", "function viewing the record p50 vs record GET p50", f"{viewed:.1f} ms / {get:.1f} ms",
           f"{viewed / get:.2f}x", f"adds {viewed - get:+.1f} ms: the route, the context, the JSON answer")
    yield ("functions", "stored change → after hook p50 (make dev's stream)", f"{delay:.0f} ms (max {worst:.0f})",
           f"{delay / HOOK_GOAL_MS:.2f}x", f"of the {HOOK_GOAL_MS / 1000:.0f} s goal; the create itself: "
                                           f"{create:.1f} ms p50; the stream is polled every 0.2 s")
