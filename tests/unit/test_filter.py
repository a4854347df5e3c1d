"""The filter language without I/O: the parser's typed tree, the operator table, binding, SQLite's value rules,
Python evaluation, and the DynamoDB expressions pushed down for the same cases the HTTP tier runs against DynamoDB
(tests/filter_cases.py)."""
import re

import pytest

from chalicelib.records import store
from chalicelib.records.filter import (bind as filter_bind, dynamodb as filter_ddb, evaluate as filter_eval, operators,
                                       sqlvalues)
from chalicelib.records.filter.parser import FilterError, parse
from chalicelib.records.schema.fields import TYPES
from chalicelib.records.filter.tree import TRUE, And, Compare, Const, FieldRef, Ident, Literal, Op, Or
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
def test_what_is_pushed_down_compiles_to_placeholders_only(schema, expression, expected):
    node = bound(schema, expression)
    pushed = filter_ddb.pushdown(node) if not isinstance(node, Const) else TRUE
    if pushed == TRUE:
        return  # decided without reading, or evaluated in Python only
    b = filter_ddb.Builder()
    text = b.compile(pushed)
    # every attribute name and value is a placeholder: nothing the user wrote reaches the expression
    residue = re.sub(r"#n\d+|:v\d+", "", text)
    assert re.fullmatch(r"[\s().,<>=A-Za-z_]*", residue), text
    assert set(re.findall(r"#n\d+", text)) == set(b.names) and set(re.findall(r":v\d+", text)) == set(b.values)


def test_only_exact_forms_are_pushed_down(schema):
    def pushed(expression):
        return filter_ddb.pushable(bound(schema, expression))

    assert pushed('title = "x"') and pushed('views > 3') and pushed('title ~ "Ch%"') and pushed('tags:each ?= "a"')
    assert not pushed('tags ?= "a"')  # JSON text of the list: Python
    assert not pushed('title ~ "%pie"') and not pushed('title ~ "a_c%"')  # suffix, single-character wildcard
    assert not pushed('views = "5"') and not pushed("title = 5")  # SQLite's affinity conversions: Python
    assert not pushed('content ~ "x"')  # editor values keep no lowercased copy
    # LIKE over numbers matches their SQLite text, which no DynamoDB form gives
    assert not pushed("views ~ 5") and not pushed('views ~ "1%"') and not pushed("title ~ 5")


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


def test_literals_in_any_case_and_only_pocketbases_whitespace():
    assert parse("a = TRUE") == parse("a = true") == Compare(Op.EQ, Ident("a"), Literal(True))
    assert parse("a = False") == Compare(Op.EQ, Ident("a"), Literal(False))
    assert parse("nULL = a") == Compare(Op.EQ, Literal(None), Ident("a"))
    assert parse("a\t=\n1") == Compare(Op.EQ, Ident("a"), Literal(1))
    for space in ("\f", "\v", "\r", "\u00a0", "\u2003"):
        with pytest.raises(FilterError):
            parse(f"a ={space}1")


def test_every_operator_has_one_row_and_its_token_parses():
    assert set(operators.OPERATORS) == set(Op)
    for op in Op:
        for prefix in ("", "?"):
            node = parse(f"a {prefix}{op.value} 1")
            assert node == Compare(op, Ident("a"), Literal(1), any_of=bool(prefix))
    for row in operators.OPERATORS.values():
        if row.mirror is not None:  # mirrors pair up
            assert operators.OPERATORS[row.mirror].mirror == row.op


@pytest.mark.parametrize("a,a_aff,b,b_aff,expected", [
    (5, "numeric", "5", None, (5, 5)), (5, "numeric", "abc", None, (5, "abc")), ("x", "text", 5.0, None, ("x", "5.0")),
    ("x", "text", 5, None, ("x", "5")), ("1", "text", "1", None, ("1", "1")), (None, "text", 1.5, None, (None, "1.5")),
])
def test_sqlite_affinity(a, a_aff, b, b_aff, expected):
    assert sqlvalues.apply_affinity(a, a_aff, b, b_aff) == expected


