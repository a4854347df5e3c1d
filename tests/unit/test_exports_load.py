"""Real PocketBase exports load unchanged: the dashboard's export of tests/exports/schema.py as captured from
PocketBase 0.23.12 and 0.40.6 (tests/exports/fixtures; `make test-pocketbase-exports` captures every minor release
afresh). What is ignored is logged; what would change semantics still fails, naming collection and field."""
import json
import logging
import os

import pytest

from chalicelib.records.schema.collections import SchemaError, load
from tests.exports.expected import assert_loaded

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(__file__)), "exports", "fixtures")
VERSIONS = ("0.23.12", "0.40.6")


def export(version):
    with open(os.path.join(FIXTURES, f"pocketbase-{version}.json")) as f:
        return json.load(f)


def ignored(caplog, message):
    return [r.fields for r in caplog.records if r.getMessage() == message]


@pytest.mark.parametrize("version", VERSIONS)
def test_a_dashboard_export_loads_with_its_indexes_and_users_extension(version):
    assert_loaded(load(export(version)))


def test_what_is_ignored_is_logged_naming_collection_field_and_option(caplog):
    caplog.set_level(logging.INFO, logger="wxbase")
    load(export("0.40.6"))
    assert ignored(caplog, "collections_system_ignored") == [
        {"collections": "_superusers, _authOrigins, _externalAuths, _mfas, _otps"}]
    assert ignored(caplog, "collections_option_ignored") == [  # only the help texts set; empty ones say nothing
        {"collection": "users", "field": "nickname", "option": "help"},
        {"collection": "categories", "field": "name", "option": "help"},
        {"collection": "posts", "field": "title", "option": "help"}]
    caplog.clear()
    load(export("0.23.12"))
    assert ignored(caplog, "collections_option_ignored") == []


def _changed(mutate, version="0.40.6"):
    raw = export(version)
    mutate({c["name"]: c for c in raw})
    return raw


def _field(collection, name):
    return next(f for f in collection["fields"] if f["name"] == name)


def test_newer_options_at_their_zero_value_are_harmless_and_logged(caplog):
    def mutate(c):
        _field(c["posts"], "title")["futureFlag"] = False
        _field(c["posts"], "views")["futureList"] = []
        c["posts"]["futureSetting"] = None
        c["users"]["futureAuthSetting"] = {}
    schema = load(_changed(mutate))
    assert "title" in schema.get("posts").fields
    found = ignored(caplog, "collections_option_ignored")
    for entry in ({"collection": "posts", "field": "title", "option": "futureFlag"},
                  {"collection": "posts", "field": "views", "option": "futureList"},
                  {"collection": "posts", "field": None, "option": "futureSetting"},
                  {"collection": "users", "field": None, "option": "futureAuthSetting"}):
        assert entry in found


@pytest.mark.parametrize("mutate,expected", [
    (lambda c: _field(c["posts"], "title").update(futureFlag=True),
     "Collection posts, field title: unknown option(s) futureFlag for type text"),
    (lambda c: c["posts"].update(futureSetting="on"), "Collection posts: unknown option(s) futureSetting"),
    (lambda c: c["users"].update(futureAuthSetting={"x": 1}), "Collection users: unknown option(s) futureAuthSetting"),
    (lambda c: c["posts"]["fields"].append({"name": "where", "type": "geoPoint"}),
     "Collection posts, field where: geoPoint fields are not supported"),
    (lambda c: c["posts"]["fields"].append({"name": "pin", "type": "password"}),
     "Collection posts, field pin: password fields belong to auth collections"),
    (lambda c: c["posts"]["fields"].append({"name": "hue", "type": "colour"}),
     "Collection posts, field hue: unknown type 'colour'"),
    (lambda c: c["posts"]["fields"].append({"name": "boss", "type": "relation", "collectionId": "pbc_3142635823",
                                            "maxSelect": 1}),
     "Collection posts, field boss: relates to PocketBase's system collection _superusers"),
    (lambda c: c["posts"].update(type="view"), "Collection posts: type 'view' is not supported"),
])
def test_what_would_change_semantics_still_fails(mutate, expected):
    with pytest.raises(SchemaError) as exc:
        load(_changed(mutate))
    assert expected in exc.value.message


def _with_indexes(*indexes, collection="posts"):
    def mutate(c):
        c[collection]["indexes"] = list(indexes)
    return _changed(mutate)


@pytest.mark.parametrize("index,expected", [
    ("CREATE INDEX i ON posts (status, updated)", [("i", ("status",), "updated")]),
    ("CREATE INDEX i ON posts (`status` DESC, `created` DESC)", [("i", ("status",), "created")]),
    ("CREATE INDEX i ON posts (status, title)", [("i", ("status", "title"), "created")]),
    ("CREATE INDEX i ON posts (created)", []),  # the table's own order
    ("CREATE INDEX i ON posts (updated)", []),
    ("CREATE INDEX i ON posts (edited)", [("i", (), "edited")]),
    ("CREATE INDEX i ON posts (status, edited)", [("i", ("status",), "edited")]),
    ("CREATE INDEX i ON posts (status) WHERE status != ''", [("i", ("status",), "created")]),
])
def test_index_shapes(index, expected):
    posts = load(_with_indexes(index)).get("posts")
    assert [(i.name, i.fields, i.order) for i in posts.indexes if i.name == "i"] == expected


