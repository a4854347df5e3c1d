"""Indexes with a trailing autodate column as query paths, and UNIQUE markers as records/store.py writes them,
without I/O."""
import pytest

from chalicelib.records import store
from chalicelib.records.filter import bind as filter_bind
from chalicelib.records.query import planner
from chalicelib.records.schema.collections import load
from chalicelib.store import keys, table

OPEN = {rule: "" for rule in ("listRule", "viewRule", "createRule", "updateRule", "deleteRule")}


@pytest.fixture(scope="module")
def schema():
    return load([{"name": "posts", "type": "base", **OPEN, "fields": [
        {"name": "title", "type": "text"}, {"name": "slug", "type": "text"}, {"name": "code", "type": "text"},
        {"name": "status", "type": "select", "values": ["draft", "live"], "maxSelect": 1},
        {"name": "n", "type": "number"},
        {"name": "created", "type": "autodate", "onCreate": True},
        {"name": "updated", "type": "autodate", "onCreate": True, "onUpdate": True},
        {"name": "edited", "type": "autodate", "onUpdate": True}],
        "indexes": ["CREATE INDEX idx_status ON posts (status, created)",
                    "CREATE INDEX idx_status_updated ON posts (status, updated)",
                    "CREATE INDEX idx_edited ON posts (edited)",
                    "CREATE UNIQUE INDEX idx_slug ON posts (slug)",
                    "CREATE UNIQUE INDEX idx_code ON posts (code COLLATE NOCASE, n) WHERE code != ''"]}])


def plan(schema, expression, sort=""):
    posts = schema.get("posts")
    node = filter_bind.bind(schema, posts, expression, filter_bind.Context())
    return planner.plan(posts, node, planner.parse_sort(posts, sort))


def slot(schema, name):
    return keys.gsi(next(i.slot for i in schema.get("posts").indexes if i.name == name))


@pytest.mark.parametrize("sort,index,forward", [
    ("-created", "idx_status", False), ("created", "idx_status", True), ("", "idx_status", True),
    ("-updated", "idx_status_updated", False), ("updated", "idx_status_updated", True),
])
def test_equality_then_autodate_order_is_read_in_order(schema, sort, index, forward):
    p = plan(schema, 'status = "live"', sort)
    assert (p.index, p.forward, p.memory_sort, p.filter) == (slot(schema, index), forward, None, None)
    assert p.counter_scope == f'{index}#["live"]'


def test_another_sort_on_the_index_is_sorted_in_memory_and_the_hint_names_the_index_to_add(schema):
    p = plan(schema, 'status = "live" && title = "x"', "-edited")
    assert [(ref.name, desc) for ref, desc in p.memory_sort] == [("edited", True)]
    assert "(title, edited)" in planner.index_hint(p)


def test_an_autodate_alone_orders_the_whole_collection(schema):
    p = plan(schema, "", "-edited")
    assert (p.index, p.forward, p.memory_sort, p.counter_scope) == (slot(schema, "idx_edited"), False, None, "")
    assert plan(schema, "", "-created").index == keys.gsi(keys.RECORDS_BY_CREATED)


def test_entries_are_ordered_by_the_index_autodate_and_a_blank_one_sorts_first(schema):
    posts = schema.get("posts")
    record = store.new(posts, {"status": "live", "edited": ""})
    record.updated = "2030-01-01 00:00:00.000Z"
    attrs = store.derived_attributes(posts, record)
    by_name = {i.name: keys.gsi_attributes(i.slot)[1] for i in posts.indexes}
    assert attrs[by_name["idx_status"]] == f"{record.created}#{record.id}"
    assert attrs[by_name["idx_status_updated"]] == f"2030-01-01 00:00:00.000Z#{record.id}"
    assert attrs[by_name["idx_edited"]] == f"#{record.id}"
    assert sorted(store.counter_scopes(posts, record)) == ["", 'idx_status#["live"]', 'idx_status_updated#["live"]']
    assert [i.name for i in posts.indexes] == ["idx_status", "idx_status_updated", "idx_edited", "idx_slug"]


def _puts(changes):
    return [table.deserialize(a["Put"]["Item"]) | {"?": a["Put"].get("ConditionExpression")}
            for a in changes.actions() if "Put" in a and "UNIQ#" in a["Put"]["Item"]["pk"]["S"]]


def _deletes(changes):
    return [table.deserialize(a["Delete"]["Key"])["pk"] for a in changes.actions()
            if "Delete" in a and "UNIQ#" in a["Delete"]["Key"]["pk"]["S"]]


def test_values_compare_as_sqlite_does(schema):
    posts = schema.get("posts")
    slug, code = posts.unique
    assert store.unique_values(posts, slug, store.new(posts, {})) == [""]  # a missing text is ''
    assert store.unique_values(posts, code, store.new(posts, {"code": "AbÉ", "n": 2.0})) == ["abÉ", 2.0]
    assert store.unique_values(posts, code, store.new(posts, {"code": "", "n": 2})) is None  # WHERE code != ''
    assert (store.unique_marker(posts, code, store.new(posts, {"code": "x", "n": 2.0}))
            == store.unique_marker(posts, code, store.new(posts, {"code": "X", "n": 2})))


