"""PocketBase's collections API for superusers: the shape the SDK's pb.collections reads, built from the schema the
records API enforces; admins only."""
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
    assert api.get("/api/collections?filter=name%3D%22posts%22", token=ADMIN_KEY).status == 400
    assert api.get("/api/collections?page=x", token=ADMIN_KEY).status == 400


def test_collections_are_for_admins_only(api):
    someone = user(api)
    assert_admin_only(api, "GET", "/api/collections", someone["token"])
    assert_admin_only(api, "GET", "/api/collections/posts", someone["token"])
