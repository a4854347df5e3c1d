"""Rows for `wxbase import`: records/s of an import over real HTTP (batches of 100 through the admin import API,
written in transactions) beside raw BatchWriteItem of the same records on the same engine (DynamoDB Local)."""
import json
import tempfile
import time

import requests

from bench.devstack import _seed
from bench.harness import PROJECT_DIR, start_devstack

RECORDS = 2000


def rows(stack):
    """Runs on a stack of its own (make dev's engines)."""
    from devserver.http import HttpServer

    import app
    from chalicelib.core import ids, settings
    from cli.api import Deployment
    from cli.documents import read_jsonl
    from cli.importer import Importer

    own = start_devstack(stack, "wxbase-bench-imports-")
    http = HttpServer(app.app, PROJECT_DIR)
    try:
        appid = settings.get_settings().miniprograms[0].appid
        me = requests.post(http.url + "/api/wechat/login", json={"code": "sandbox-bench-imports", "appid": appid},
                           timeout=30).json()["record"]["id"]
        started = time.perf_counter()
        _seed(me, 0, RECORDS)
        raw_rate = RECORDS / (time.perf_counter() - started)
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
            for i in range(RECORDS):
                f.write(json.dumps({"_id": ids.new_id(), "title": f"imported {i}", "status": "published",
                                    "views": i, "owner": me}) + "\n")
        key = stack.env["WXBASE_ADMIN_KEYS"].split(",")[0]
        started = time.perf_counter()
        report = Importer(Deployment(http.url, key), "posts").run(read_jsonl(f.name))
        import_rate = RECORDS / (time.perf_counter() - started)
        assert report.created == RECORDS and not report.failed, report.summary()
    finally:
        http.stop()
        own.stop()
    yield ("import", f"wxbase import of {RECORDS:,} records vs raw BatchWriteItem (DynamoDB Local)",
           f"{import_rate:.0f} / {raw_rate:.0f} records/s", f"{import_rate / raw_rate:.2f}x",
           "import: one client, batches of 100 over HTTP, transactions with counters; raw: 25 a request, 4 threads")