@pytest.mark.parametrize("index", [
    "CREATE INDEX i ON posts (created, status)",
    "CREATE INDEX i ON posts (meta)",
    "CREATE INDEX i ON posts (tags)",
    "CREATE INDEX i ON posts (lower(title))",
    "CREATE INDEX i ON posts (status) WHERE views > 10",
])
def test_indexes_that_change_no_answer_are_dropped_with_a_warning(index, caplog):
    posts = load(_with_indexes(index)).get("posts")
    assert "i" not in [i.name for i in posts.indexes] or "WHERE" in index
    warnings = ignored(caplog, "collections_index_ignored")
    assert warnings and warnings[0]["collection"] == "posts" and index in warnings[0]["detail"]


@pytest.mark.parametrize("index,columns,nocase,skip", [
    ("CREATE UNIQUE INDEX u ON posts (slug)", ("slug",), set(), ()),
    ("CREATE UNIQUE INDEX u ON posts (`slug` COLLATE NOCASE)", ("slug",), {"slug"}, ()),
    ("CREATE UNIQUE INDEX u ON posts (slug, status) WHERE slug != '' AND `status` <> ''", ("slug", "status"),
     set(), ("slug", "status")),
    ("CREATE UNIQUE INDEX u ON posts (slug) WHERE slug IS NOT NULL", ("slug",), set(), ()),
    ("CREATE UNIQUE INDEX u ON posts (status, created)", ("status", "created"), set(), ()),
])
def test_unique_index_forms(index, columns, nocase, skip):
    [unique] = load(_with_indexes(index)).get("posts").unique
    assert (unique.columns, set(unique.nocase), unique.skip_blank) == (columns, nocase, skip)


@pytest.mark.parametrize("index,expected", [
    ("CREATE UNIQUE INDEX u ON posts (slug) WHERE views > 0", "may only skip blank values"),
    ("CREATE UNIQUE INDEX u ON posts (slug) WHERE title != ''", "title, which is not one of its columns"),
    ("CREATE UNIQUE INDEX u ON posts (tags)", "tags (select, multiple) can't be part of a unique index"),
    ("CREATE UNIQUE INDEX u ON posts (meta)", "meta (json) can't be part of a unique index"),
    ("CREATE UNIQUE INDEX u ON posts (lower(slug))", "is an expression"),
    ("CREATE UNIQUE INDEX u ON posts (nope)", "'nope' is not a field of the collection"),
    ("DROP INDEX u", "not a CREATE INDEX statement"),
])
def test_unique_indexes_wxbase_cant_honour_fail_the_load(index, expected):
    with pytest.raises(SchemaError) as exc:
        load(_with_indexes(index))
    assert exc.value.message.startswith("Collection posts, index") and expected in exc.value.message


def test_more_query_paths_than_gsis_fail_naming_them():
    indexes = [f"CREATE INDEX i{n} ON posts ({col})" for n, col in enumerate(("status", "slug", "views", "title"))]
    with pytest.raises(SchemaError) as exc:
        load(_with_indexes(*indexes))
    assert "at most 4 indexes" in exc.value.message and "owner_author" in exc.value.message


def test_the_checked_in_exports_are_untouched_captures():
    """The fixtures are PocketBase's own output, system collections and all (refreshed with tests.exports.capture)."""
    for version in VERSIONS:
        names = [c["name"] for c in export(version)]
        assert {"_superusers", "_otps", "_mfas", "_authOrigins", "_externalAuths", "users"} <= set(names)
    assert all("help" in f for c in export("0.40.6") for f in c["fields"] if f["type"] != "autodate")
    assert not any("help" in f for c in export("0.23.12") for f in c["fields"])


def test_unique_indexes_past_the_gsis_stay_constraints_without_a_query_path(caplog):
    indexes = ["CREATE INDEX i0 ON posts (status)", "CREATE INDEX i1 ON posts (views)",
               "CREATE UNIQUE INDEX u0 ON posts (slug)", "CREATE UNIQUE INDEX u1 ON posts (title)"]
    posts = load(_with_indexes(*indexes)).get("posts")
    assert [i.name for i in posts.indexes] == ["i0", "i1", "u0", "owner_author"]
    assert [u.name for u in posts.unique] == ["u0", "u1"]
    [warning] = ignored(caplog, "collections_index_ignored")
    assert "unique index u1 is enforced but is not a query path" in warning["detail"]
