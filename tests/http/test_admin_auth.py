"""Admin sign-in: named admin keys exchanged for one-hour admin sessions that work wherever a key does, attributed
by name; wrong keys refused and logged without the key; sessions end when their key is removed."""
import time

import jwt

from tests.admin_helpers import ALICE_KEY, named_admins, session  # noqa: F401
from tests.records_helpers import user
from tests.stackenv import ADMIN_KEY, JWT_SECRET

SIGN_IN = "/api/admins/auth-with-key"


def test_named_key_signs_in_as_its_admin_and_the_session_works_like_a_key(api, named_admins):
    reply = api.post(SIGN_IN, {"key": named_admins["alice"]})
    assert reply.status == 200, reply
    body = reply.json
    assert body["admin"] == {"name": "alice"} and set(body) == {"token", "admin", "expiresAt"}
    claims = jwt.decode(body["token"], JWT_SECRET, algorithms=["HS256"])
    assert claims["type"] == "admin" and claims["name"] == "alice"
    assert 3500 <= claims["exp"] - time.time() <= 3600 and body["expiresAt"] == claims["exp"]
    assert named_admins["alice"] not in body["token"]
    # accepted like a key, with or without Bearer, by the old admin endpoints and the records API
    assert api.get("/api/collections/posts/records?perPage=1", token="Bearer " + body["token"]).status == 200
    assert api.get("/api/collections", token=body["token"]).status == 200
    assert api.get("/api/wechat/subscribe-messages/nope00000000000", token=body["token"]).status == 404


def test_plain_keys_still_work_and_are_named_admin(api, named_admins):
    assert api.post(SIGN_IN, {"key": ADMIN_KEY}).json["admin"]["name"] == "admin"
    assert api.get("/api/collections", token=ADMIN_KEY).status == 200


def test_wrong_keys_are_refused_and_logged_without_the_key(api, named_admins, caplog):
    wrong = "wrong-" + named_admins["alice"][::-1]
    reply = api.post(SIGN_IN, {"key": wrong})
    assert reply.status == 401 and reply.json["status"] == 401
    refused = [r for r in caplog.records if r.getMessage() == "admin.sign_in_refused"]
    assert refused and all(wrong not in repr(r.__dict__) for r in caplog.records)
    for body in ({}, {"key": ""}, {"key": 5}, {"key": "x" * 2000}):
        assert api.post(SIGN_IN, body).status == 400
    # a user's token is no admin session, and an admin session is no user token
    alice_user = user(api)
    assert api.post(SIGN_IN, {"key": alice_user["token"]}).status == 401
    admin_token = session(api, named_admins["alice"])
    # PocketBase's answer to a superuser refreshing as a users record: 403 (a valid token of another collection)
    refused = api.post("/api/collections/users/auth-refresh", token=admin_token)
    assert refused.status == 403 and "token" not in refused.json


def test_forged_expired_and_orphaned_sessions_are_refused(api, named_admins, monkeypatch):
    token = session(api, named_admins["bob"])
    claims = jwt.decode(token, JWT_SECRET, algorithms=["HS256"])
    expired = jwt.encode({**claims, "exp": int(time.time()) - 5}, JWT_SECRET, algorithm="HS256")
    renamed = jwt.encode({**claims, "name": "alice"}, JWT_SECRET, algorithm="HS256")
    forged = jwt.encode(claims, "another-secret-" + "x" * 40, algorithm="HS256")
    as_user = jwt.encode({**claims, "type": "auth"}, JWT_SECRET, algorithm="HS256")
    for bad in (expired, renamed, forged, as_user, token[:-2]):
        assert api.get("/api/collections", token=bad).status == 403, bad
    assert api.get("/api/collections", token=token).status == 200
    # removing bob's key ends his sessions at once
    monkeypatch.setenv("WXBASE_ADMIN_KEYS", f"alice:{ALICE_KEY}")
    assert api.get("/api/collections", token=token).status == 403


def test_admin_key_names(monkeypatch):
    from chalicelib.core.settings import parse_admin_keys

    assert parse_admin_keys("k1") == (("admin", "k1"),)
    assert parse_admin_keys(" alice:k1 , k2,bob:k:3,k4, :k5") == (
        ("alice", "k1"), ("bob", "k:3"), ("admin", "k2"), ("admin-2", "k4"), ("admin-3", ":k5"))
    assert parse_admin_keys("admin:k1,k2") == (("admin", "k1"), ("admin_", "k2"))
