"""Shared pieces of the records tests: users logged in through the sandbox, posts created over HTTP."""
import itertools

from tests.stackenv import ADMIN_KEY, APP1

_names = itertools.count()


def use_collections(tmp_path, monkeypatch, *extra):
    """WXBASE_COLLECTIONS pointed at the shipped collections plus `extra` ones."""
    import json
    import os

    shipped = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "chalicelib",
                           "collections.json")
    path = tmp_path / "collections.json"
    path.write_text(json.dumps(json.load(open(shipped)) + list(extra)))
    monkeypatch.setenv("WXBASE_COLLECTIONS", str(path))
    return path


def user(api, prefix="u"):
    """A fresh WeChat user: {"token", "id"}."""
    login = api.login(f"{prefix}-{next(_names)}-records", APP1)
    return {"token": login["token"], "id": login["record"]["id"]}


def post(api, owner, **fields):
    body = {"title": "hello", "status": "published", **fields}
    reply = api.post("/api/collections/posts/records", body, token=owner["token"])
    assert reply.status == 200, reply
    return reply.json


ADMIN = ADMIN_KEY


def review_entries(record_id):
    """The review queue's entries for one record (every page read)."""
    from chalicelib.records import store

    entries, start = [], None
    while True:
        page, start = store.review_queue(start=start)
        entries += page
        if start is None:
            return [e for e in entries if e["recordId"] == record_id]



OPEN_RULES = {rule: "" for rule in ("listRule", "viewRule", "createRule", "updateRule", "deleteRule")}


def sharding_collection(name, shards=None):
    """A collection open to anyone with a number, a text with an index and autodates; `shards` is its writeShards."""
    entry = {"name": name, "type": "base", **OPEN_RULES, "fields": [
        {"name": "n", "type": "number"},
        {"name": "tag", "type": "text"},
        {"name": "created", "type": "autodate", "onCreate": True, "onUpdate": False},
        {"name": "updated", "type": "autodate", "onCreate": True, "onUpdate": True}],
        "indexes": [f"CREATE INDEX `idx_{name}_tag` ON `{name}` (`tag`)"]}
    if shards is not None:
        entry["wxbase"] = {"writeShards": shards}
    return entry


def walk_list(api, name, query, per_page, by="page"):
    """Every page of a list, by page numbers or by cursors: (ids in order, totals each page answered)."""
    found, totals, page, cursor = [], [], 1, None
    while True:
        q = f"{query}&perPage={per_page}" + (f"&cursor={cursor}" if cursor else f"&page={page}")
        reply = api.get(f"/api/collections/{name}/records?{q}", token=ADMIN)
        assert reply.status == 200, reply
        found += [r["id"] for r in reply.json["items"]]
        totals.append(reply.json["totalItems"])
        if by == "cursor":
            cursor = reply.json["nextCursor"]
            if cursor is None:
                return found, totals
        elif not reply.json["items"]:
            return found, totals
        page += 1
