"""Fuzzing the list queries (no token needed: the most exposed surface) with hypothesis: filters, sorts, fields and
expand built from the grammar's own pieces and hostile values. Every answer is a clean 200 or 4xx."""
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.records_helpers import ADMIN

FIELDS = ["title", "views", "owner", "status", "tags", "content", "cover", "created", "updated", "id", "owner.name",
          "owner.owner", "comments_via_post.text", "@request.auth.id", "@request.query.x", "@collection.posts.views",
          "@now", "@todayStart", "tags:each", "tags:length", "title:lower", "@request.body.title:isset", "meta.a.0",
          "", "_", "x" * 300]
NUMBERS = ["0", "-1", "1.5", "9" * 40, "-" + "9" * 40, "0." + "9" * 50, "1" + "0" * 300, "00012", "-0"]
STRINGS = ['"a"', "'b'", '"%"', '"\\\\"', '"\\""', "''", '"' + "z" * 400 + '"', '"😀"', '"\u0000"', '"_%_"']
OPERATORS = ["=", "!=", ">", ">=", "<", "<=", "~", "!~", "?=", "?!=", "?>", "?~", "==", "=>", "<>", ""]
FUNCTIONS = ['strftime("%Y", created)', 'strftime("%s", @now)', "geoDistance(0, 0, 1, 1)", "strftime()",
             "geoDistance(" + "9" * 40 + ", 0, 0, 0)", "unknown(1)"]

operand = st.sampled_from(FIELDS + NUMBERS + STRINGS + FUNCTIONS + ["true", "false", "null"])
comparison = st.builds(lambda a, op, b: f"{a} {op} {b}", operand, st.sampled_from(OPERATORS), operand)
filters = st.recursive(
    comparison,
    lambda inner: st.one_of(
        st.builds(lambda a, j, b: f"{a} {j} {b}", inner, st.sampled_from(["&&", "||", "&", ""]), inner),
        st.builds(lambda a: f"({a})", inner),
        st.builds(lambda a: f"({a}", inner),
    ),
    max_leaves=12,
)
sorts = st.lists(st.builds(lambda sign, f: sign + f, st.sampled_from(["", "-", "+", "--"]),
                           st.sampled_from(FIELDS + ["@random", "@rowid"])), max_size=6).map(",".join)
modifiers = st.sampled_from(["", ":excerpt(10)", ":excerpt(" + "9" * 50 + ")", ":excerpt(-1,true)", ":excerpt(",
                             ":excerpt(10,maybe)", ":unknown"])
picks = st.lists(st.builds(lambda f, m: f + m, st.sampled_from(FIELDS + ["*", "expand.owner.*"]), modifiers),
                 max_size=5).map(",".join)
expands = st.lists(st.sampled_from(["owner", "owner.owner", "comments_via_post", "comments_via_post.author", "nope",
                                    "owner." * 10 + "owner", ""]), max_size=4).map(",".join)
pages = st.sampled_from(["1", "0", "-1", "2", "9" * 40, "abc", "", "1.5", str(2 ** 63)])
params = st.fixed_dictionaries({}, optional={"filter": filters, "sort": sorts, "fields": picks, "expand": expands,
                                             "page": pages, "perPage": pages, "skipTotal": st.sampled_from(
                                                 ["1", "true", "0", "x"])})


def _clean(reply, what):
    assert reply.status < 500, (what, reply)
    if reply.status >= 400:
        assert reply.json["status"] == reply.status and reply.json["message"], (what, reply)


@pytest.mark.parametrize("collection,token", [("posts", None), ("comments", None), ("users", None),
                                              ("posts", ADMIN)])
@settings(max_examples=120, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(query=params)
def test_fuzzed_list_queries_answer_cleanly(api, collection, token, query):
    reply = api.get(f"/api/collections/{collection}/records?{urlencode(query)}", token=token)
    _clean(reply, query)


@settings(max_examples=80, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=st.dictionaries(st.sampled_from(["title", "status", "views", "views+", "views-", "tags", "tags+", "+tags",
                                             "tags-", "owner", "content", "cover", "id", "created", "@review", "x"]),
                            st.recursive(st.none() | st.booleans() | st.floats(allow_nan=True) |
                                         st.integers(min_value=-10 ** 60, max_value=10 ** 60) |
                                         st.text(max_size=30),
                                         lambda inner: st.lists(inner, max_size=3) |
                                         st.dictionaries(st.text(max_size=5), inner, max_size=3),
                                         max_leaves=8), max_size=6))
def test_fuzzed_record_bodies_answer_cleanly(api, body):
    import json

    raw = json.dumps(body, allow_nan=True)
    _clean(api.post("/api/collections/posts/records", raw, token=ADMIN), body)
