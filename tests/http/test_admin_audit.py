"""The audit trail: every admin change attributed to the admin's name (who, when, what: collection, record,
action, field names — never values), newest first in bounded pages."""
from tests.admin_helpers import assert_admin_only, named_admins, session  # noqa: F401
from tests.records_helpers import post, user
from tests.stackenv import ADMIN_KEY

POSTS = "/api/collections/posts/records"


def _mine(api, token, record_id, pages=10):
    found, cursor = [], ""
    for _ in range(pages):
        reply = api.get(f"/api/admin/audit?perPage=50{'&cursor=' + cursor if cursor else ''}", token=token)
        assert reply.status == 200, reply
        found += [e for e in reply.json["items"] if e.get("record") == record_id]
        cursor = reply.json["nextCursor"]
        if not cursor:
            break
    return found


def test_admin_record_changes_are_audited_by_name_without_values(api, named_admins):
    alice_session = session(api, named_admins["alice"])
    owner = user(api)
    created = api.post(POSTS, {"title": "secret title 123", "status": "draft", "owner": owner["id"]},
                       token=alice_session)
    assert created.status == 200, created
    record_id = created.json["id"]
    assert api.patch(f"{POSTS}/{record_id}", {"title": "another secret 456", "views": 3},
                     token=named_admins["bob"]).status == 200
    assert api.patch(f"{POSTS}/{record_id}", {"status": "published"}, token=owner["token"]).status == 200  # not audited
    assert api.delete(f"{POSTS}/{record_id}", token=alice_session).status == 204

    entries = _mine(api, alice_session, record_id)
    assert [(e["admin"], e["action"]) for e in entries] == [("alice", "delete"), ("bob", "update"), ("alice", "create")]
    assert entries[1]["fields"] == ["title", "views"] and entries[1]["collection"] == "posts"
    assert set(entries[2]["fields"]) == {"owner", "status", "title"}
    assert entries[0]["at"] >= entries[1]["at"] >= entries[2]["at"]
    text = repr(entries)
    assert "secret title" not in text and "another secret" not in text


def test_users_changes_are_not_in_the_trail_and_sign_ins_are(api, named_admins):
    someone = user(api)
    mine = post(api, someone)
    assert _mine(api, ADMIN_KEY, mine["id"]) == []
    session(api, named_admins["bob"])
    latest = api.get("/api/admin/audit?perPage=1", token=ADMIN_KEY).json
    assert latest["items"][0]["admin"] == "bob" and latest["items"][0]["action"] == "sign-in"
    assert latest["nextCursor"]


def test_audit_pages_are_bounded_and_cursors_checked(api):
    for _ in range(3):
        api.post("/api/admins/auth-with-key", {"key": ADMIN_KEY})
    first = api.get("/api/admin/audit?perPage=2", token=ADMIN_KEY).json
    assert len(first["items"]) == 2
    second = api.get(f"/api/admin/audit?perPage=2&cursor={first['nextCursor']}", token=ADMIN_KEY).json
    assert first["items"][1]["at"] >= second["items"][0]["at"]
    assert not {e["id"] for e in first["items"]} & {e["id"] for e in second["items"]}
    assert len(api.get("/api/admin/audit?perPage=100000", token=ADMIN_KEY).json["items"]) <= 200
    import base64
    import json

    foreign = base64.urlsafe_b64encode(json.dumps({"pk": "C#posts", "sk": "R#x"}).encode()).decode()
    for bad in ("%%%", "abc", foreign, "x" * 3000):
        assert api.get(f"/api/admin/audit?cursor={bad}", token=ADMIN_KEY).status == 400


def test_audit_is_for_admins_only(api):
    assert_admin_only(api, "GET", "/api/admin/audit", user(api)["token"])
