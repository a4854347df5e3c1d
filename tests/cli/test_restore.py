"""Backups: an export of every collection to the bucket, and `wxbase restore` bringing a collection back as of a
time (changed records revert, deleted ones return with their ids, records created since stay), in place or into
another collection of the same fields."""
import json
import os
import re

from tests.admin_helpers import assert_admin_only
from tests.records_helpers import post, use_collections, user
from tests.stackenv import ADMIN_KEY


def _summary(line):
    return dict((k, int(v)) for k, v in re.findall(r"(created|updated|unchanged|failed) (\d+)", line))


def test_restore_brings_a_collection_back_as_of_an_export(api, wxbase, sandbox):
    person = user(api, "rs")
    kept, changed, deleted = (post(api, person, title=f"before {i}", views=i) for i in range(3))
    export = api.post("/api/admin/backups", token=ADMIN_KEY)
    assert export.status == 200 and export.json["collections"]["posts"] >= 3
    listed = api.get("/api/admin/backups", token=ADMIN_KEY).json["items"]
    assert listed[0]["at"] == export.json["at"] and listed[0]["collections"]["posts"] > 0

    assert api.patch(f"/api/collections/posts/records/{changed['id']}", {"title": "after"},
                     token=person["token"]).status == 200
    assert api.delete(f"/api/collections/posts/records/{deleted['id']}", token=person["token"]).status == 204
    newer = post(api, person, title="made later")

    code, out = wxbase("restore", "posts", "--as-of", export.json["at"], "--dry-run")
    assert code == 0 and _summary(out[0])["created"] == 1 and _summary(out[0])["updated"] == 1
    assert api.get(f"/api/collections/posts/records/{deleted['id']}", token=ADMIN_KEY).status == 404

    code, out = wxbase("restore", "posts", "--as-of", export.json["at"])
    assert code == 0
    assert (_summary(out[0])["created"], _summary(out[0])["updated"], _summary(out[0])["failed"]) == (1, 1, 0)
    for before in (kept, changed, deleted):
        now = api.get(f"/api/collections/posts/records/{before['id']}", token=ADMIN_KEY).json
        assert {k: now[k] for k in ("title", "views", "created", "updated", "owner")} == \
            {k: before[k] for k in ("title", "views", "created", "updated", "owner")}
    assert api.get(f"/api/collections/posts/records/{newer['id']}", token=ADMIN_KEY).status == 200

    code, out = wxbase("restore", "posts", "--as-of", export.json["at"])  # again: nothing to do
    assert (_summary(out[0])["created"], _summary(out[0])["updated"]) == (0, 0)


def _posts_copy(name):
    """A collection with posts' fields and rules under another name and id."""
    shipped = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                           "chalicelib", "collections.json")
    with open(shipped, encoding="utf-8") as f:
        posts = next(c for c in json.load(f) if c["name"] == "posts")
    return {**posts, "id": "pbc_restored0001", "name": name, "indexes": []}


def test_restore_into_another_collection_leaves_the_original_as_it_is(api, wxbase, sandbox, tmp_path, monkeypatch):
    use_collections(tmp_path, monkeypatch, _posts_copy("posts_restored"))
    person = user(api, "ri")
    changed, deleted = (post(api, person, title=f"into {i}", views=10 + i) for i in range(2))
    export = api.post("/api/admin/backups", token=ADMIN_KEY)
    assert export.status == 200
    assert api.patch(f"/api/collections/posts/records/{changed['id']}", {"title": "after"},
                     token=person["token"]).status == 200
    assert api.delete(f"/api/collections/posts/records/{deleted['id']}", token=person["token"]).status == 204

    code, out = wxbase("restore", "posts", "--as-of", export.json["at"], "--into", "posts_restored")
    assert code == 0
    summary = _summary(out[0])
    assert out[0].startswith("posts_restored:") and summary["failed"] == 0
    assert summary["created"] == export.json["collections"]["posts"] and summary["updated"] == 0
    for before in (changed, deleted):
        copy = api.get(f"/api/collections/posts_restored/records/{before['id']}", token=ADMIN_KEY)
        assert copy.status == 200, copy
        assert {k: copy.json[k] for k in ("title", "views", "created", "updated", "owner")} == \
            {k: before[k] for k in ("title", "views", "created", "updated", "owner")}
        assert copy.json["collectionName"] == "posts_restored"
    assert api.get(f"/api/collections/posts/records/{changed['id']}", token=ADMIN_KEY).json["title"] == "after"
    assert api.get(f"/api/collections/posts/records/{deleted['id']}", token=ADMIN_KEY).status == 404


def test_restore_into_a_collection_that_does_not_exist_writes_nothing(api, wxbase, sandbox):
    person = user(api, "rn")
    post(api, person, title="kept")
    export = api.post("/api/admin/backups", token=ADMIN_KEY)
    code, _ = wxbase("restore", "posts", "--as-of", export.json["at"], "--into", "nowhere")
    assert code != 0
    assert api.get("/api/collections/nowhere/records", token=ADMIN_KEY).status == 404


def test_restore_needs_an_export_at_or_before_the_time(api, wxbase):
    assert wxbase("restore", "posts", "--as-of", "2001-01-01 00:00:00")[0] == 2
    reply = api.get("/api/admin/backups/posts?asOf=yesterday", token=ADMIN_KEY)
    assert reply.status == 400 and "asOf" in reply.json["data"]


def test_backups_are_for_admins(api, sandbox):
    person = user(api, "rsx")
    assert_admin_only(api, "GET", "/api/admin/backups", person["token"])
    assert_admin_only(api, "POST", "/api/admin/backups", person["token"])
    assert_admin_only(api, "GET", "/api/admin/backups/posts?asOf=2030-01-01", person["token"])
