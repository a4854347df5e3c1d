"""The filter language without I/O: the parser's typed tree, the operator table, binding, Python evaluation, and the
DynamoDB expressions compiled from the same cases the HTTP tier runs against DynamoDB (tests/filter_cases.py)."""
import re

import pytest

from chalicelib.records import filter_bind, filter_ddb, filter_eval, operators, store
from chalicelib.records.filter_parser import FilterError, parse
from chalicelib.records.filter_tree import TRUE, And, Compare, Const, FieldRef, Ident, Literal, Op, Or
from tests.filter_cases import CASES, CORPUS, HOSTILE

OWNER = "owner0000000001"


@pytest.fixture(scope="module")
def rows(schema):
    posts = schema.get("posts")
    defaults = {"title": "hello", "status": "published", "content": "", "tags": [], "views": 0, "cover": ""}
    return {name: store.new(posts, {**defaults, **fields, "owner": OWNER}) for name, fields in CORPUS.items()}


def bound(schema, expression, **ctx):
    return filter_bind.bind(schema, schema.get("posts"), expression, filter_bind.Context(method="GET", **ctx))


@pytest.mark.parametrize("expression,expected", CASES)
def test_each_case_in_python(schema, rows, expression, expected):
    node = bound(schema, expression)
    assert "".join(sorted(k for k, r in rows.items() if filter_eval.evaluate(node, r))) == expected


@pytest.mark.parametrize("expression,expected", CASES)
def test_each_case_compiles_to_placeholders_only(schema, expression, expected):
    node = bound(schema, expression)
    if isinstance(node, Const):
        return  # decided without reading a record
    b = filter_ddb.Builder()
    text = b.compile(node)
    # every attribute name and value is a placeholder: nothing the user wrote reaches the expression
    residue = re.sub(r"#n\d+|:v\d+", "", text)
    assert re.fullmatch(r"[\s().,<>=A-Za-z_]*", residue), text
    assert set(re.findall(r"#n\d+", text)) == set(b.names) and set(re.findall(r":v\d+", text)) == set(b.values)
    assert {"data", "lc", "created", "updated"} >= set(b.names.values()) - {"title", "views", "status", "tags",
                                                                            "content"}


@pytest.mark.parametrize("expression", HOSTILE)
def test_hostile_filters_are_filter_errors(schema, expression):
    with pytest.raises(FilterError) as caught:
        bound(schema, expression)
    assert caught.value.status == 400 and caught.value.data["filter"]["code"] == "validation_invalid_filter"


def test_the_parser_builds_typed_nodes():
    node = parse('(a = 1 || b ?!~ "x") && @request.auth.id != null')
    assert node == And((Or((Compare(Op.EQ, Ident("a"), Literal(1)),
                            Compare(Op.NOT_LIKE, Ident("b"), Literal("x"), any_of=True))),
                        Compare(Op.NEQ, Ident("@request.auth.id"), Literal(None))))
    assert parse("") == TRUE and parse("  // only a comment") == TRUE
    assert parse("n:length > 2.5") == Compare(Op.GT, Ident("n", "length"), Literal(2.5))


def test_every_operator_has_one_row_and_its_token_parses():
    assert set(operators.OPERATORS) == set(Op)
    for op in operators.FILTER_OPS:
        for prefix in ("", "?"):
            node = parse(f"a {prefix}{op.value} 1")
            assert node == Compare(op, Ident("a"), Literal(1), any_of=bool(prefix))
    for row in operators.OPERATORS.values():
        if row.mirror is not None:  # mirrors pair up
            assert operators.OPERATORS[row.mirror].mirror == row.op
        assert (row.ddb_fields is None) == (row.self_result is None)


@pytest.mark.parametrize("op,a,b,expected", [
    (Op.EQ, "", None, True), (Op.EQ, [], "", True), (Op.NEQ, ["x"], "", True), (Op.EQ, 1, 1.0, True),
    (Op.EQ, 1, "1", False), (Op.EQ, True, 1, False), (Op.GT, "b", "a", True), (Op.GT, 2, "1", False),
    (Op.GT, True, False, False), (Op.LIKE, "Cherry", "Ch%", True), (Op.LIKE, "Cherry", "%err%", True),
    (Op.NOT_LIKE, "Cherry", "x", True), (Op.HAS, ["a", "b"], "b", True), (Op.NOT_HAS, ["a"], "b", True),
    (Op.HAS, "ab", "a", False), (Op.LT, [5, 1], 2, True), (Op.GTE, [], 0, False),
])
def test_operator_semantics(op, a, b, expected):
    assert operators.compare(op, a, b) is expected


def test_binding_mirrors_folds_and_uses_lowercased_copies(schema):
    assert bound(schema, "5 < views") == Compare(Op.GT, FieldRef("views"), Literal(5))
    assert bound(schema, 'title ~ "ApPle"') == Compare(Op.LIKE, FieldRef("title", "lower"), Literal("apple"))
    assert bound(schema, 'tags ?= "x"') == Compare(Op.HAS, FieldRef("tags"), Literal("x"), any_of=True)
    assert bound(schema, "views >= views") == TRUE and bound(schema, "views > views") == Const(False)
    assert bound(schema, "id = ''") == Const(False)  # ids are never blank
    assert bound(schema, '@request.method = "GET" || views = 1') == TRUE
    auth = type("Auth", (), {"id": "u1", "value": lambda self, n: {"id": "u1"}.get(n, "")})()
    assert bound(schema, "owner = @request.auth.id", auth=auth) == Compare(Op.EQ, FieldRef("owner"), Literal("u1"))
    with pytest.raises(FilterError):
        bound(schema, "'x' ~ title")  # ~ has no mirror: the field goes on the left


def test_assume_decides_terms_on_known_values(schema):
    node = bound(schema, 'status = "published" || owner = "me"')
    assert filter_bind.assume(node, {"owner": "me"}) == TRUE
    assert filter_bind.assume(node, {"owner": "you"}) == Compare(Op.EQ, FieldRef("status"), Literal("published"))
