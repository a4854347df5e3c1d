"""POST /api/batch (PocketBase's batch API, the SDK's pb.createBatch()): creates, updates, deletes and upserts in one
transaction, each under its collection's rules, before hooks, validation and UNIQUE markers; all or nothing; after
hooks and realtime events once per stored change; PocketBase's answers for failed requests, empty batches, too many
requests and URLs that aren't record writes; the SDK's multipart form."""
import json
import secrets
import uuid

import pytest

from tests import functions_fixture  # noqa: F401  (registers the test-only hooks)
from tests.http.test_functions_after_hooks import calls, drain, stream  # noqa: F401  (fixture)
from tests.http.test_records_unique import ARTICLES, fresh, marker, unique_schema  # noqa: F401  (fixture)
from tests.realtime_helpers import Client, realtime_server, rt  # noqa: F401  (fixtures)
from tests.records_helpers import ADMIN, post, user

BATCH = "/api/batch"
POSTS = "/api/collections/posts/records"
FAVOURITES = "/api/collections/favourites/records"


def batch(api, requests, token=None):
    return api.post(BATCH, {"requests": requests}, token=token)


def failed(reply, index, status=None):
    """PocketBase's answer for a batch whose request `index` failed: that request's own error inside."""
    assert reply.status == 400, reply
    assert reply.json["message"] == "Batch transaction failed.", reply
    entry = reply.json["data"]["requests"][str(index)]
    assert (entry["code"], entry["message"]) == ("batch_request_failed", "Batch request failed."), reply
    assert list(reply.json["data"]["requests"]) == [str(index)]
    if status is not None:
        assert entry["response"]["status"] == status, reply
    return entry["response"]


def exists(api, path, record_id):
    return api.get(f"{path}/{record_id}", token=ADMIN).status == 200


def test_creates_updates_deletes_and_upserts_commit_together_and_answer_in_order(api):
    me = user(api, "batch")
    old, gone = post(api, me, title="old"), post(api, me, title="gone")
    new_id, upsert_id = secrets.token_hex(8)[:15], secrets.token_hex(8)[:15]
    reply = batch(api, [
        {"method": "POST", "url": POSTS, "body": {"id": new_id, "title": "new", "owner": me["id"], "status": "published"}},
        {"method": "PATCH", "url": f"{POSTS}/{old['id']}?fields=id,title", "body": {"title": "renamed"}},
        {"method": "DELETE", "url": f"{POSTS}/{gone['id']}"},
        {"method": "PUT", "url": POSTS, "body": {"id": upsert_id, "title": "upserted", "owner": me["id"], "status": "published"}},
    ], token=me["token"])
    assert reply.status == 200, reply
    statuses = [r["status"] for r in reply.json]
    assert statuses == [200, 200, 204, 200]
    assert reply.json[0]["body"]["id"] == new_id and reply.json[0]["body"]["collectionName"] == "posts"
    assert reply.json[1]["body"] == {"id": old["id"], "title": "renamed"}  # the request's own query applies
    assert reply.json[2]["body"] is None
    assert reply.json[3]["body"]["title"] == "upserted"
    assert not exists(api, POSTS, gone["id"]) and exists(api, POSTS, new_id)

    # an upsert whose id is stored updates it, under the update rule
    again = batch(api, [{"method": "PUT", "url": POSTS, "body": {"id": upsert_id, "title": "second"}}],
                  token=me["token"])
    assert again.status == 200, again
    assert api.get(f"{POSTS}/{upsert_id}", token=ADMIN).json["title"] == "second"


