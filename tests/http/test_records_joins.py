"""Rules and filters that join other records (relation paths, back-relations) over HTTP: answers as PocketBase's,
and writes that hold only while the joined records are as they were read."""
import json
import urllib.parse

import pytest

from chalicelib.core.settings import default_collections_path
from tests.records_helpers import ADMIN, post, user

NOTES = "/api/collections/notes/records"
POSTS = "/api/collections/posts/records"


@pytest.fixture
def notes(tmp_path, monkeypatch):
    """The shipped collections plus notes on posts that only the post's owner may see, change or delete."""
    with open(default_collections_path()) as f:
        raw = json.load(f)
    owner_only = "post.owner = @request.auth.id"
    raw.append({"name": "notes", "type": "base", "listRule": owner_only, "viewRule": owner_only, "createRule": "",
                "updateRule": owner_only, "deleteRule": owner_only, "fields": [
                    {"name": "post", "type": "relation", "collectionId": "pbc_1125843985", "maxSelect": 1},
                    {"name": "body", "type": "text"}]})
    path = tmp_path / "collections.json"
    path.write_text(json.dumps(raw))
    monkeypatch.setenv("WXBASE_COLLECTIONS", str(path))


def test_a_rule_through_a_relation_follows_the_related_record(api, notes):
    alice, bob = user(api), user(api)
    mine = post(api, alice)
    note = api.post(NOTES, {"post": mine["id"], "body": "secret"}, token=alice["token"]).json
    assert api.get(f"{NOTES}/{note['id']}", token=alice["token"]).status == 200
    assert api.get(f"{NOTES}/{note['id']}", token=bob["token"]).status == 404
    assert [n["id"] for n in api.get(NOTES, token=bob["token"]).json["items"]] == []
    assert api.patch(f"{NOTES}/{note['id']}", {"body": "x"}, token=bob["token"]).status == 404
    # the post changes hands: the note follows it
    assert api.patch(f"{POSTS}/{mine['id']}", {"owner": bob["id"]}, token=ADMIN).status == 200
    assert api.get(f"{NOTES}/{note['id']}", token=bob["token"]).status == 200
    assert api.get(f"{NOTES}/{note['id']}", token=alice["token"]).status == 404


def test_a_write_whose_rule_joined_a_record_fails_if_that_record_changed_meanwhile(api, notes):
    """The note's own version can't see its post change hands between the read and the write: the write also
    checks the version of the post its rule joined."""
    from chalicelib.records import access, store

    alice, bob = user(api), user(api)
    mine = post(api, alice)
    note = api.post(NOTES, {"post": mine["id"], "body": "v1"}, token=alice["token"]).json
    caller = access.Caller(user_id=alice["id"])
    coll = access.collection("notes")
    stored, rule = access.writable(coll, note["id"], "updateRule", caller, {"body": "v2"})
    assert api.patch(f"{POSTS}/{mine['id']}", {"owner": bob["id"]}, token=ADMIN).status == 200  # meanwhile
    changes = store.Changes()
    changes.update(coll, stored, dict(stored.data, body="v2"), condition=rule)
    for related in caller.related().loaded():
        changes.unchanged(related)
    with pytest.raises(store.WriteRejected):
        changes.commit()
    assert api.get(f"{NOTES}/{note['id']}", token=bob["token"]).json["body"] == "v1"


def test_filters_through_relations_and_back_relations(api, notes):
    alice = user(api)
    first, second = post(api, alice, title="First"), post(api, alice, title="Second")
    for body in ("hello", "world"):
        api.post(NOTES, {"post": first["id"], "body": body}, token=alice["token"])

    def ids(url, **params):
        reply = api.get(url + "?" + urllib.parse.urlencode(params), token=alice["token"])
        assert reply.status == 200, reply
        return {r["id"] for r in reply.json["items"]}

    assert len(ids(NOTES, filter='post.title = "First"')) == 2
    assert ids(NOTES, filter='post.title = "Second"') == set()
    mine = f'owner = "{alice["id"]}"'
    assert ids(POSTS, filter=f'{mine} && notes_via_post.body ?= "world"') == {first["id"]}
    assert ids(POSTS, filter=f'{mine} && notes_via_post.body = "world"') == set()  # every note would have to match
    reply = api.get(NOTES + "?filter=" + urllib.parse.quote("@collection.posts.title = 'x'"), token=alice["token"])
    assert reply.status == 403  # @collection and @request are for admins in a client's filter
