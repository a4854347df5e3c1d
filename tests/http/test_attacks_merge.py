"""Merging two accounts leaves nothing behind: the merged-away account's records (single and multi-valued relations
to users), their files and its subscribe messages move to the kept account; a merge too large is a 409 that
changes nothing; an interrupted merge continues when the same request is sent again."""
import base64
import itertools
import json
import time

import pytest
import requests

from tests.records_helpers import ADMIN, post
from tests.stackenv import APP1, APP2

PHONE = "/api/wechat/phone"
LOGIN = "/api/wechat/login"
POSTS = "/api/collections/posts/records"
_n = itertools.count()


@pytest.fixture
def with_groups(tmp_path, monkeypatch):
    """The shipped collections plus `groups`, with an unindexed multi-valued relation to users."""
    from chalicelib.core.settings import default_collections_path

    raw = json.load(open(default_collections_path()))
    raw.append({"name": "groups", "type": "base", "listRule": "", "viewRule": "", "createRule": "",
                "updateRule": "", "deleteRule": "",
                "fields": [{"name": "name", "type": "text"},
                           {"name": "members", "type": "relation", "collectionId": "_pb_users_auth_", "maxSelect": 10},
                           {"name": "photo", "type": "file", "maxSelect": 1, "maxSize": 1048576}]})
    path = tmp_path / "collections.json"
    path.write_text(json.dumps(raw))
    monkeypatch.setenv("WXBASE_COLLECTIONS", str(path))


def two_accounts(api, sandbox, phone):
    """The same person signed in through two apps before they shared a unionid: A (kept) and B (holding the
    phone, merged away)."""
    n = next(_n)
    key = base64.b64encode(b"k" * 16).decode()
    sandbox.add_user(APP1, f"mv-a-{n}", f"o-mv-a-{n}", key)
    sandbox.add_user(APP2, f"mv-b-{n}", f"o-mv-b-{n}", key)
    a = api.post(LOGIN, {"code": f"mv-a-{n}", "appid": APP1}).json
    b = api.post(LOGIN, {"code": f"mv-b-{n}", "appid": APP2, "phoneCode": f"sandbox-phone-{phone}"}).json
    return ({"token": a["token"], "id": a["record"]["id"]}, {"token": b["token"], "id": b["record"]["id"]})


def merge(api, a, b, phone):
    return api.post(PHONE, {"code": f"sandbox-phone-{phone}", "mergeToken": b["token"]}, token=a["token"])


def stored(collection, record_id):
    from chalicelib.records import store

    return store.get(collection, record_id)


def test_records_files_and_messages_move_to_the_kept_account(api, sandbox, with_groups):
    a, b = two_accounts(api, sandbox, "13700000001")
    drafts = [post(api, b, status="draft", title=f"b-{i}") for i in range(3)]
    mine = post(api, a, status="draft", title="a-0")
    comment = api.post("/api/collections/comments/records", {"post": mine["id"], "author": b["id"], "text": "hi"},
                       token=ADMIN).json
    fav = api.post("/api/collections/favourites/records", {"user": b["id"], "post": mine["id"]}, token=b["token"]).json
    ticket = api.post("/api/files/upload", {"collection": "groups", "field": "photo", "filename": "g.png",
                                            "size": 4, "contentType": "image/png"}, token=b["token"]).json
    sent = requests.post(ticket["url"], data=ticket["fields"], files={"file": ("g.png", b"\x89PNG", "image/png")},
                         timeout=10)
    assert sent.status_code == 204
    both = api.post("/api/collections/groups/records", {"id": ticket["recordId"], "name": "both",
                                                        "members": [b["id"], a["id"]], "photo": ticket["name"]},
                    token=b["token"])
    assert both.status == 200, both
    only_b = api.post("/api/collections/groups/records", {"name": "only-b", "members": [b["id"]]}).json
    queued = api.post("/api/wechat/subscribe-messages", {"template_id": "t", "data": {"thing1": {"value": "x"}},
                                                         "sendAt": int(time.time()) + 3600}, token=b["token"])
    assert queued.status == 202, queued

    reply = merge(api, a, b, "13700000001")
    assert reply.status == 200, reply

    assert stored("users", b["id"]) is None
    for draft in drafts:  # B's drafts are A's now: A sees them, they count under A's owner index
        assert api.get(f"{POSTS}/{draft['id']}", token=a["token"]).json["owner"] == a["id"]
    listed = api.get(f'{POSTS}?filter=owner="{a["id"]}"', token=a["token"]).json
    assert listed["totalItems"] == 4 and {p["title"] for p in listed["items"]} == {"b-0", "b-1", "b-2", "a-0"}
    assert api.get(f'{POSTS}?filter=owner="{b["id"]}"', token=ADMIN).json["totalItems"] == 0
    assert stored("comments", comment["id"]).data["author"] == a["id"]
    assert stored("favourites", fav["id"]).data["user"] == a["id"]
    assert stored("groups", ticket["recordId"]).data["members"] == [a["id"]]  # no duplicate
    assert stored("groups", only_b["id"]).data["members"] == [a["id"]]
    link = f"/api/files/groups/{ticket['recordId']}/{ticket['name']}"  # the file stayed with its record
    assert requests.get(api.get(link).headers["location"], timeout=10).content == b"\x89PNG"
    from chalicelib.store import keys, table

    message = table.get(keys.subscribe_message(queued.json["id"]))
    assert message["user"] == a["id"] and message["status"] == "queued"


def test_a_merge_too_large_is_a_409_that_changes_nothing(api, sandbox, monkeypatch):
    from chalicelib.users import merge as merging

    monkeypatch.setattr(merging, "MAX_MOVED", 3)
    a, b = two_accounts(api, sandbox, "13700000002")
    owned = [post(api, b, title=f"big-{i}") for i in range(4)]
    reply = merge(api, a, b, "13700000002")
    assert reply.status == 409 and "more than 3" in reply.json["message"], reply
    assert stored("users", b["id"]) is not None
    assert all(stored("posts", p["id"]).data["owner"] == b["id"] for p in owned)
    assert api.get("/api/wechat/links", token=b["token"]).status == 200  # B's sessions go on


def test_an_interrupted_merge_continues_when_sent_again(api, sandbox, monkeypatch):
    from chalicelib.core.errors import ServiceUnavailable
    from chalicelib.records import store
    from chalicelib.users import merge as merging

    a, b = two_accounts(api, sandbox, "13700000003")
    owned = [post(api, b, title=f"r-{i}") for i in range(30)]
    monkeypatch.setattr(store, "MAX_ACTIONS", 10)  # small transactions: the merge takes several
    real_commit = store.Changes.commit
    commits = []

    def flaky_commit(self):
        if any(c == "posts" for c, _ in self.touched):
            commits.append(len(self))
            if len(commits) == 2:  # the database goes away after the first batch of records moved
                raise ServiceUnavailable("The database could not be reached; try again shortly.")
        return real_commit(self)

    monkeypatch.setattr(store.Changes, "commit", flaky_commit)
    first = merge(api, a, b, "13700000003")
    assert first.status == 503, first
    moved = [p for p in owned if stored("posts", p["id"]).data["owner"] == a["id"]]
    assert 0 < len(moved) < len(owned)  # part of the work is done; B still exists and its token still proves it
    assert stored("users", b["id"]) is not None
    second = merge(api, a, b, "13700000003")
    assert second.status == 200, second
    assert all(stored("posts", p["id"]).data["owner"] == a["id"] for p in owned)
    assert stored("users", b["id"]) is None
    assert merging.owned_records(b["id"]) == {}