def test_a_create_claims_each_value_with_a_must_not_exist_put(schema):
    posts = schema.get("posts")
    record = store.new(posts, {"slug": "a", "code": "C", "n": 1})
    changes = store.Changes()
    changes.create(posts, record)
    puts = _puts(changes)
    assert [(p["pk"], p["recordId"], p["?"]) for p in puts] == [
        ('UNIQ#posts#idx_slug#["a"]', record.id, "attribute_not_exists(pk)"),
        ('UNIQ#posts#idx_code#["c",1]', record.id, "attribute_not_exists(pk)")]
    assert changes.not_unique([2]) == [posts.unique[1]] and changes.not_unique([0]) == []


def test_an_update_moves_only_changed_values_and_a_delete_releases_them(schema):
    posts = schema.get("posts")
    old = store.new(posts, {"slug": "a", "code": "C", "n": 1})
    changes = store.Changes()
    changes.update(posts, old, {**old.data, "slug": "b"})
    assert [p["pk"] for p in _puts(changes)] == ['UNIQ#posts#idx_slug#["b"]']
    assert _deletes(changes) == ['UNIQ#posts#idx_slug#["a"]']
    changes = store.Changes()
    changes.delete(posts, old)
    assert sorted(_deletes(changes)) == ['UNIQ#posts#idx_code#["c",1]', 'UNIQ#posts#idx_slug#["a"]']


def test_one_transaction_handing_a_value_over_writes_the_marker_once(schema):
    """A value released by one record and claimed by another in one transaction: one put, allowed to replace the
    releaser's marker (DynamoDB refuses two actions on one item)."""
    posts = schema.get("posts")
    first, second = store.new(posts, {"slug": "a"}), store.new(posts, {"slug": "b"})
    changes = store.Changes()
    changes.update(posts, first, {"slug": "z"})
    changes.update(posts, second, {"slug": "a"})
    marker = [a for a in changes.actions() if "Put" in a and '["a"]' in a["Put"]["Item"]["pk"]["S"]]
    assert len(marker) == 1 and marker[0]["Put"]["ConditionExpression"] == "attribute_not_exists(pk) OR recordId = :r"
    assert table.deserialize(marker[0]["Put"]["ExpressionAttributeValues"]) == {":r": first.id}
    assert not any("Delete" in a and '["a"]' in a["Delete"]["Key"]["pk"]["S"] for a in changes.actions())


def test_a_value_one_record_claims_then_gives_up_in_one_transaction_is_only_checked(schema):
    """Created with slug a, changed to b in the same transaction (a batch): no marker for a is written, but a
    must have been free, as the create required; a value the record held before and takes back is kept."""
    posts = schema.get("posts")
    record = store.new(posts, {"slug": "a"})
    changes = store.Changes()
    changes.create(posts, record)
    changes.update(posts, changes.get("posts", record.id), {"slug": "b"})

    def on(value):
        def pk(action):
            body = next(iter(action.values()))
            return table.deserialize(body.get("Key") or body["Item"])["pk"]
        return [a for a in changes.actions() if pk(a).startswith("UNIQ#posts#idx_slug#") and f'"{value}"' in pk(a)]

    (check,) = on("a")
    assert check["ConditionCheck"]["ConditionExpression"] == "attribute_not_exists(pk)"
    (claim,) = on("b")
    assert claim["Put"]["ConditionExpression"] == "attribute_not_exists(pk)" and not changes.clashes()
    held = store.new(posts, {"slug": "c"})
    changes = store.Changes()
    moved = changes.update(posts, held, {"slug": "d"})
    changes.update(posts, moved, {"slug": "c"})
    (back,) = on("c")
    assert back["Put"]["ConditionExpression"] == "attribute_not_exists(pk) OR recordId = :r"
    (dropped,) = on("d")
    assert "ConditionCheck" in dropped


def test_two_records_of_one_transaction_claiming_one_value_fail_before_sending(schema):
    posts = schema.get("posts")
    changes = store.Changes()
    changes.create(posts, store.new(posts, {"slug": "same"}))
    changes.create(posts, store.new(posts, {"slug": "same"}))
    with pytest.raises(store.WriteRejected) as exc:
        changes.commit()  # raised before any request: no table is reachable in the unit tier
    assert [i.name for i in changes.not_unique(exc.value.positions)] == ["idx_slug"]


def test_cost_counts_the_marker_actions(schema):
    posts = schema.get("posts")
    old = store.new(posts, {"slug": "a", "status": "live"})
    changes = store.Changes()
    assert changes.cost(posts, old, None) == 1 + 1 + 4  # the record, its slug marker, 4 counters
    moved = store.new(posts, {"slug": "b", "status": "live"})
    assert changes.cost(posts, old, moved) == 1 + 2 + 2  # the record, 2 markers, slug's index counters
