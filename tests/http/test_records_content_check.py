"""Content security on marked fields (secCheck → msg_sec_check v2) over HTTP against the sandbox."""
import copy
import json

import pytest

from chalicelib.core import ids
from chalicelib.core.settings import default_collections_path
from chalicelib.records.schema.collections import SchemaError, load
from tests.records_helpers import ADMIN, post, review_entries, user

COMMENTS = "/api/collections/comments/records"
POSTS = "/api/collections/posts/records"
USERS = "/api/collections/users/records"
CHECK = "/wxa/msg_sec_check"


@pytest.fixture(autouse=True)
def warm_token(sandbox):
    """The sandbox reset forgets access tokens: fetch one first so call counts are the checks alone."""
    from chalicelib.core.settings import get_settings
    from chalicelib.wechat import security
    from tests.stackenv import APP1

    security.check_text(get_settings().app(APP1), "o-warm", "warm the token")


def _stored(ddb, collection, record_id):
    from chalicelib.store import keys, table

    return table.get(keys.record(collection, record_id))


def test_risky_text_is_rejected_naming_the_field_and_nothing_is_written(api, sandbox, ddb):
    alice = user(api)
    target = post(api, alice)
    before = sandbox.calls(CHECK)
    wanted = ids.new_id()
    reply = api.post(COMMENTS, {"id": wanted, "post": target["id"], "text": "buy sandbox-risky pills"},
                     token=alice["token"])
    assert reply.status == 400, reply
    assert reply.json["data"]["text"]["code"] == "validation_content_risky"
    assert set(reply.json["data"]) == {"text"}
    assert sandbox.calls(CHECK) - before == 1
    assert _stored(ddb, "comments", wanted) is None
    listed = api.get(f'{COMMENTS}?filter=post="{target["id"]}"').json
    assert listed["items"] == [] and listed["totalItems"] == 0  # no counter moved either

    fine = api.post(COMMENTS, {"post": target["id"], "text": "nice"}, token=alice["token"]).json
    changed = api.patch(f"{COMMENTS}/{fine['id']}", {"text": "now sandbox-risky"}, token=alice["token"])
    assert changed.status == 400 and changed.json["data"]["text"]["code"] == "validation_content_risky"
    assert _stored(ddb, "comments", fine["id"])["data"]["text"] == "nice"


def test_review_is_stored_with_a_flag_only_admins_see(api, sandbox, ddb):
    alice = user(api)
    target = post(api, alice)
    reply = api.post(COMMENTS, {"post": target["id"], "text": "hmm sandbox-review this"}, token=alice["token"])
    assert reply.status == 200, reply
    comment = reply.json
    assert "@review" not in comment
    assert "@review" not in api.get(f"{COMMENTS}/{comment['id']}", token=alice["token"]).json
    as_admin = api.get(f"{COMMENTS}/{comment['id']}", token=ADMIN).json
    assert as_admin["@review"]["text"]["label"] == 21000 and as_admin["@review"]["text"]["traceId"]
    assert "text" in _stored(ddb, "comments", comment["id"])["data"]["@review"]

    # the flag is not writable through the API, and a passing edit of the field clears it
    api.patch(f"{COMMENTS}/{comment['id']}", {"@review": {}}, token=alice["token"])
    assert "text" in api.get(f"{COMMENTS}/{comment['id']}", token=ADMIN).json["@review"]
    cleaned = api.patch(f"{COMMENTS}/{comment['id']}", {"text": "all good now"}, token=alice["token"])
    assert cleaned.status == 200
    assert "@review" not in api.get(f"{COMMENTS}/{comment['id']}", token=ADMIN).json
    assert "@review" not in _stored(ddb, "comments", comment["id"])["data"]


def test_flagged_records_are_queued_for_moderators_until_cleared_or_deleted(api, sandbox):
    alice = user(api)
    target = post(api, alice)
    flagged = api.post(COMMENTS, {"post": target["id"], "text": "sandbox-review one"}, token=alice["token"]).json
    other = api.post(COMMENTS, {"post": target["id"], "text": "sandbox-review two"}, token=alice["token"]).json
    assert [e["collectionName"] for e in review_entries(flagged["id"])] == ["comments"]
    assert review_entries(flagged["id"])[0]["flags"]["text"]["label"] == 21000
    api.patch(f"{COMMENTS}/{flagged['id']}", {"text": "fine now"}, token=alice["token"])
    assert review_entries(flagged["id"]) == []
    assert len(review_entries(other["id"])) == 1
    assert api.delete(f"{POSTS}/{target['id']}", token=alice["token"]).status == 204  # cascades to the comment
    assert review_entries(other["id"]) == []


