"""The query planner without I/O: which access path serves a query, what is left to filter, what counts it."""
import pytest

from chalicelib.records.filter import bind as filter_bind
from chalicelib.records.filter.tree import TRUE
from chalicelib.records.query import planner
from chalicelib.store import keys


def plan(schema, expression, sort="", collection="posts"):
    coll = schema.get(collection)
    node = filter_bind.bind(schema, coll, expression, filter_bind.Context())
    return planner.plan(coll, node, planner.parse_sort(coll, sort))


def test_id_equality_is_one_get(schema):
    p = plan(schema, 'id = "abcdefghijklmno" && views > 1')
    assert p.get_id == "abcdefghijklmno" and p.residual != TRUE and p.index is None


def test_owner_equality_uses_the_implicit_owner_index(schema):
    p = plan(schema, 'owner = "u00000000000001"', sort="-created")
    owner_index = next(i for i in schema.get("posts").indexes if i.fields == ("owner",))
    assert p.index == keys.gsi(owner_index.slot) and not p.forward and p.filter is None
    assert p.counter_scope == 'owner_owner#["u00000000000001"]'
    assert p.key_attributes == ("pk", "sk", *keys.gsi_attributes(owner_index.slot))


def test_the_longest_covered_index_wins_and_the_rest_is_a_filter(schema):
    p = plan(schema, 'status = "draft" && views > 3')
    assert p.index == keys.gsi(next(i.slot for i in schema.get("posts").indexes if i.name == "idx_posts_status"))
    assert p.filter is not None and p.counter_scope is None  # a residual filter: no counter covers it


@pytest.mark.parametrize("sort,index,forward", [
    ("", None, True), ("-created", "gsi1", False), ("updated", "gsi2", True), ("-id", None, False),
])
def test_whole_collection_paths_follow_the_sort(schema, sort, index, forward):
    p = plan(schema, "", sort=sort)
    assert (p.index, p.forward, p.memory_sort, p.counter_scope) == (index, forward, None, "")


def test_random_and_path_sorts_are_done_in_memory(schema):
    p = plan(schema, "", sort="@random,-owner.name")
    assert p.memory_sort[0] == (planner.RANDOM, False) and p.memory_sort[1][0].path[0].collection == "users"


def test_sorts_no_path_provides_are_done_in_memory(schema):
    p = plan(schema, 'owner = "u00000000000001"', sort="-views,title")
    assert [(ref.name, desc) for ref, desc in p.memory_sort] == [("views", True), ("title", False)]


def test_known_values_decide_the_rest_of_an_and(schema):
    p = plan(schema, 'owner = "u00000000000001" && (status = "published" || owner = "u00000000000001")')
    assert p.residual == TRUE and p.filter is None


def test_contradictions_plan_an_empty_answer(schema):
    assert plan(schema, 'owner = "a00000000000001" && owner = "b00000000000001"').empty  # decided by the first
    assert plan(schema, "1 = 2").empty


def test_the_hint_names_the_index_to_add(schema):
    p = plan(schema, 'title = "x"')
    assert planner.index_hint(p) == "Add the index: CREATE INDEX idx_posts_title ON posts (title)."
    error = planner.TooBroad(p, "reads")
    assert error.status == 400 and "CREATE INDEX idx_posts_title" in error.message


@pytest.mark.parametrize("sort", ["nosuch", "title,", ",title", "owner.nosuch", ",".join(["title"] * 9)])
def test_bad_sorts_are_400(schema, sort):
    with pytest.raises(Exception) as caught:
        plan(schema, "", sort=sort)
    assert getattr(caught.value, "status", None) == 400
