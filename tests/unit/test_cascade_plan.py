"""Relation cascades planned without I/O (PocketBase's cascadeRecordDelete semantics): references are found through
an in-memory lookup standing in for the index reads."""
import pytest

from chalicelib.core.errors import BadRequest
from chalicelib.records import store
from chalicelib.records.filter.tree import TRUE
from chalicelib.records.schema.collections import load
from chalicelib.records.write import cascade


def rel(name, target, **options):
    return {"name": name, "type": "relation", "collectionId": target, "maxSelect": 1, **options}


@pytest.fixture
def schema(monkeypatch):
    loaded = load([
        {"id": "c_posts", "name": "posts", "type": "base", "fields": [{"name": "title", "type": "text"}]},
        {"id": "c_comments", "name": "comments", "type": "base",
         "fields": [rel("post", "c_posts", cascadeDelete=True, required=True), {"name": "text", "type": "text"}]},
        {"id": "c_likes", "name": "likes", "type": "base", "fields": [rel("comment", "c_comments", cascadeDelete=True)]},
        {"id": "c_pins", "name": "pins", "type": "base", "fields": [rel("post", "c_posts", required=True)]},
        {"id": "c_lists", "name": "lists", "type": "base", "fields": [rel("posts", "c_posts", maxSelect=5)]},
        {"id": "c_notes", "name": "notes", "type": "base", "fields": [rel("post", "c_posts")]},
    ])
    monkeypatch.setattr(cascade, "get_schema", lambda: loaded)
    return loaded


class World:
    def __init__(self, schema):
        self.schema, self.records, self.lookups = schema, [], 0

    def add(self, collection, **data):
        record = store.new(self.schema.get(collection), data)
        self.records.append(record)
        return record

    def find(self, ref, f, record_id):
        self.lookups += 1
        return [r for r in self.records if r.collection_name == ref.name
                and record_id in (r.data.get(f.name) if isinstance(r.data.get(f.name), list) else [r.data.get(f.name)])]


def test_cascade_deletes_down_the_references_and_clears_optional_ones(schema):
    world = World(schema)
    post = world.add("posts", title="p")
    comment = world.add("comments", post=post.id, text="c")
    like = world.add("likes", comment=comment.id)
    note = world.add("notes", post=post.id)
    listing = world.add("lists", posts=[post.id, "other0000000001"])
    plan = cascade.plan(schema.get("posts"), post, find=world.find)
    assert set(plan.deleted) == {("comments", comment.id), ("likes", like.id)}
    assert plan.cleared[("notes", note.id)][2]["post"] == ""
    assert plan.cleared[("lists", listing.id)][2]["posts"] == ["other0000000001"]
    assert plan.order.index(("comments", comment.id)) < plan.order.index(("likes", like.id))


def test_a_required_reference_refuses_the_whole_delete(schema):
    world = World(schema)
    post = world.add("posts", title="p")
    pin = world.add("pins", post=post.id)
    with pytest.raises(BadRequest) as caught:
        cascade.plan(schema.get("posts"), post, find=world.find)
    assert "required relation reference" in caught.value.message and pin.id in caught.value.message


def test_stale_index_entries_are_ignored(schema):
    world = World(schema)
    post = world.add("posts", title="p")
    stale = store.new(schema.get("notes"), {"post": "someone0000else"})
    plan = cascade.plan(schema.get("posts"), post, find=lambda ref, f, rid: [stale] if ref.name == "notes" else [])
    assert not plan.deleted and not plan.cleared


def test_too_many_affected_records_is_a_400(schema, monkeypatch):
    monkeypatch.setattr(cascade, "MAX_AFFECTED", 3)
    world = World(schema)
    post = world.add("posts", title="p")
    for _ in range(4):
        world.add("notes", post=post.id)
    with pytest.raises(BadRequest):
        cascade.plan(schema.get("posts"), post, find=world.find)


def test_large_cascades_split_into_transactions_deepest_first(schema, monkeypatch):
    committed = []
    monkeypatch.setattr(store.Changes, "commit", lambda self: committed.append(self.actions()))
    monkeypatch.setattr(cascade, "MAX_ACTIONS", 5)
    monkeypatch.setattr(cascade, "discard_files", lambda records: None)
    world = World(schema)
    post = world.add("posts", title="p")
    comments = [world.add("comments", post=post.id, text=str(i)) for i in range(6)]
    plan = cascade.plan(schema.get("posts"), post, find=world.find)
    last = store.Changes()
    _, removed = cascade.stage(plan, schema.get("posts"), post, TRUE, last)
    assert len(committed) >= 1 and all(len(actions) <= 5 for actions in committed)
    final = last.actions()
    deleted_last = [a["Delete"]["Key"]["sk"]["S"] for a in final if "Delete" in a]
    assert deleted_last[-1] == f"R#{post.id}"  # the record itself goes last
    every = [a["Delete"]["Key"]["sk"]["S"] for batch in committed + [final] for a in batch if "Delete" in a]
    assert sorted(every) == sorted([f"R#{c.id}" for c in comments] + [f"R#{post.id}"])
    assert [r.id for _, r in removed] == [s[2:] for s in deleted_last[:-1]]


def test_a_large_cascade_in_a_transaction_with_other_writes_is_refused(schema, monkeypatch):
    committed = []
    monkeypatch.setattr(store.Changes, "commit", lambda self: committed.append(self.actions()))
    monkeypatch.setattr(cascade, "MAX_ACTIONS", 5)
    world = World(schema)
    post = world.add("posts", title="p")
    for i in range(6):
        world.add("comments", post=post.id, text=str(i))
    plan = cascade.plan(schema.get("posts"), post, find=world.find)
    batch = store.Changes()
    with pytest.raises(BadRequest, match="on its own"):
        cascade.stage(plan, schema.get("posts"), post, TRUE, batch, alone=False)
    assert committed == []  # nothing of the batch was committed early