@pytest.mark.parametrize("value,pattern,expected", [
    ("Cherry", "Ch%", True), ("Cherry", "%err%", True), ("Cherry", "%RRY", True), ("a_c", "%\\_%", True),
    ("abc", "%\\_%", False), ("abc", "a_c", True), ("Ünï", "%ünï%", False), ("ÜNÏ", "%ÜNÏ%", True),
    ("100%", "%100\\%", True), (None, "%", None), (12, "%2%", True), (1.5, "1.5", True),
])
def test_sqlite_like(value, pattern, expected):
    assert sqlvalues.like(value, pattern) == expected


def test_like_reads_numbers_as_sqlite_and_go_write_them(schema):
    # a NUMERIC column stores a whole REAL as an INTEGER: 5.0 from a body is '5' to LIKE, 1e20 stays a REAL
    assert [sqlvalues.stored_number(v) for v in (5.0, 1.5, -0.0, 1e20)] == [5, 1.5, 0, 1e20]
    assert sqlvalues.number_text(1e20) == "1.0e+20" and sqlvalues.number_text(1e-7) == "1.0e-07"
    assert sqlvalues.number_text(1.5e20) == "1.5e+20" and sqlvalues.number_text(-0.0) == "0.0"
    assert sqlvalues.param_text(-0.0) == "-0" and sqlvalues.param_text(0.0) == "0"
    assert sqlvalues.param_text(5.0) == "5" and sqlvalues.param_text(0.25) == "0.25"
    draft = store.new(schema.get("posts"), {"title": "t", "views": 5.0, "owner": OWNER})
    assert filter_eval.evaluate(bound(schema, 'views ~ "5"'), draft)
    assert not filter_eval.evaluate(bound(schema, 'views ~ ".0"'), draft)


def test_pocketbase_wraps_like_values_without_a_wildcard():
    assert sqlvalues.like_pattern("b_t") == "%b\\_t%" and sqlvalues.like_pattern("b_t%") == "b_t%"
    assert sqlvalues.like_pattern("100\\%") == "%100\\%%"


def test_values_compare_in_sqlite_type_order():
    assert sqlvalues.compare("<", 10**6, "a") is True and sqlvalues.compare("<", "B", "a") is True
    assert sqlvalues.compare("=", None, None) is None and sqlvalues.same(None, None) is True
    assert sqlvalues.number_text(5.0) == "5.0" and sqlvalues.number_text(3) == "3"
    assert TYPES["select"].sql_value(True, ["a", "b"]) == '["a","b"]'
    assert TYPES["select"].sql_value(False, ["a", "b"]) == "b" and TYPES["text"].sql_value(False, None) == ""
    assert TYPES["json"].sql_value(False, {"b": 1, "a": [True]}) == '{"a":[true],"b":1}'
    assert TYPES["bool"].sql_value(False, True) == 1 and TYPES["number"].sql_value(False, None) == 0


def test_binding_mirrors_folds_and_keeps_pocketbase_semantics(schema):
    views = FieldRef("views", field_type="number")
    assert bound(schema, "5 < views") == Compare(Op.GT, views, Literal(5))
    tags = FieldRef("tags", field_type="select", multiple=True)
    assert bound(schema, 'tags ?= "x"') == Compare(Op.EQ, tags, Literal("x"), any_of=True)
    assert bound(schema, 'tags:each = "x"') == Compare(Op.EQ, FieldRef("tags", "each", field_type="select",
                                                                        multiple=True), Literal("x"))
    assert bound(schema, "views >= views") == TRUE and bound(schema, "views > views") == Const(False)
    assert bound(schema, "id = ''") == Const(False)  # ids are never blank
    assert bound(schema, '@request.method = "GET" || views = 1') == TRUE
    auth = type("Auth", (), {"id": "u1", "value": lambda self, n: {"id": "u1"}.get(n, "")})()
    owner = FieldRef("owner", field_type="relation")
    assert bound(schema, "owner = @request.auth.id", auth=auth) == Compare(Op.EQ, owner, Literal("u1"))
    assert bound(schema, "'x' ~ title") == Compare(Op.LIKE, Literal("x"), FieldRef("title"))  # LIKE has no mirror
    path = bound(schema, 'owner.name = "x"')
    assert path.left.path[0].kind == "rel" and path.left.path[0].collection == "users"


