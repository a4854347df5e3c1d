"""Paging without I/O: pages of O(perPage) reads from an in-memory stand-in for the table, the read bound, and
tamper-proof cursors."""
import pytest

from chalicelib.records import store
from chalicelib.records.filter import bind as filter_bind, evaluate as filter_eval
from chalicelib.records.query import paging, planner


class MemoryTable:
    """Items of one plan's partition in key order; `matches` plays the FilterExpression. Counts the items read."""

    def __init__(self, items, key, matches=lambda item: True):
        self.items = sorted(items, key=key)
        self.key, self.matches, self.read = key, matches, 0

    def query(self, key_condition, names=None, values=None, index=None, limit=None, forward=True, start_key=None,
              filter_expression=None, consistent=False):
        ordered = self.items if forward else list(reversed(self.items))
        if start_key is not None:
            position = next(i for i, item in enumerate(ordered) if self.key(item) == self.key(start_key))
            ordered = ordered[position + 1:]
        page = ordered[:limit]
        self.read += len(page)
        last = page[-1] if limit is not None and len(ordered) > limit else None
        return [i for i in page if self.matches(i)], last


@pytest.fixture
def posts(schema):
    coll = schema.get("posts")
    records = [store.new(coll, {"title": f"t{i}", "views": i, "status": "published", "owner": "u00000000000001"},
                         record_id=f"{i:015d}") for i in range(100)]
    changes = store.Changes()
    for record in records:
        changes.create(coll, record)
    items = [a["Put"]["Item"] for a in changes.actions() if "Put" in a]
    from chalicelib.store import table

    return coll, [table.deserialize(i) for i in items]


def make_plan(schema, coll, expression=""):
    node = filter_bind.bind(schema, coll, expression, filter_bind.Context())
    return planner.plan(coll, node, []), node


def test_pages_read_per_page_items_and_continue_from_the_key(schema, posts):
    coll, items = posts
    p, _ = make_plan(schema, coll)
    source = MemoryTable(items, key=lambda i: i["sk"])
    first, next_key, read = paging.read(p, None, 30, source=source)
    assert [r.id for r in first] == [f"{i:015d}" for i in range(30)] and read == 30 and source.read == 30
    second, _, _ = paging.read(p, next_key, 30, source=source)
    assert [r.id for r in second] == [f"{i:015d}" for i in range(30, 60)] and source.read == 60
    last, end, _ = paging.read(p, None, 200, source=source)
    assert len(last) == 100 and end is None


def test_a_residual_filter_reads_on_until_the_page_is_full(schema, posts):
    coll, items = posts
    p, node = make_plan(schema, coll, "views >= 90")
    source = MemoryTable(items, key=lambda i: i["sk"], matches=lambda i: filter_eval.evaluate(node, store.from_items([i])[0]))
    found, next_key, _ = paging.read(p, None, 5, source=source)
    assert [r.value("views") for r in found] == [90, 91, 92, 93, 94] and next_key is not None


def test_reading_past_the_bound_is_a_400_naming_the_index(schema, posts):
    coll, items = posts
    p, node = make_plan(schema, coll, 'title = "nothing"')
    source = MemoryTable(items, key=lambda i: i["sk"], matches=lambda i: False)
    with pytest.raises(planner.TooBroad) as caught:
        paging.read(p, None, 30, budget=50, source=source)
    assert "CREATE INDEX idx_posts_title ON posts (title)" in caught.value.message


def test_cursors_round_trip_and_refuse_tampering_and_other_queries():
    cursor = paging.encode_cursor("query-a", {"pk": "C#posts", "sk": "R#x"})
    assert paging.decode_cursor(cursor, "query-a") == {"pk": "C#posts", "sk": "R#x"}
    payload, mac = cursor.split(".")
    for bad in (cursor + "x", payload[:-2] + "AA." + mac, "nodot", "a.b.c", None, 5, "x" * 5000):
        with pytest.raises(Exception) as caught:
            paging.decode_cursor(bad, "query-a")
        assert caught.value.status == 400
    with pytest.raises(Exception):
        paging.decode_cursor(cursor, "query-b")


def test_query_hash_depends_on_shape_page_size_and_scope(schema, posts):
    coll, _ = posts
    p, _ = make_plan(schema, coll)
    q, _ = make_plan(schema, coll, "views > 1")
    assert len({paging.query_hash(p, 30, "guest"), paging.query_hash(p, 31, "guest"),
                paging.query_hash(p, 30, "admin"), paging.query_hash(q, 30, "guest")}) == 4