def test_only_marked_fields_that_change_are_checked(api, sandbox):
    alice = user(api)
    target = post(api, alice)  # posts.title is not marked, content (marked) is blank
    comment = api.post(COMMENTS, {"post": target["id"], "text": "first"}, token=alice["token"]).json
    before = sandbox.calls(CHECK)
    post(api, alice, title="sandbox-risky is fine in an unmarked field")
    assert api.patch(f"/api/collections/posts/records/{target['id']}", {"title": "sandbox-review", "views+": 1},
                     token=alice["token"]).status == 200
    assert api.patch(f"{COMMENTS}/{comment['id']}", {"text": "first"}, token=alice["token"]).status == 200
    fav = api.post("/api/collections/favourites/records", {"post": target["id"], "note": "sandbox-risky"},
                   token=alice["token"])
    assert fav.status == 200
    assert sandbox.calls(CHECK) == before
    rich = post(api, alice, content="<p>hello <b>sandbox-review</b></p>")  # editor: checked as its text
    assert sandbox.calls(CHECK) == before + 1
    assert "content" in api.get(f"/api/collections/posts/records/{rich['id']}", token=ADMIN).json["@review"]


def test_admin_writes_skip_the_check(api, sandbox):
    alice = user(api)
    target = post(api, alice)
    before = sandbox.calls(CHECK)
    reply = api.post(COMMENTS, {"post": target["id"], "author": alice["id"], "text": "sandbox-risky quote"},
                     token=ADMIN)
    assert reply.status == 200 and sandbox.calls(CHECK) == before


def test_wechat_unavailable_fails_closed(api, sandbox, ddb):
    alice = user(api)
    target = post(api, alice)
    sandbox.fail(CHECK, -1, times=10)
    wanted = ids.new_id()
    reply = api.post(COMMENTS, {"id": wanted, "post": target["id"], "text": "hello"}, token=alice["token"])
    assert reply.status == 503, reply
    assert reply.json["data"]["text"]["code"] == "validation_content_check_unavailable"
    assert _stored(ddb, "comments", wanted) is None


def test_profile_name_own_only_and_checked_as_a_nickname(api, sandbox):
    alice, bob = user(api), user(api)
    before = sandbox.calls(CHECK)
    mine = api.patch(f"{USERS}/{alice['id']}", {"name": "Alice W"}, token=alice["token"])
    assert mine.status == 200 and mine.json["name"] == "Alice W"
    assert sandbox.calls(CHECK) == before + 1
    assert api.patch(f"{USERS}/{alice['id']}", {"name": "Mallory"}, token=bob["token"]).status == 404
    assert api.get(f"{USERS}/{alice['id']}", token=alice["token"]).json["name"] == "Alice W"
    risky = api.patch(f"{USERS}/{alice['id']}", {"name": "sandbox-risky"}, token=alice["token"])
    assert risky.status == 400 and risky.json["data"]["name"]["code"] == "validation_content_risky"
    assert api.get(f"{USERS}/{alice['id']}", token=alice["token"]).json["name"] == "Alice W"
    refreshed = api.post("/api/collections/users/auth-refresh", token=alice["token"]).json
    assert refreshed["record"]["name"] == "Alice W"


# --- the collections-file option ----------------------------------------------------------------------------

with open(default_collections_path()) as f:
    SHIPPED = json.load(f)


def _with(mutate):
    raw = copy.deepcopy(SHIPPED)
    mutate({c["name"]: c for c in raw})
    return raw


def _field(collection, name):
    return next(f for f in collection["fields"] if f["name"] == name)


def test_shipped_marks_and_scene_names():
    schema = load(SHIPPED)
    assert schema.get("users").fields["name"].options["secCheck"] == {"scene": 1}
    assert schema.get("comments").fields["text"].options["secCheck"] == {"scene": 2}
    named = load(_with(lambda c: _field(c["posts"], "title").update(secCheck={"scene": "forum"})))
    assert named.get("posts").fields["title"].options["secCheck"] == {"scene": 3}


@pytest.mark.parametrize("mutate,expected", [
    (lambda c: _field(c["posts"], "title").update(secCheck={"scene": 5}), "Collection posts, field title: secCheck"),
    (lambda c: _field(c["posts"], "title").update(secCheck=2), "Collection posts, field title: secCheck"),
    (lambda c: _field(c["posts"], "title").update(secCheck={"scene": 1, "x": 1}), "field title: secCheck"),
    (lambda c: _field(c["posts"], "views").update(secCheck={"scene": 1}), "field views: unknown option(s) secCheck"),
    (lambda c: _field(c["users"], "name").update(type="number"), "Collection users, field name: must be of type text"),
])
def test_bad_sec_check_options_fail_the_load(mutate, expected):
    with pytest.raises(SchemaError) as exc:
        load(_with(mutate))
    assert expected in exc.value.message