def test_one_failing_request_writes_nothing_and_names_its_index(api):
    me = user(api, "batch-fail")
    kept = post(api, me, title="kept")
    new_id = secrets.token_hex(8)[:15]
    reply = batch(api, [
        {"method": "POST", "url": POSTS, "body": {"id": new_id, "title": "never", "owner": me["id"], "status": "published"}},
        {"method": "PATCH", "url": f"{POSTS}/{kept['id']}", "body": {"title": "never"}},
        {"method": "POST", "url": POSTS, "body": {"title": "bad", "owner": me["id"], "status": "nonsense"}},
    ], token=me["token"])
    response = failed(reply, 2, 400)
    assert response["data"]["status"]["code"] == "validation_invalid_value"
    assert not exists(api, POSTS, new_id)
    assert api.get(f"{POSTS}/{kept['id']}", token=ADMIN).json["title"] == "kept"


def test_each_request_is_under_its_collections_rules(api):
    me, other = user(api, "batch-me"), user(api, "batch-other")
    theirs = post(api, other, title="theirs")
    # someone else's post: the update rule hides it (404 inside, as alone)
    failed(batch(api, [{"method": "PATCH", "url": f"{POSTS}/{theirs['id']}", "body": {"title": "mine"}}],
                 token=me["token"]), 0, 404)
    # a guest can't create (the create rule's 400), a locked rule is 403
    failed(batch(api, [{"method": "POST", "url": POSTS, "body": {"title": "guest"}}]), 0, 400)
    failed(batch(api, [{"method": "DELETE", "url": f"/api/collections/users/records/{me['id']}"}],
                 token=me["token"]), 0, 403)
    # admins pass every rule
    assert batch(api, [{"method": "PATCH", "url": f"{POSTS}/{theirs['id']}", "body": {"title": "admin"}}],
                 token=ADMIN).status == 200


def test_rules_see_each_requests_own_query_and_headers(api, tmp_path, monkeypatch):
    with open("chalicelib/collections.json") as f:
        raw = json.load(f)
    raw.append({"name": "notes", "type": "base", "listRule": "", "viewRule": "", "updateRule": "", "deleteRule": "",
                "createRule": '@request.headers.x_team = "blue" && @request.query.via = "batch"',
                "fields": [{"name": "text", "type": "text"}]})
    path = tmp_path / "collections.json"
    path.write_text(json.dumps(raw))
    monkeypatch.setenv("WXBASE_COLLECTIONS", str(path))
    notes = "/api/collections/notes/records"
    reply = batch(api, [
        {"method": "POST", "url": f"{notes}?via=batch", "headers": {"X-Team": "blue"}, "body": {"text": "ok"}},
        {"method": "POST", "url": f"{notes}?via=batch", "headers": {"X-Team": "red"}, "body": {"text": "no"}},
    ])
    failed(reply, 1, 400)
    assert batch(api, [{"method": "POST", "url": f"{notes}?via=batch", "headers": {"X-Team": "blue"},
                        "body": {"text": "ok"}}]).status == 200


def test_before_hooks_run_and_may_refuse(api):
    me = user(api, "batch-hooks")
    target = post(api, me)
    reply = batch(api, [
        {"method": "POST", "url": FAVOURITES, "body": {"post": target["id"], "note": "shout:hi"}},
    ], token=me["token"])
    assert reply.status == 200, reply
    assert reply.json[0]["body"]["note"] == f"HI ({me['id']})"
    refused = batch(api, [
        {"method": "POST", "url": FAVOURITES, "body": {"post": target["id"], "note": "fine"}},
        {"method": "POST", "url": FAVOURITES, "body": {"post": target["id"], "note": "forbidden word"}},
    ], token=me["token"])
    assert failed(refused, 1, 400)["data"]["note"]["code"] == "validation_forbidden_word"
    notes = [r["note"] for r in api.get(f"{FAVOURITES}?filter=post=%22{target['id']}%22",
                                         token=me["token"]).json["items"]]
    assert notes == [f"HI ({me['id']})"]  # the first request of the refused batch was not written


