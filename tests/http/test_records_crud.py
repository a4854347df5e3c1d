"""Records CRUD over HTTP with PocketBase's shapes: system fields, validation codes, list params, expand, fields."""
import re

from tests.records_helpers import ADMIN, post, user

POSTS = "/api/collections/posts/records"
DATETIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z$")


def test_create_view_update_delete_round_trip(api):
    alice = user(api)
    created = post(api, alice, title="First", tags=["food", "news"], views="3")
    assert re.match(r"^[a-z0-9]{15}$", created["id"])
    assert created["collectionName"] == "posts" and created["collectionId"] == "pbc_1125843985"
    assert DATETIME.match(created["created"]) and created["created"] == created["updated"]
    assert created["owner"] == alice["id"]  # set from @request.auth.id: the create rule pins it
    assert created["views"] == 3 and created["tags"] == ["food", "news"] and created["content"] == ""
    assert not any(k.startswith(("_", "g")) or k in ("pk", "sk", "v", "data") for k in created)

    got = api.get(f"{POSTS}/{created['id']}", token=alice["token"])
    assert got.status == 200 and got.json == created

    changed = api.patch(f"{POSTS}/{created['id']}", {"title": "Second", "views+": 2}, token=alice["token"])
    assert changed.status == 200, changed
    assert changed.json["title"] == "Second" and changed.json["views"] == 5
    assert changed.json["updated"] >= created["updated"] and changed.json["created"] == created["created"]

    gone = api.delete(f"{POSTS}/{created['id']}", token=alice["token"])
    assert gone.status == 204 and gone.body == b""
    assert api.get(f"{POSTS}/{created['id']}", token=alice["token"]).status == 404


def test_validation_errors_name_each_field_with_pocketbase_codes(api):
    alice = user(api)
    reply = api.post(POSTS, {"title": "x" * 121, "status": "archived", "views": -1, "tags": ["food"] * 1 + ["nope"]},
                     token=alice["token"])
    assert reply.status == 400
    body = reply.json
    assert body["status"] == 400 and body["message"] == "Failed to create record."
    assert body["data"]["title"]["code"] == "validation_max_text_constraint"
    assert body["data"]["status"]["code"] == "validation_invalid_value"
    assert body["data"]["views"]["code"] == "validation_min_number_constraint"
    assert body["data"]["tags"]["code"] == "validation_invalid_value"
    missing = api.post(POSTS, {"status": "draft"}, token=alice["token"])
    assert missing.status == 400 and missing.json["data"]["title"]["code"] == "validation_required"
    wrong_type = api.post(POSTS, {"title": {"a": 1}, "status": "draft", "views": "many"}, token=alice["token"])
    assert wrong_type.status == 400
    assert set(wrong_type.json["data"]) == {"title", "views"}
    assert wrong_type.json["data"]["views"]["code"] == "validation_invalid_number"
    bad_relation = api.post("/api/collections/comments/records", {"post": "aaaaaaaaaaaaaaa", "text": "hi"},
                            token=alice["token"])
    assert bad_relation.status == 400
    assert bad_relation.json["data"]["post"]["code"] == "validation_missing_rel_records"


def test_numbers_as_go_reads_them_and_json_arrays_sent_as_text(api):
    """A number string with padding or digit separators is refused (PocketBase would store 0); a select or relation
    list sent as a JSON array in a string is that list, as PocketBase reads it."""
    alice = user(api)
    for text in (" 7 ", "8 ", "1_000", "0x10"):
        reply = api.post(POSTS, {"title": "t", "status": "draft", "views": text}, token=alice["token"])
        assert reply.json["data"]["views"]["code"] == "validation_invalid_number", text
    made = api.post(POSTS, {"title": "t", "status": "draft", "views": "+12", "tags": '["food","travel"]'},
                    token=alice["token"])
    assert made.status == 200, made
    assert (made.json["views"], made.json["tags"]) == (12, ["food", "travel"])
    single = api.post(POSTS, {"title": "t", "status": '["draft"]'}, token=alice["token"])
    assert single.status == 200 and single.json["status"] == "draft"


def test_bad_bodies_and_ids_are_clean_4xx(api):
    alice = user(api)
    assert api.post(POSTS, b"{not json", token=alice["token"]).status == 400
    assert api.post(POSTS, b"[1,2]", token=alice["token"]).status == 400
    for bad_id, code in (("UPPER", "validation_min_text_constraint"), ("UPPERCASE000000", "validation_invalid_format"),
                         ("a" * 16, "validation_max_text_constraint")):  # PocketBase's id: text of 15 [a-z0-9]
        reply = api.post(POSTS, {"id": bad_id, "title": "t", "status": "draft"}, token=alice["token"])
        assert reply.json["data"]["id"]["code"] == code
    taken = post(api, alice)
    dup = api.post(POSTS, {"id": taken["id"], "title": "t", "status": "draft"}, token=alice["token"])
    assert dup.status == 400 and dup.json["data"]["id"]["code"] == "validation_not_unique"
    assert api.get(f"{POSTS}/../../x", token=alice["token"]).status in (403, 404)
    assert api.get("/api/collections/nope/records").status == 404
    assert api.get(f"{POSTS}/short").status == 404


