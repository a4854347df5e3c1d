"""Rows for make dev's embedded default (DynamoDB Local, the disk S3): create latency at 10,000 records vs at 100,
over real HTTP as a mini-program meets it, then the time make dev's server takes to stop and to come back."""
import concurrent.futures
import os
import signal
import statistics
import subprocess
import sys
import time

import requests

from bench.harness import PROJECT_DIR, size, start_devstack

SMALL, LARGE = 100, size(10_000, 300)
CREATES = size(40, 5)
GOAL = 1.2


def _seed(owner_id, start, stop):
    """Posts `start`..`stop` written straight to the table in the records' own layout (as bench/records.py does),
    25 per request, from a few threads (DynamoDB Local runs one job at a time; threads keep its queue full)."""
    from chalicelib.core import aws
    from chalicelib.core.settings import get_settings
    from chalicelib.records import store
    from chalicelib.records.schema.collections import get_schema
    from chalicelib.store import keys, table

    collection = get_schema().get("posts")
    client, name = aws.client("dynamodb"), get_settings().table_name

    def batch(first):
        puts = []
        for i in range(first, min(first + 25, stop)):
            data = {"title": f"post {i}", "content": "", "cover": "", "status": "published", "tags": [], "views": i,
                    "owner": owner_id}
            changes = store.Changes()
            changes.create(collection, store.new(collection, data))
            puts.append({"PutRequest": {"Item": changes.actions()[0]["Put"]["Item"]}})
        pending = {name: puts}
        while pending:
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or None

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(batch, range(start, stop, 25)))
    by_index = {index.name: index for index in collection.indexes}
    for scope in ("", store.index_scope(by_index["owner_owner"], [owner_id]),
                  store.index_scope(by_index["idx_posts_status"], ["published"])):
        table.update(keys.record_counter(collection.name, scope), "ADD #n :d", names={"#n": "n"},
                     values={":d": stop - start}, return_values="NONE")


def _create_ms(url, token):
    session = requests.Session()
    samples = []
    for i in range(CREATES):
        started = time.perf_counter()
        reply = session.post(url + "/api/collections/posts/records", headers={"Authorization": token}, timeout=30,
                             json={"title": f"bench create {i}", "status": "published"})
        samples.append((time.perf_counter() - started) * 1000)
        assert reply.status_code == 200, reply.text
    return statistics.median(samples)


def _stop_and_restart(data_dir):
    """make dev's server on the data just written: seconds to exit on Ctrl-C, and to answer again after it."""
    from devserver.stack import free_port

    port, env = free_port(), {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "WXBASE_", "WECHAT_"))}
    env.update({"PORT": str(port), "S3_PORT": str(free_port()), "SANDBOX_PORT": str(free_port()),
                "DYNAMODB_PORT": str(free_port()), "WXBASE_DATA_DIR": data_dir, "WXBASE_RATE_LIMITS": "[]"})

    def start():
        started = time.monotonic()
        with open(os.path.join(data_dir, "devserver.log"), "ab") as log:
            process = subprocess.Popen([sys.executable, "-m", "devserver"], cwd=PROJECT_DIR, env=env, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                    return process, time.monotonic() - started
            except requests.RequestException:
                assert process.poll() is None, "make dev's server exited"
                time.sleep(0.05)

    process, _ = start()
    started = time.monotonic()
    os.killpg(process.pid, signal.SIGINT)
    process.wait(60)
    stop_s = time.monotonic() - started
    process, restart_s = start()
    os.killpg(process.pid, signal.SIGINT)
    process.wait(60)
    return stop_s, restart_s


def rows(stack):
    """Runs last: it points the process's AWS clients at a stack of its own."""
    from devserver.http import HttpServer

    import app

    own = start_devstack(stack, "wxbase-bench-devstack-")
    data_dir = own.data_dir
    http = HttpServer(app.app, PROJECT_DIR)
    try:
        from chalicelib.core import settings

        appid = settings.get_settings().miniprograms[0].appid
        login = requests.post(http.url + "/api/wechat/login", json={"code": "sandbox-bench-devstack",
                                                                    "appid": appid}, timeout=30).json()
        token, me = login["token"], login["record"]["id"]
        _seed(me, 0, SMALL)
        small = _create_ms(http.url, token)
        seeding = time.perf_counter()
        _seed(me, SMALL + CREATES, LARGE)
        seeded_s = time.perf_counter() - seeding
        large = _create_ms(http.url, token)
    finally:
        http.stop()
        own.stop()
    yield ("make dev", f"create p50 at {LARGE:,} vs {SMALL} records (DynamoDB Local)",
           f"{large:.1f} ms / {small:.1f} ms", f"{large / small:.2f}x",
           f"goal <= {GOAL}x; over real HTTP; {LARGE - SMALL:,} records loaded in {seeded_s:.0f} s by BatchWriteItem")
    stop_s, restart_s = _stop_and_restart(data_dir)
    yield ("make dev", f"Ctrl-C to exit, {LARGE:,} records on disk", f"{stop_s:.2f} s", f"{stop_s / 3:.2f}x",
           "of the 3 s goal; nothing to save: every answered write is already on disk")
    yield ("make dev", "restart to a healthy /api/health", f"{restart_s:.2f} s", f"{restart_s / 10:.2f}x",
           "of the 10 s goal; mostly the JVM starting DynamoDB Local")