def test_after_hooks_run_once_per_stored_change(api, stream):  # noqa: F811
    me = user(api, "batch-after")
    target = post(api, me)
    reply = batch(api, [{"method": "POST", "url": FAVOURITES, "body": {"post": target["id"], "note": f"n{i}"}}
                        for i in range(3)], token=me["token"])
    assert reply.status == 200, reply
    ids = {r["body"]["id"] for r in reply.json}
    drain(stream)
    assert sorted(c[2] for c in calls(("create",), ids)) == ["n0", "n1", "n2"]
    refused = batch(api, [{"method": "POST", "url": FAVOURITES, "body": {"post": target["id"], "note": "x"}},
                          {"method": "POST", "url": FAVOURITES, "body": {"post": target["id"], "note": "forbidden"}}],
                    token=me["token"])
    failed(refused, 1)
    drain(stream)
    assert [c for c in calls(("create",), ids | {"x"}) if c[2] == "x"] == []  # nothing stored, no hook


def test_realtime_subscribers_get_one_event_per_change(rt, realtime_server):  # noqa: F811
    me = user(rt, "batch-rt")
    client = Client(realtime_server.ws_url)
    client.auth(me["token"])
    client.subscribe("mine", "posts/*")
    assert client.sync() == []
    first = post(rt, me, title="before")
    (event,) = client.events(1)
    assert event["record"]["id"] == first["id"]
    reply = batch(rt, [{"method": "POST", "url": POSTS, "body": {"title": "a", "owner": me["id"], "status": "published"}},
                       {"method": "PATCH", "url": f"{POSTS}/{first['id']}", "body": {"title": "b"}}],
                  token=me["token"])
    assert reply.status == 200, reply
    events = client.events(2)
    assert sorted((e["action"], e["record"]["title"]) for e in events) == [("create", "a"), ("update", "b")]
    client.close()


def test_unique_values_are_checked_across_the_batch_and_against_stored_records(api, unique_schema):  # noqa: F811
    slug = fresh()
    clash = batch(api, [{"method": "POST", "url": ARTICLES, "body": {"slug": slug}},
                        {"method": "POST", "url": ARTICLES, "body": {"slug": slug}}], token=ADMIN)
    assert failed(clash, 1, 400)["data"] == {"slug": {"code": "validation_not_unique",
                                                      "message": "Value must be unique."}}
    assert marker("articles", "idx_articles_slug", [slug]) is None  # nothing written
    stored = api.post(ARTICLES, {"slug": slug}).json
    taken = batch(api, [{"method": "POST", "url": ARTICLES, "body": {"slug": fresh()}},
                        {"method": "POST", "url": ARTICLES, "body": {"slug": slug}}], token=ADMIN)
    assert failed(taken, 1, 400)["data"]["slug"]["code"] == "validation_not_unique"
    # a value released by one request of the batch can be claimed by another
    moved = batch(api, [{"method": "PATCH", "url": f"{ARTICLES}/{stored['id']}", "body": {"slug": fresh()}},
                        {"method": "POST", "url": ARTICLES, "body": {"slug": slug}}], token=ADMIN)
    assert moved.status == 200, moved
    assert marker("articles", "idx_articles_slug", [slug])["recordId"] == moved.json[1]["body"]["id"]


def test_relations_may_point_at_records_created_earlier_in_the_batch(api):
    me = user(api, "batch-rel")
    post_id = secrets.token_hex(8)[:15]
    reply = batch(api, [
        {"method": "POST", "url": POSTS, "body": {"id": post_id, "title": "p", "owner": me["id"], "status": "published"}},
        {"method": "POST", "url": FAVOURITES, "body": {"post": post_id, "note": "same batch"}},
    ], token=me["token"])
    assert reply.status == 200, reply
    missing = batch(api, [{"method": "POST", "url": FAVOURITES, "body": {"post": "nosuchpost00000"}}],
                    token=me["token"])
    assert failed(missing, 0, 400)["data"]["post"]["code"] == "validation_missing_rel_records"


