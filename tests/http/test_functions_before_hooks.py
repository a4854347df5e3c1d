"""@before hooks in the write path, over HTTP: a hook refuses with PocketBase's 400 body and nothing is written, a
hook changes the data and the change is validated like the request's own body, a failing hook is a 500 that
writes nothing; the shipped hook keeps the posts' comment count for the server."""
import secrets

from tests import functions_fixture  # noqa: F401  (registers the test-only hooks)
from tests.records_helpers import ADMIN, post
from tests.stackenv import APP1

FAVOURITES = "/api/collections/favourites/records"
POSTS = "/api/collections/posts/records"


def someone(api):
    login = api.login("fn-before-" + secrets.token_hex(4), APP1)
    return {"token": login["token"], "id": login["record"]["id"]}


def mine(api, me, target):
    listed = api.get(f'{FAVOURITES}?filter=post="{target["id"]}"', token=me["token"]).json
    return [r["note"] for r in listed["items"]]


def test_a_refusing_hook_answers_a_field_error_and_writes_nothing(api):
    me = someone(api)
    target = post(api, me)
    reply = api.post(FAVOURITES, {"post": target["id"], "note": "a forbidden note"}, token=me["token"])
    assert reply.status == 400
    assert reply.json == {"status": 400, "message": "Failed to create record.", "data": {
        "note": {"code": "validation_forbidden_word", "message": "That word is not allowed."}}}
    assert mine(api, me, target) == []
    kept = api.post(FAVOURITES, {"post": target["id"], "note": "fine"}, token=me["token"]).json
    refused = api.patch(f"{FAVOURITES}/{kept['id']}", {"note": "now forbidden"}, token=me["token"])
    assert refused.status == 400 and refused.json["message"] == "Failed to update record."
    assert api.get(f"{FAVOURITES}/{kept['id']}", token=me["token"]).json["note"] == "fine"


def test_a_hook_changes_the_data_for_users_and_admins(api):
    me = someone(api)
    target = post(api, me)
    created = api.post(FAVOURITES, {"post": target["id"], "note": "shout:hello"}, token=me["token"])
    assert created.status == 200 and created.json["note"] == f"HELLO ({me['id']})"
    stored = api.get(f"{FAVOURITES}/{created.json['id']}", token=me["token"]).json
    assert stored["note"] == f"HELLO ({me['id']})"
    changed = api.patch(f"{FAVOURITES}/{created.json['id']}", {"note": "shout:again"}, token=ADMIN)
    assert changed.status == 200 and changed.json["note"] == "AGAIN (admin)"


def test_data_a_hook_sets_is_validated_like_the_body(api):
    me = someone(api)
    target = post(api, me)
    reply = api.post(FAVOURITES, {"post": target["id"], "note": "too long by hook"}, token=me["token"])
    assert reply.status == 400
    assert reply.json["data"]["note"]["code"] == "validation_max_text_constraint"
    assert mine(api, me, target) == []


def test_a_delete_hook_refuses_and_the_record_stays(api):
    me = someone(api)
    target = post(api, me)
    pinned = api.post(FAVOURITES, {"post": target["id"], "note": "pinned"}, token=me["token"]).json
    refused = api.delete(f"{FAVOURITES}/{pinned['id']}", token=me["token"])
    assert refused.status == 400 and refused.json["message"] == "Failed to delete record."
    assert refused.json["data"] == {"note": {"code": "validation_invalid_value",
                                             "message": "Pinned favourites can't be deleted."}}
    assert api.get(f"{FAVOURITES}/{pinned['id']}", token=me["token"]).status == 200


def test_a_failing_hook_is_a_500_with_the_request_id_and_writes_nothing(api):
    me = someone(api)
    target = post(api, me)
    reply = api.post(FAVOURITES, {"post": target["id"], "note": "crash"}, token=me["token"])
    assert reply.status == 500
    assert reply.json["message"] == f"A server hook failed; request id {reply.headers['x-request-id']}."
    assert "a hook bug" not in reply.text
    assert mine(api, me, target) == []


def test_the_shipped_hook_keeps_the_comment_count_for_the_server(api):
    me = someone(api)
    target = post(api, me)
    assert target["comments"] == 0
    for body in ({"comments": 5}, {"comments+": 1}, {"title": "t", "comments-": 1}):
        reply = api.patch(f"{POSTS}/{target['id']}", body, token=me["token"])
        assert reply.status == 400 and set(reply.json["data"]) == {"comments"}, reply
    refused = api.post(POSTS, {"title": "t", "status": "published", "comments": 3}, token=me["token"])
    assert refused.status == 400
    assert api.patch(f"{POSTS}/{target['id']}", {"comments": 2}, token=ADMIN).json["comments"] == 2
    assert api.patch(f"{POSTS}/{target['id']}", {"title": "still mine"}, token=me["token"]).status == 200