def test_assume_decides_terms_on_known_values(schema):
    node = bound(schema, 'status = "published" || owner = "me"')
    assert filter_bind.assume(node, {"owner": "me"}) == TRUE
    assert filter_bind.assume(node, {"owner": "you"}) == bound(schema, 'status = "published"')


def test_request_body_relation_fields_read_the_related_record(schema):
    comments = schema.get("comments")
    stored = {("posts", "post00000000001"): {"id": "post00000000001", "status": "draft", "views": 3}}
    rule = '@request.body.post.status = "draft" && @request.body.post.views > 2 && @request.body.post.id != ""'

    def decided(body):
        ctx = filter_bind.Context(body=body, record=lambda c, i: stored.get((c, i)))
        return filter_bind.bind(schema, comments, rule, ctx)

    filter_bind.check(schema, comments, rule, param="createRule")  # a collections file may hold it
    assert decided({"post": "post00000000001"}) == Const(True)
    assert decided({"post": "post00000000002"}) == Const(False)  # no such record: NULL
    assert decided({}) == Const(False)
    for bad in ("@request.body.post.nosuch = 1", "@request.body.text.x = 1", "@request.body.post.status:lower = 1",
                "@request.body.post.owner.nosuch = 1", "@request.body.post.title.x = 1",
                "@request.body.post.owner.name:lower = 1"):
        with pytest.raises(FilterError):
            filter_bind.check(schema, comments, bad, param="createRule")


def test_request_body_relations_are_read_through_further_single_relations(schema):
    comments = schema.get("comments")
    stored = {("posts", "post00000000001"): {"id": "post00000000001", "owner": "user00000000001"},
              ("posts", "post00000000002"): {"id": "post00000000002", "owner": ""},
              ("users", "user00000000001"): {"id": "user00000000001", "name": "Olivia"}}
    rule = '@request.body.post.owner.name = "Olivia"'
    filter_bind.check(schema, comments, rule, param="createRule")

    def decided(body, expression=rule):
        ctx = filter_bind.Context(body=body, record=lambda c, i: stored.get((c, i)))
        return filter_bind.bind(schema, comments, expression, ctx)

    assert decided({"post": "post00000000001"}) == Const(True)
    assert decided({"post": "post00000000002"}) == Const(False)  # the post names no owner: NULL
    assert decided({"post": "post00000000002"}, "@request.body.post.owner.name = null") == Const(True)
    assert decided({"post": "nosuch000000000"}) == Const(False)


def test_request_values_take_lower_and_an_unsent_header_is_null(schema):
    ctx = {"query": {"x": "AbC"}, "headers": {"x_team": "BLUE"}}
    assert bound(schema, '@request.query.x:lower = "abc"', **ctx) == Const(True)
    assert bound(schema, '@request.headers.x_team:lower = "blue"', **ctx) == Const(True)
    assert bound(schema, '@request.query.x = "abc"', **ctx) == Const(False)
    assert bound(schema, "1 < @request.headers.x_missing", **ctx) == Const(False)  # NULL: no ordering holds
    assert bound(schema, "@request.headers.x_missing = null", **ctx) == Const(True)
    assert bound(schema, '@request.query.missing = ""', **ctx) == Const(True)  # a query value is ''
    with pytest.raises(FilterError):
        bound(schema, "@request.query.x:length = 1", **ctx)