def test_writes_of_one_record_apply_in_order_and_answer_each_request(api, stream):  # noqa: F811
    me = user(api, "batch-twice")
    target = post(api, me)
    twice = batch(api, [{"method": "PATCH", "url": f"{POSTS}/{target['id']}", "body": {"title": "one"}},
                        {"method": "PATCH", "url": f"{POSTS}/{target['id']}?fields=title", "body": {"title": "two"}}],
                  token=me["token"])
    assert twice.status == 200, twice
    assert twice.json[0]["body"]["title"] == "one" and twice.json[1]["body"] == {"title": "two"}
    assert api.get(f"{POSTS}/{target['id']}", token=ADMIN).json["title"] == "two"

    new_id = secrets.token_hex(8)[:15]
    created_then_changed = batch(api, [
        {"method": "POST", "url": FAVOURITES, "body": {"id": new_id, "post": target["id"], "note": "first"}},
        {"method": "PATCH", "url": f"{FAVOURITES}/{new_id}", "body": {"note": "shout:second"}},
        {"method": "PATCH", "url": f"{FAVOURITES}/{new_id}", "body": {"note": "third"}}], token=me["token"])
    assert created_then_changed.status == 200, created_then_changed
    notes = [r["body"]["note"] for r in created_then_changed.json]
    assert notes == ["first", f"SECOND ({me['id']})", "third"]  # each request's own hooks and answer
    stored = api.get(f"{FAVOURITES}/{new_id}", token=me["token"]).json
    assert stored["note"] == notes[-1] and stored["created"] == created_then_changed.json[0]["body"]["created"]
    drain(stream)
    # one stored change (at-least-once delivery: a realtime server of this module may run the same change too)
    assert {(c[0], c[2], c[3]) for c in calls(("create", "update"), {new_id})} == {
        ("create", notes[-1], f"favourites/{new_id}/3/create")}

    gone = batch(api, [{"method": "PATCH", "url": f"{FAVOURITES}/{new_id}", "body": {"note": "last words"}},
                       {"method": "DELETE", "url": f"{FAVOURITES}/{new_id}"}], token=me["token"])
    assert [r["status"] for r in gone.json] == [200, 204] and gone.json[0]["body"]["note"] == "last words"
    assert not exists(api, FAVOURITES, new_id)
    drain(stream)
    assert {c[0] for c in calls(("update", "delete"), {new_id})} == {"delete"}

    total = api.get(f"{POSTS}?perPage=1", token=ADMIN).json["totalItems"]
    short_lived = secrets.token_hex(8)[:15]
    fleeting = batch(api, [
        {"method": "POST", "url": POSTS, "body": {"id": short_lived, "title": "t", "owner": me["id"], "status": "draft"}},
        {"method": "DELETE", "url": f"{POSTS}/{short_lived}"}], token=me["token"])
    assert [r["status"] for r in fleeting.json] == [200, 204]
    assert not exists(api, POSTS, short_lived) and api.get(f"{POSTS}?perPage=1", token=ADMIN).json["totalItems"] == total

    reborn = batch(api, [{"method": "DELETE", "url": f"{POSTS}/{target['id']}"},
                         {"method": "POST", "url": POSTS, "body": {"id": target["id"], "title": "reborn",
                                                                   "owner": me["id"], "status": "draft"}}],
                   token=me["token"])
    assert reborn.status == 200, reborn
    assert api.get(f"{POSTS}/{target['id']}", token=ADMIN).json["title"] == "reborn"
    assert api.get(f"{POSTS}?perPage=1", token=ADMIN).json["totalItems"] == total


