"""The collections file: PocketBase's export format, validated at load with messages naming collection and field."""
import copy
import json

import pytest

from chalicelib.core.settings import default_collections_path
from chalicelib.records.schema.collections import SchemaError, load

with open(default_collections_path()) as f:
    SHIPPED = json.load(f)


def test_shipped_schema_loads_with_users_extended_and_indexes():
    schema = load(SHIPPED)
    assert {"users", "posts", "comments", "favourites"} <= set(schema.collections)
    users = schema.get("_pb_users_auth_")
    assert users.name == "users" and users.is_auth and "bio" in users.fields and "password" not in users.fields
    posts = schema.get("posts")
    assert posts.fields["owner"].target == "users" and posts.fields["tags"].multiple
    assert [i.fields for i in posts.indexes] == [("status",), ("owner",)]
    assert schema.get("comments").fields["post"].target == "posts"


def _broken(mutate):
    raw = copy.deepcopy(SHIPPED)
    mutate({c["name"]: c for c in raw})
    with pytest.raises(SchemaError) as exc:
        load(raw)
    return exc.value.message


def test_names_differing_only_in_case_are_one_name():
    raw = copy.deepcopy(SHIPPED)
    posts = next(c for c in raw if c["name"] == "posts")
    raw.append({**copy.deepcopy(posts), "name": "Posts", "id": "posts_upper_case"})
    with pytest.raises(SchemaError, match="Collection Posts: listed twice"):
        load(raw)
    schema = load(copy.deepcopy(SHIPPED))
    assert schema.get("POSTS") is schema.get("posts") is not None
    assert schema.get("nosuch") is None


def _field(collection, name):
    return next(f for f in collection["fields"] if f["name"] == name)


@pytest.mark.parametrize("mutate,expected", [
    (lambda c: _field(c["posts"], "title").update(type="geo"), "Collection posts, field title: unknown type"),
    (lambda c: _field(c["posts"], "title").update(maxLength=3), "Collection posts, field title: unknown option"),
    (lambda c: _field(c["posts"], "status").update(values=[]), "Collection posts, field status: values"),
    (lambda c: _field(c["posts"], "views").update(min="zero"), "Collection posts, field views: min"),
    (lambda c: _field(c["posts"], "title").update(pattern="(["), "Collection posts, field title: pattern"),
    (lambda c: _field(c["comments"], "post").update(collectionId="nope"), "Collection comments, field post"),
    (lambda c: _field(c["posts"], "created").update(onCreate=False, onUpdate=False), "field created"),
    (lambda c: c["posts"].update(listRule="nosuch = 1"), "Collection posts: listRule is invalid"),
    (lambda c: c["posts"].update(viewRule="(title = 'x'"), "Collection posts: viewRule is invalid"),
    (lambda c: c["posts"].update(updateRule="@request.auth.nope = 1"), "Collection posts: updateRule"),
    (lambda c: c["posts"].update(indexes=["CREATE INDEX i ON posts (nosuch)"]), "Collection posts, index"),
    (lambda c: c["posts"].update(indexes=["CREATE UNIQUE INDEX i ON posts (title) WHERE views > 0"]),
     "Collection posts, index"),
    (lambda c: c["posts"].update(indexes=["CREATE UNIQUE INDEX i ON posts (tags)"]), "unique index"),
    (lambda c: c["posts"].update(indexes=["DROP TABLE posts"]), "not a CREATE INDEX"),
    (lambda c: c["posts"].update(type="view"), "Collection posts: type"),
    (lambda c: c["posts"].update(viewQuery="select 1"), "Collection posts: unknown option"),
    (lambda c: c["posts"]["fields"].append({"name": "title", "type": "text"}), "field title: listed twice"),
    (lambda c: c["posts"]["fields"].append({"name": "x y", "type": "text"}), "field x y: the name"),
    (lambda c: c["users"].update(type="base"), "Collection users: must be of type auth"),
])
def test_invalid_files_fail_naming_collection_and_field(mutate, expected):
    assert expected in _broken(mutate)
