"""PocketBase's collections API for superusers: the shape the SDK's pb.collections reads, built from the schema the
records API enforces; admins only."""
from urllib.parse import urlencode

from tests.admin_helpers import assert_admin_only
from tests.records_helpers import user
from tests.stackenv import ADMIN_KEY


def test_collections_list_in_pocketbases_shape(api):
    reply = api.get("/api/collections?page=1&perPage=500&skipTotal=1", token=ADMIN_KEY)
    assert reply.status == 200, reply
    page = reply.json
    assert page["page"] == 1 and page["perPage"] == 500 and page["totalItems"] == -1
    by_name = {c["name"]: c for c in page["items"]}
    assert list(by_name)[0] == "users" and {"posts", "comments"} <= set(by_name)
    posts = by_name["posts"]
    assert posts["type"] == "base" and posts["createRule"] == '@request.auth.id != "" && owner = @request.auth.id'
    fields = {f["name"]: f for f in posts["fields"]}
    assert fields["id"]["primaryKey"] and fields["id"]["system"]
    assert fields["status"]["type"] == "select" and fields["status"]["values"] == ["draft", "published"]
    assert fields["status"]["maxSelect"] == 1 and fields["tags"]["maxSelect"] == 5
    assert fields["cover"]["mimeTypes"] and fields["created"]["type"] == "autodate"
    assert fields["owner"]["collectionId"] == by_name["users"]["id"] == "_pb_users_auth_"
    assert all(not k.startswith("_") for f in posts["fields"] for k in f)
    assert len({f["id"] for f in posts["fields"]}) == len(posts["fields"])
    assert any("`owner`" in i for i in posts["indexes"])
    comments = by_name["comments"]
    target = next(f for f in comments["fields"] if f["name"] == "post")["collectionId"]
    assert target == posts["id"]

    paged = api.get("/api/collections?perPage=1&page=2", token=ADMIN_KEY).json
    assert paged["totalItems"] == len(page["items"]) and [c["name"] for c in paged["items"]] == [page["items"][1]["name"]]


def test_one_collection_by_name_or_id(api):
    by_name = api.get("/api/collections/posts", token=ADMIN_KEY)
    assert by_name.status == 200
    by_id = api.get(f"/api/collections/{by_name.json['id']}", token=ADMIN_KEY)
    assert by_id.json == by_name.json
    assert api.get("/api/collections/nope", token=ADMIN_KEY).status == 404
    assert api.get("/api/collections/POSTS", token=ADMIN_KEY).json == by_name.json
    assert api.get("/api/collections/Posts?fields=id,name", token=ADMIN_KEY).json == {
        "id": by_name.json["id"], "name": "posts"}
    assert api.get("/api/collections?page=x", token=ADMIN_KEY).status == 400


def test_collections_list_filter_sort_and_fields_as_pocketbase(api):
    def names(query):
        reply = api.get("/api/collections?" + urlencode(query), token=ADMIN_KEY)
        assert reply.status == 200, reply
        return reply.json

    found = names({"filter": "name = 'posts' || name ~ 'comm'", "sort": "-name", "fields": "id,name"})
    assert found["items"] == [{"id": "pbc_1125843985", "name": "posts"},
                              {"id": found["items"][1]["id"], "name": "comments"}] and found["totalItems"] == 2
    auth = names({"filter": "type = 'auth' && system = false", "fields": "name,type"})
    assert auth["items"] == [{"name": "users", "type": "auth"}]
    ordered = [c["name"] for c in names({"sort": "name", "fields": "name", "perPage": 500})["items"]]
    assert ordered == sorted(ordered) and "posts" in ordered
    assert names({"filter": "id = '_pb_users_auth_'", "fields": "name"})["items"] == [{"name": "users"}]
    for bad in ({"filter": "listRule = ''"}, {"filter": "fields.name = 'x'"}, {"sort": "nope"}, {"filter": "name ="},
                {"sort": "name,"}):
        reply = api.get("/api/collections?" + urlencode(bad), token=ADMIN_KEY)
        assert reply.status == 400 and reply.json["status"] == 400, (bad, reply)


def test_collections_are_for_admins_only(api):
    someone = user(api)
    assert_admin_only(api, "GET", "/api/collections", someone["token"])
    assert_admin_only(api, "GET", "/api/collections/posts", someone["token"])