def test_a_request_sees_what_earlier_requests_of_the_batch_did(api):
    me = user(api, "batch-seen")
    target = post(api, me)
    deleted_then_changed = batch(api, [{"method": "DELETE", "url": f"{POSTS}/{target['id']}"},
                                       {"method": "PATCH", "url": f"{POSTS}/{target['id']}", "body": {"title": "x"}}],
                                 token=me["token"])
    failed(deleted_then_changed, 1, 404)
    new_id = secrets.token_hex(8)[:15]
    body = {"id": new_id, "title": "t", "owner": me["id"], "status": "draft"}
    created_twice = batch(api, [{"method": "POST", "url": POSTS, "body": body},
                                {"method": "POST", "url": POSTS, "body": body}], token=me["token"])
    assert failed(created_twice, 1, 400)["data"]["id"]["code"] == "validation_not_unique"
    upserted = batch(api, [{"method": "POST", "url": POSTS, "body": body},
                           {"method": "PUT", "url": POSTS, "body": {"id": new_id, "title": "upserted"}}],
                     token=me["token"])
    assert upserted.status == 200, upserted
    assert upserted.json[1]["body"]["title"] == "upserted" and upserted.json[1]["body"]["status"] == "draft"
    assert exists(api, POSTS, target["id"])  # nothing of the failed batches was written


def test_a_deletes_cascade_reaches_records_written_earlier_in_the_batch(api):
    me = user(api, "batch-cascade")
    stored = post(api, me)
    kept = api.post(FAVOURITES, {"post": stored["id"], "note": "stored"}, token=me["token"]).json
    post_id, favourite_id = secrets.token_hex(8)[:15], secrets.token_hex(8)[:15]
    reply = batch(api, [
        {"method": "POST", "url": POSTS, "body": {"id": post_id, "title": "p", "owner": me["id"], "status": "draft"}},
        {"method": "POST", "url": FAVOURITES, "body": {"id": favourite_id, "post": post_id, "note": "new"}},
        {"method": "PATCH", "url": f"{FAVOURITES}/{kept['id']}", "body": {"note": "changed"}},
        {"method": "DELETE", "url": f"{POSTS}/{post_id}"},
        {"method": "DELETE", "url": f"{POSTS}/{stored['id']}"}], token=me["token"])
    assert [r["status"] for r in reply.json] == [200, 200, 200, 204, 204], reply
    # the favourites created and changed in the batch went with their posts (cascadeDelete), none left dangling
    assert not exists(api, FAVOURITES, favourite_id) and not exists(api, FAVOURITES, kept["id"])


def test_unique_values_follow_the_last_write_of_a_record(api, unique_schema):  # noqa: F811
    first, second = fresh(), fresh()
    record_id = secrets.token_hex(8)[:15]
    reply = batch(api, [{"method": "POST", "url": ARTICLES, "body": {"id": record_id, "slug": first}},
                        {"method": "PATCH", "url": f"{ARTICLES}/{record_id}", "body": {"slug": second}}], token=ADMIN)
    assert reply.status == 200, reply
    assert marker("articles", "idx_articles_slug", [first]) is None
    assert marker("articles", "idx_articles_slug", [second])["recordId"] == record_id
    back = batch(api, [{"method": "PATCH", "url": f"{ARTICLES}/{record_id}", "body": {"slug": first}},
                       {"method": "PATCH", "url": f"{ARTICLES}/{record_id}", "body": {"slug": second}}], token=ADMIN)
    assert back.status == 200, back
    assert marker("articles", "idx_articles_slug", [first]) is None
    assert marker("articles", "idx_articles_slug", [second])["recordId"] == record_id
    taken = api.post(ARTICLES, {"slug": fresh()}, token=ADMIN).json["slug"]
    passing = batch(api, [{"method": "PATCH", "url": f"{ARTICLES}/{record_id}", "body": {"slug": taken}},
                          {"method": "PATCH", "url": f"{ARTICLES}/{record_id}", "body": {"slug": fresh()}}],
                    token=ADMIN)
    # PocketBase's first request already fails on the taken value
    assert failed(passing, 0, 400)["data"]["slug"]["code"] == "validation_not_unique"
    assert marker("articles", "idx_articles_slug", [second])["recordId"] == record_id


