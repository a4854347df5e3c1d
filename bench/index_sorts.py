"""Rows for sorts an index covers: a list sorted by an indexed number walks the index's value directory. Requests
and items read by page 1 and page 40 (page markers), with unique and with repeated values, beside the same sort of
a twin collection without the index (sorted in memory: every record read, or a 400 past 2,000)."""
import json
import os
import tempfile

from bench.harness import RequestCounter, size
from bench.records import ItemsRead

SEEDED = size(5_000, 400)
PER_PAGE = 30
PAGES = size(40, 10)  # page 40 of 30 needs 1,200 records
OPEN = {rule: "" for rule in ("listRule", "viewRule", "createRule", "updateRule", "deleteRule")}


def _collection(name, indexed):
    return {"name": name, "type": "base", **OPEN, "fields": [
        {"name": "score", "type": "number"}, {"name": "tier", "type": "number"},
        {"name": "created", "type": "autodate", "onCreate": True, "onUpdate": False},
        {"name": "updated", "type": "autodate", "onCreate": True, "onUpdate": True}],
        "indexes": [f"CREATE INDEX idx_{name}_score ON {name} (score)",
                    f"CREATE INDEX idx_{name}_tier ON {name} (tier)"] if indexed else []}


def _seed(name):
    """SEEDED records through the records' one writer, 25 creates to a transaction: score unique, tier one of 20."""
    from chalicelib.records import store
    from chalicelib.records.schema.collections import get_schema

    collection = get_schema().get(name)
    for start in range(0, SEEDED, 25):
        changes = store.Changes()
        for i in range(start, min(start + 25, SEEDED)):
            changes.create(collection, store.new(collection, {"score": (i * 7919) % SEEDED, "tier": i % 20}))
        changes.commit()


def rows(stack):
    from chalice.test import Client

    import app
    from chalicelib.core import settings

    admin = next(iter(settings.get_settings().admin_key_set()))
    requests, read = RequestCounter("dynamodb"), ItemsRead()
    before = os.environ.get("WXBASE_COLLECTIONS")
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "collections.json")
        with open(settings.default_collections_path()) as f:
            shipped = json.load(f)
        with open(path, "w") as f:
            json.dump(shipped + [_collection("ranked", True), _collection("unranked", False)], f)
        os.environ["WXBASE_COLLECTIONS"] = path
        try:
            _seed("ranked")
            _seed("unranked")
            with Client(app.app, stage_name="local") as client:
                def call(query, name="ranked"):
                    with requests.measure() as calls:
                        start = read.total
                        reply = client.http.get(f"/api/collections/{name}/records?perPage={PER_PAGE}&{query}",
                                                headers={"Authorization": admin})
                    return reply.status_code, json.loads(reply.body), len(calls), read.total - start

                yield from _walk_rows(call, "sort=-score", "unique values")
                yield from _walk_rows(call, "sort=tier,-created", "20 values")
                status, body, calls, items = call("sort=-score", "unranked")
                yield ("index sorts", f"the same sort without the index, page 1 of {SEEDED:,}: requests / items",
                       f"{calls} / {items}" if status == 200 else f"{status}",
                       "", "sorted in memory: every record read" if status == 200 else body["message"][:60])
        finally:
            if before is None:
                os.environ.pop("WXBASE_COLLECTIONS", None)
            else:
                os.environ["WXBASE_COLLECTIONS"] = before


def _walk_rows(call, query, what):
    status, body, calls, first = call(f"{query}&page=1")
    assert status == 200 and body["totalItems"] == SEEDED, body
    yield ("index sorts", f"{query} ({what}), page 1 of {SEEDED:,} with total: requests / items", f"{calls} / {first}",
           "", "one directory read, one Query per value shown, the total from the counter")
    for page in range(2, PAGES):
        call(f"{query}&page={page}&skipTotal=1")
    status, body, calls, last = call(f"{query}&page={PAGES}&skipTotal=1")
    assert status == 200 and len(body["items"]) == PER_PAGE, body
    yield ("index sorts", f"… page {PAGES}, pages read in order: requests / items", f"{calls} / {last}",
           f"{last / max(first, 1):.2f}x page 1", f"from page {PAGES - 1}'s marker")
