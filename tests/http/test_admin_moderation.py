"""The review queue: records content security flagged, approve (the flag cleared through a record write, its queue
entry gone) and reject (the record deleted), both audited; admins only."""
import pytest

from tests.admin_helpers import assert_admin_only, named_admins, session  # noqa: F401
from tests.records_helpers import ADMIN, post, user

COMMENTS = "/api/collections/comments/records"
QUEUE = "/api/admin/review-queue"


@pytest.fixture(autouse=True)
def warm_token(sandbox):
    from chalicelib.core.settings import get_settings
    from chalicelib.wechat import security
    from tests.stackenv import APP1

    security.check_text(get_settings().app(APP1), "o-warm", "warm the token")


def _queue(api, token):
    items, cursor = [], None
    while True:
        reply = api.get(QUEUE + "?perPage=2" + (f"&cursor={cursor}" if cursor else ""), token=token)
        assert reply.status == 200, reply
        items += reply.json["items"]
        cursor = reply.json["nextCursor"]
        if not cursor:
            return items


def _flagged(api, author, text="sandbox-review please"):
    target = post(api, author)
    reply = api.post(COMMENTS, {"post": target["id"], "text": text}, token=author["token"])
    assert reply.status == 200, reply
    return reply.json


def test_queue_lists_flagged_records_with_the_record(api, named_admins):
    author = user(api)
    one, two = _flagged(api, author), _flagged(api, author, "sandbox-review again")
    token = session(api, named_admins["alice"])
    listed = {e["recordId"]: e for e in _queue(api, token)}
    assert {one["id"], two["id"]} <= set(listed)
    entry = listed[one["id"]]
    assert entry["collectionName"] == "comments" and entry["flags"]["text"]["label"] == 21000 and entry["flaggedAt"]
    assert entry["record"]["text"] == "sandbox-review please" and "@review" in entry["record"]


def test_approve_clears_the_flag_and_the_entry_and_is_audited(api, named_admins):
    author = user(api)
    flagged = _flagged(api, author)
    token = session(api, named_admins["alice"])
    reply = api.post(f"{QUEUE}/comments/{flagged['id']}/approve", token=token)
    assert reply.status == 200, reply
    assert "@review" not in reply.json and reply.json["text"] == flagged["text"]
    assert "@review" not in api.get(f"{COMMENTS}/{flagged['id']}", token=ADMIN).json
    assert flagged["id"] not in {e["recordId"] for e in _queue(api, token)}
    assert api.post(f"{QUEUE}/comments/{flagged['id']}/approve", token=token).status == 404  # nothing left
    latest = api.get("/api/admin/audit?perPage=1", token=token).json["items"][0]
    assert latest == {**latest, "admin": "alice", "action": "approve", "collection": "comments",
                      "record": flagged["id"], "fields": ["text"]}


def test_reject_deletes_the_record_and_is_audited(api, named_admins):
    author = user(api)
    flagged = _flagged(api, author)
    ordinary = post(api, author)
    token = session(api, named_admins["bob"])
    assert api.post(f"{QUEUE}/posts/{ordinary['id']}/reject", token=token).status == 404  # not flagged: kept
    assert api.get(f"/api/collections/posts/records/{ordinary['id']}", token=ADMIN).status == 200
    assert api.post(f"{QUEUE}/comments/{flagged['id']}/reject", token=token).status == 204
    assert api.get(f"{COMMENTS}/{flagged['id']}", token=ADMIN).status == 404
    assert flagged["id"] not in {e["recordId"] for e in _queue(api, token)}
    latest = api.get("/api/admin/audit?perPage=1", token=token).json["items"][0]
    assert (latest["admin"], latest["action"], latest["record"], latest["detail"]) == (
        "bob", "delete", flagged["id"], {"reason": "moderation"})


def test_moderation_is_for_admins_only(api):
    author = user(api)
    flagged = _flagged(api, author)
    assert_admin_only(api, "GET", QUEUE, author["token"])
    for action in ("approve", "reject"):
        assert_admin_only(api, "POST", f"{QUEUE}/comments/{flagged['id']}/{action}", author["token"])
    assert "@review" in api.get(f"{COMMENTS}/{flagged['id']}", token=ADMIN).json
    assert api.post(f"{QUEUE}/nope/{flagged['id']}/approve", token=ADMIN).status == 404
    assert api.post(f"{QUEUE}/comments/bad-id/approve", token=ADMIN).status == 404