def test_the_batch_form_answers_as_pocketbase(api):
    blank = {"requests": {"code": "validation_required", "message": "Cannot be blank."}}
    for body in ({}, {"requests": []}, {"requests": None}):
        reply = api.post(BATCH, body)
        assert (reply.status, reply.json["message"], reply.json["data"]) == (400, "Invalid batch request data.",
                                                                             blank), reply
    too_many = batch(api, [{"method": "DELETE", "url": f"{POSTS}/x"}] * 51)
    assert too_many.json["data"] == {"requests": {"code": "validation_length_too_long", "params": {"max": 50, "min": 0},
                                                  "message": "The length must be no more than 50."}}
    for body in ('{"requests": "x"}', '{"requests": [1]}', "[]", '{"requests": [{"method": "POST", "body": 1}]}'):
        reply = api.post(BATCH, body)
        assert (reply.status, reply.json["message"]) == (400, "Failed to read the submitted batch data."), body


@pytest.mark.parametrize("method,url", [
    ("GET", POSTS), ("POST", "/api/collections/posts/records/abc"), ("PATCH", POSTS), ("POST", "/api/health"),
    ("POST", "/api/wechat/login"), ("delete", f"{POSTS}"), ("POST", "api/collections/posts/records"),
])
def test_a_url_that_is_not_a_record_write_fails_that_request(api, method, url):
    me = user(api, "batch-url")
    reply = batch(api, [{"method": "POST", "url": POSTS, "body": {"title": "x", "owner": me["id"], "status": "draft"}},
                        {"method": method, "url": url}], token=ADMIN)
    assert failed(reply, 1, 500)["message"] == "Something went wrong while processing your request."


def test_an_unknown_collection_or_record_fails_as_alone(api):
    failed(batch(api, [{"method": "POST", "url": "/api/collections/nope/records", "body": {}}], token=ADMIN), 0, 404)
    failed(batch(api, [{"method": "DELETE", "url": f"{POSTS}/{'z' * 15}"}], token=ADMIN), 0, 404)


def multipart(payload, files=(), boundary=None):
    boundary = boundary or uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="@jsonPayload"\r\n\r\n{json.dumps(payload)}\r\n']
    for name, filename in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: text/plain\r\n\r\nhello\r\n")
    body = "".join(parts) + f"--{boundary}--\r\n"
    return body.encode(), {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def test_the_sdks_multipart_form_is_read_and_files_in_it_are_refused_clearly(api):
    me = user(api, "batch-form")
    body, headers = multipart({"requests": [{"method": "POST", "url": POSTS,
                                             "body": {"title": "form", "owner": me["id"], "status": "published"}}]})
    reply = api.post(BATCH, body, token=me["token"], headers=headers)
    assert reply.status == 200, reply
    assert reply.json[0]["body"]["title"] == "form"
    body, headers = multipart({"requests": [{"method": "POST", "url": POSTS, "body": {"owner": me["id"], "status": "published"}}]},
                              files=[("requests.0.cover", "a.txt")])
    response = failed(api.post(BATCH, body, token=me["token"], headers=headers), 0, 400)
    assert "POST /api/files/upload" in response["message"] and "cover" in response["data"]
    body, headers = multipart({"requests": []})
    assert api.post(BATCH, body, headers=headers).json["message"] == "Invalid batch request data."


def test_a_batch_past_dynamodbs_transaction_limit_fails_where_it_passes_it(api, unique_schema):  # noqa: F811
    """An article with a slug and a code claims two unique values and counts under each: five actions per create,
    plus the collection's counter. 19 creates take 96 actions; the 20th (index 19) passes DynamoDB's 100."""
    requests = [{"method": "POST", "url": ARTICLES, "body": {"slug": fresh(), "code": fresh()}} for _ in range(40)]
    response = failed(batch(api, requests), 19, 400)
    assert "100" in response["message"] and "smaller batches" in response["message"]
    assert marker("articles", "idx_articles_slug", [requests[0]["body"]["slug"]]) is None
    assert batch(api, requests[:19]).status == 200
