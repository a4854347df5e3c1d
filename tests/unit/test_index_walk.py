"""Sorts an index covers, without I/O: which indexes keep a directory of their values, which sorts walk it, and order
keys that sort as SQLite sorts the values they encode."""

import pytest
from hypothesis import given, strategies as st

from chalicelib.records import value_order
from chalicelib.records.filter import bind, sqlvalues
from chalicelib.records.query import planner
from chalicelib.records.schema.collections import load

OPEN = {rule: "" for rule in ("listRule", "viewRule", "createRule", "updateRule", "deleteRule")}


@pytest.fixture(scope="module")
def items():
    return load([{"name": "items", "type": "base", **OPEN, "fields": [
        {"name": "n", "type": "number"}, {"name": "on", "type": "bool"},
        {"name": "kind", "type": "select", "values": ["a", "b"], "maxSelect": 1, "required": True},
        {"name": "title", "type": "text"},
        {"name": "created", "type": "autodate", "onCreate": True, "onUpdate": False},
        {"name": "updated", "type": "autodate", "onCreate": True, "onUpdate": True}],
        "indexes": ["CREATE INDEX idx_n ON items (n)", "CREATE INDEX idx_kind_n ON items (kind, n)",
                    "CREATE INDEX idx_title_on ON items (title, `on`)", "CREATE INDEX idx_title ON items (title)"]}])


def _plan(schema, expression, sort):
    coll = schema.get("items")
    node = bind.fold(bind.bind(schema, coll, expression, bind.Context()))
    return planner.plan(coll, node, planner.parse_sort(coll, sort))


def test_an_index_lists_its_values_when_its_last_fields_hold_one_in_every_record(items):
    directory = {i.name: i.directory for i in items.get("items").indexes}
    # numbers, bools and required fields always hold a value; a text field that may be blank doesn't
    assert directory == {"idx_n": 1, "idx_kind_n": 2, "idx_title_on": 1, "idx_title": 0}


@pytest.mark.parametrize("expression,sort,index,prefix,forward,within", [
    ("", "n", "idx_n", (), True, True),
    ("", "-n", "idx_n", (), False, False),
    ("", "n,-created", "idx_n", (), True, False),
    ("", "-n,created,id", "idx_n", (), False, True),
    ("", "kind,n", "idx_kind_n", (), True, True),
    ('kind = "b"', "-n", "idx_kind_n", ("b",), False, False),
    ('title = "x"', "on", "idx_title_on", ("x",), True, True),
])
def test_sorts_an_index_covers_walk_it(items, expression, sort, index, prefix, forward, within):
    p = _plan(items, expression, sort)
    assert p.walk is not None and p.memory_sort is None
    assert (p.walk.path.name, p.walk.prefix, p.walk.forward, p.walk.within_forward) == (index, prefix, forward, within)
    assert p.residual == bind.bind(items, items.get("items"), "", bind.Context())  # the equality is the prefix


@pytest.mark.parametrize("expression,sort", [
    ("", "title"),  # blank titles aren't indexed
    ("", "on"),  # (title, on) needs title fixed
    ("", "kind,-n"),  # two directions over one directory
    ("", "n,title"),  # a tail the index doesn't order by
    ("", "n,-created,id"),  # id against the created direction
    ("", "n,updated"),
    ('title = "x"', "n"),  # an equality path reads fewer: those records are sorted in memory
])
def test_sorts_no_directory_covers_stay_in_memory(items, expression, sort):
    p = _plan(items, expression, sort)
    assert p.walk is None and p.memory_sort


def test_walks_of_different_prefixes_are_different_queries(items):
    assert _plan(items, 'kind = "a"', "n").shape != _plan(items, 'kind = "b"', "n").shape


def _doubles():
    return st.floats(allow_nan=False, allow_infinity=False) | st.integers(-2 ** 53, 2 ** 53)


@given(st.lists(_doubles(), min_size=2, max_size=20))
def test_number_keys_sort_as_the_numbers(numbers):
    by_key = sorted(numbers, key=lambda n: value_order.encode([n]).encode())
    assert [float(n) for n in by_key] == sorted(float(n) for n in numbers)


@given(st.lists(st.tuples(st.text(max_size=6), st.text(max_size=6)), min_size=2, max_size=20))
def test_text_keys_of_several_fields_sort_as_sqlite_compares_them(pairs):
    by_key = sorted(pairs, key=lambda p: value_order.encode(list(p)).encode())
    as_sqlite = sorted(pairs, key=lambda p: tuple(sqlvalues.sort_key(v) for v in p))
    assert by_key == as_sqlite


def test_numbers_sort_before_text_and_long_values_are_cut_on_a_character():
    assert value_order.encode([10 ** 300]) < value_order.encode([""]) < value_order.encode(["a"])
    key = value_order.encode(["中" * 600])
    assert len(key.encode()) <= value_order.MAX_BYTES and key.endswith("中")
    assert value_order.encode([-0.0]) == value_order.encode([0])
    assert value_order.prefix(["b"]) and value_order.encode(["b", 1]).startswith(value_order.prefix(["b"]))


@pytest.mark.parametrize("expression,sort,hint", [
    ("", "-on", "CREATE INDEX idx_items_on ON items (on)."),
    ('title = "x" && on = true', "n", "CREATE INDEX idx_items_title_on_n ON items (title, on, n)."),
    ("", "title", "Narrow the filter"),  # a blank title isn't indexed: no directory could serve it
    ("", "n,title", "Narrow the filter"),
])
def test_the_400_of_a_sort_past_the_bound_names_the_index_whose_directory_would_serve_it(items, expression, sort,
                                                                                         hint):
    p = _plan(items, expression, sort)
    assert p.memory_sort and hint in planner.index_hint(p)