def test_list_paging_sort_fields_and_totals(api):
    alice = user(api)
    for i in range(7):
        post(api, alice, title=f"t{i}", views=i, status="draft")
    flt = f'owner = "{alice["id"]}"'
    page1 = api.get(f"{POSTS}?perPage=3&sort=-created&filter={flt}", token=alice["token"]).json
    assert page1["page"] == 1 and page1["perPage"] == 3 and page1["totalItems"] == 7 and page1["totalPages"] == 3
    assert [r["title"] for r in page1["items"]] == ["t6", "t5", "t4"]
    page3 = api.get(f"{POSTS}?perPage=3&page=3&sort=-created&filter={flt}", token=alice["token"]).json
    assert [r["title"] for r in page3["items"]] == ["t0"] and page3["nextCursor"] is None
    by_views = api.get(f"{POSTS}?sort=-views,title&filter={flt}&fields=title,views&skipTotal=1",
                       token=alice["token"]).json
    assert by_views["totalItems"] == -1 and by_views["totalPages"] == -1
    assert [r["views"] for r in by_views["items"]] == [6, 5, 4, 3, 2, 1, 0]
    assert set(by_views["items"][0]) == {"title", "views"}
    walked, cursor = [], None
    while True:
        query = f"{POSTS}?perPage=2&filter={flt}" + (f"&cursor={cursor}" if cursor else "")
        page = api.get(query, token=alice["token"]).json
        walked += [r["title"] for r in page["items"]]
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert walked == [f"t{i}" for i in range(7)]


def test_expand_only_what_the_caller_may_view(api):
    alice, bob = user(api), user(api)
    public = post(api, alice, title="public")
    private = post(api, alice, title="private", status="draft")
    for target in (public, private):
        reply = api.post("/api/collections/comments/records", {"post": target["id"], "text": "nice"},
                         token=bob["token"])
        assert reply.status == 200, reply
    listed = api.get(f'/api/collections/comments/records?filter=author="{bob["id"]}"&expand=post,author',
                     token=bob["token"]).json
    expanded = {c["post"]: c.get("expand", {}) for c in listed["items"]}
    assert expanded[public["id"]]["post"]["title"] == "public"
    assert "post" not in expanded[private["id"]]  # bob may not view alice's draft
    assert expanded[public["id"]]["author"]["id"] == bob["id"]


def test_collection_names_in_any_case(api):
    alice = user(api)
    created = post(api, alice, title="Cased")
    upper = api.get(f"/api/collections/POSTS/records/{created['id']}", token=alice["token"])
    assert upper.status == 200 and upper.json == created and upper.json["collectionName"] == "posts"
    listed = api.get("/api/collections/Posts/records?filter=" + f"id='{created['id']}'", token=alice["token"]).json
    assert [r["id"] for r in listed["items"]] == [created["id"]]
    changed = api.patch(f"/api/collections/pOsTs/records/{created['id']}", {"title": "Recased"}, token=alice["token"])
    assert changed.status == 200 and changed.json["collectionName"] == "posts"
    assert api.get("/api/collections/postss/records").status == 404


def test_admin_key_bypasses_rules(api):
    alice = user(api)
    draft = post(api, alice, status="draft")
    assert api.get(f"{POSTS}/{draft['id']}").status == 404
    assert api.get(f"{POSTS}/{draft['id']}", token=ADMIN).status == 200
    users = api.get("/api/collections/users/records?perPage=500", token=ADMIN).json
    assert any(u["id"] == alice["id"] for u in users["items"])


def test_openapi_has_every_collection_record_schema(api):
    doc = api.get("/api/openapi.json").json
    schemas = doc["components"]["schemas"]
    for name in ("users", "posts", "comments", "favourites"):
        assert schemas[f"record_{name}"]["properties"]["collectionName"]["const"] == name
    posts, write = schemas["record_posts"], schemas["write_posts"]
    assert write["properties"]["status"]["enum"] == ["draft", "published"]
    # an answer may carry an unset select as "" and leave out any key (fields=, hidden fields)
    assert posts["properties"]["status"]["anyOf"][0]["enum"] == ["draft", "published"]
    assert posts["properties"]["status"]["anyOf"][1] == {"type": "string", "maxLength": 0}
    assert "required" not in posts
    assert posts["properties"]["tags"]["type"] == "array"
    assert "email" in schemas["record_users"]["properties"] and "password" not in schemas["record_users"]["properties"]
    listing = doc["paths"]["/api/collections/{collection}/records"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {"page", "perPage", "filter", "sort", "cursor"}


def test_a_missing_relation_record_is_named_beside_other_field_errors(api):
    reply = api.post(POSTS, {"status": "published", "owner": "zzzzzzzzzzzzzzz"}, token=ADMIN)
    assert reply.status == 400
    assert {k: v["code"] for k, v in reply.json["data"].items()} == {
        "title": "validation_required", "owner": "validation_missing_rel_records"}
    alice = user(api)
    made = post(api, alice)
    changed = api.patch(f"{POSTS}/{made['id']}", {"title": "", "owner": "zzzzzzzzzzzzzzz"}, token=ADMIN)
    assert {k: v["code"] for k, v in changed.json["data"].items()} == {
        "title": "validation_required", "owner": "validation_missing_rel_records"}
    assert api.get(f"{POSTS}/{made['id']}", token=alice["token"]).json["title"] == made["title"]
