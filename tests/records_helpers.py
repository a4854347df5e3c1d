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

