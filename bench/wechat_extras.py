"""Rows for the WeChat extras: WeChat calls for mini-program codes asked for again and again (kept versus made on
every request), time of a kept code against a new one, and WeChat calls of the follower backfill against one
user/info lookup per follower."""
import json
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from bench.harness import size

CODE_REQUESTS = size(200, 20)
DISTINCT_CODES = 10
THREADS = 20
FOLLOWERS = size(3000, 50)


def _calls(stack, path):
    return requests.get(stack.sandbox.url + "/sandbox/calls", params={"path": path}, timeout=5).json()[path]


def rows(stack):
    import app
    from bench.harness import PROJECT_DIR
    from chalicelib.core import settings
    from devserver.http import HttpServer

    config = settings.get_settings()
    appid = config.miniprograms[0].appid
    oa = next(a.appid for a in config.apps if a.type == "officialaccount")
    admin = next(iter(config.admin_key_set()))
    headers = {"Content-Type": "application/json", "Authorization": admin}
    requests.post(stack.sandbox.url + "/sandbox/reset", json={}, timeout=5)

    # Over HTTP (make dev's server): Chalice's test client shares one current request between threads.
    server = HttpServer(app.app, PROJECT_DIR)
    try:
        yield from _measure(stack, server.url, headers, appid, oa)
    finally:
        server.stop()


def _measure(stack, url, headers, appid, oa):
    with requests.Session() as session:
        def post(path, body, timeout=30):
            started = time.perf_counter()
            reply = session.post(url + path, headers=headers, data=json.dumps(body), timeout=timeout)
            assert reply.status_code < 300, reply.text
            return reply.json(), time.perf_counter() - started

        stamp = int(time.time())
        # WeChat forgot every token at the reset: the first code recovers (one rejected call, one token fetch),
        # so the figure below counts only the codes' own calls.
        post("/api/wechat/wxacode", {"appid": appid, "scene": f"warm={stamp}"})
        before = _calls(stack, "/wxa/getwxacodeunlimit")
        bodies = [{"appid": appid, "scene": f"bench={stamp}-{i % DISTINCT_CODES}", "page": "pages/index/index"}
                  for i in range(CODE_REQUESTS)]
        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(lambda b: post("/api/wechat/wxacode", b), bodies))
        made = _calls(stack, "/wxa/getwxacodeunlimit") - before
        yield ("wxacode", f"WeChat calls, {CODE_REQUESTS} requests for {DISTINCT_CODES} codes ({THREADS} threads)",
               made, f"{made / CODE_REQUESTS:.2f}", f"against {CODE_REQUESTS} when every request makes its code")

        new = [post("/api/wechat/wxacode", {"appid": appid, "scene": f"fresh={stamp}-{i}", "width": 430})[1]
               for i in range(10)]
        kept = [post("/api/wechat/wxacode", {"appid": appid, "scene": f"fresh={stamp}-{i}", "width": 430})[1]
                for i in range(10)]
        yield ("wxacode", "median ms, a kept code / a new one (sandbox WeChat on loopback)",
               f"{statistics.median(kept) * 1000:.1f} / {statistics.median(new) * 1000:.1f}",
               f"{statistics.median(kept) / statistics.median(new):.2f}",
               "a new code also waits for WeChat's image (real WeChat: far slower than loopback)")

        requests.post(stack.sandbox.url + "/sandbox/followers", timeout=30,
                      json={"appid": oa, "names": [f"bench-fan-{i}" for i in range(FOLLOWERS)]})
        calls_before = {p: _calls(stack, p) for p in ("/cgi-bin/user/get", "/cgi-bin/user/info/batchget")}
        started = time.perf_counter()
        state, progress = {"state": "running"}, None
        while state["state"] != "done":
            state, _ = post(f"/api/wechat/follows/backfill/{oa}", {"limit": 10000, "restart": progress is None},
                            timeout=600)  # one request walks every follower
            progress = state
        seconds = time.perf_counter() - started
        calls = sum(_calls(stack, p) - n for p, n in calls_before.items())
        yield ("follows", f"WeChat calls, backfill of {FOLLOWERS} followers", calls, f"{calls / FOLLOWERS:.3f}",
               f"against {FOLLOWERS} user/info lookups; {seconds:.1f} s in all on the local stack")
