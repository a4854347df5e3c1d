"""Relation references on delete, as PocketBase: cascadeDelete deletes, optional references are cleared, required
ones refuse the delete; found through indexes (or a bounded read), never a Scan."""
import json

import pytest

from chalicelib.core.settings import default_collections_path
from tests.records_helpers import ADMIN, post, user

POSTS = "/api/collections/posts/records"
COMMENTS = "/api/collections/comments/records"
FAVS = "/api/collections/favourites/records"


def _stored(collection, record_id):
    from chalicelib.store import keys, table

    return table.get(keys.record(collection, record_id))


def _comment(api, who, target, text="nice"):
    reply = api.post(COMMENTS, {"post": target["id"], "text": text}, token=who["token"])
    assert reply.status == 200, reply
    return reply.json


def test_deleting_a_post_deletes_its_comments_and_favourites(api):
    alice, bob = user(api), user(api)
    doomed, kept = post(api, alice), post(api, alice)
    comments = [_comment(api, bob, doomed), _comment(api, alice, doomed)]
    other = _comment(api, bob, kept)
    fav = api.post(FAVS, {"post": doomed["id"]}, token=bob["token"]).json
    assert api.delete(f"{POSTS}/{doomed['id']}", token=alice["token"]).status == 204
    for record in comments:  # bob's comment went too: cascades ignore the referencing collection's rules
        assert _stored("comments", record["id"]) is None
    assert _stored("favourites", fav["id"]) is None
    assert _stored("comments", other["id"]) is not None
    listed = api.get(f'{COMMENTS}?filter=post="{doomed["id"]}"').json
    assert listed["items"] == [] and listed["totalItems"] == 0  # the index counters moved with the cascade
    assert api.get(f'{COMMENTS}?filter=post="{kept["id"]}"').json["totalItems"] == 1


def test_deleting_a_user_cascades_through_their_posts(api):
    alice, bob = user(api), user(api)
    mine = post(api, alice)
    theirs = _comment(api, bob, mine)
    bobs_post = post(api, bob)
    on_bobs = _comment(api, alice, bobs_post)
    assert api.delete(f"/api/collections/users/records/{alice['id']}", token=alice["token"]).status == 403
    assert api.delete(f"/api/collections/users/records/{alice['id']}", token=ADMIN).status == 204
    assert _stored("posts", mine["id"]) is None
    assert _stored("comments", theirs["id"]) is None  # bob's comment on alice's post, two levels down
    assert _stored("comments", on_bobs["id"]) is None  # alice's comment on bob's post (author cascade)
    assert _stored("posts", bobs_post["id"]) is not None


def test_large_cascades_commit_in_parts(api, monkeypatch, caplog):
    from chalicelib.records.write import cascade

    monkeypatch.setattr(cascade, "MAX_ACTIONS", 10)  # DynamoDB's is 100; 10 makes parts with a few records
    alice = user(api)
    target = post(api, alice)
    for i in range(25):  # admin writes skip the content check
        body = {"post": target["id"], "author": alice["id"], "text": f"c{i}"}
        assert api.post(COMMENTS, body, token=ADMIN).status == 200
    assert api.get(f'{COMMENTS}?filter=post="{target["id"]}"').json["totalItems"] == 25
    assert api.delete(f"{POSTS}/{target['id']}", token=alice["token"]).status == 204
    cascades = [r.fields for r in caplog.records if r.getMessage() == "record_cascade"]
    assert cascades[-1]["deleted"] == 25 and cascades[-1]["transactions"] > 3
    listed = api.get(f'{COMMENTS}?filter=post="{target["id"]}"&perPage=500').json
    assert listed["items"] == [] and listed["totalItems"] == 0


@pytest.fixture
def extended(tmp_path, monkeypatch):
    """The shipped collections plus relations that are optional, multi-valued (unindexed) and required."""
    with open(default_collections_path()) as f:
        raw = json.load(f)
    open_rules = {rule: "" for rule in ("listRule", "viewRule", "createRule", "updateRule", "deleteRule")}
    relation = {"type": "relation", "collectionId": "pbc_1125843985", "maxSelect": 1}
    raw += [
        {"name": "notes", "type": "base", **open_rules, "fields": [
            {"name": "post", **relation, "cascadeDelete": False},
            {"name": "body", "type": "text"}]},
        {"name": "albums", "type": "base", **open_rules, "fields": [
            {"name": "posts", **relation, "maxSelect": 5, "cascadeDelete": True},
            {"name": "cover", **relation, "cascadeDelete": False}]},
        {"name": "pins", "type": "base", **open_rules, "fields": [
            {"name": "post", **relation, "required": True, "cascadeDelete": False}]},
    ]
    path = tmp_path / "collections.json"
    path.write_text(json.dumps(raw))
    monkeypatch.setenv("WXBASE_COLLECTIONS", str(path))


def test_optional_references_are_cleared_and_multi_values_shrink(api, extended):
    alice = user(api)
    p1, p2 = post(api, alice), post(api, alice)
    note = api.post("/api/collections/notes/records", {"post": p1["id"], "body": "x"}).json
    album = api.post("/api/collections/albums/records", {"posts": [p1["id"], p2["id"]], "cover": p1["id"]}).json
    assert api.delete(f"{POSTS}/{p1['id']}", token=alice["token"]).status == 204
    assert api.get(f"/api/collections/notes/records/{note['id']}").json["post"] == ""
    shrunk = api.get(f"/api/collections/albums/records/{album['id']}").json
    assert shrunk["posts"] == [p2["id"]] and shrunk["cover"] == ""
    assert api.delete(f"{POSTS}/{p2['id']}", token=alice["token"]).status == 204
    assert _stored("albums", album["id"]) is None  # cascadeDelete once no ids are left


def test_a_required_reference_refuses_the_delete_and_changes_nothing(api, extended):
    alice = user(api)
    target = post(api, alice)
    comment = _comment(api, alice, target)
    note = api.post("/api/collections/notes/records", {"post": target["id"]}).json
    pin = api.post("/api/collections/pins/records", {"post": target["id"]}).json
    reply = api.delete(f"{POSTS}/{target['id']}", token=alice["token"])
    assert reply.status == 400, reply
    assert "required relation reference" in reply.json["message"] and pin["id"] in reply.json["message"]
    assert _stored("posts", target["id"]) is not None
    assert _stored("comments", comment["id"]) is not None
    assert _stored("notes", note["id"])["data"]["post"] == target["id"]
