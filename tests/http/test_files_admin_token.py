"""File tokens for admins (PocketBase's superuser file token): an admin key or console session gets a three-minute
`?token=` that opens protected files and images held by content security, as an `<img>` in the console needs; it
ends with its key, and neither a session nor a user's file token stands in for it."""
import time

import jwt
import pytest

from tests.admin_helpers import ALICE_KEY, named_admins, session  # noqa: F401
from tests.http.test_files_http import draft_cover
from tests.http.test_image_check import CHECK, PHOTOS_COLLECTION, PNG, create_photo, link
from tests.records_helpers import use_collections, user
from tests.stackenv import ADMIN_KEY, APP1, JWT_SECRET

TOKEN = "/api/files/token"


def test_an_admin_session_or_key_gets_a_file_token_that_opens_protected_files(api, named_admins):
    _, path = draft_cover(api)
    bob = user(api)
    assert api.get(path).status == 404 and api.get(path, token=bob["token"]).status == 404
    console = session(api, named_admins["alice"])
    for credential in (console, "Bearer " + console, ADMIN_KEY):
        reply = api.post(TOKEN, token=credential)
        assert reply.status == 200 and set(reply.json) == {"token"}, reply
        opened = api.get(path + "?token=" + reply.json["token"])
        assert opened.status == 302 and "X-Amz-Expires" in opened.headers["location"]
        assert api.get(path + "?thumb=100x100&token=" + reply.json["token"]).status == 302
    claims = jwt.decode(api.post(TOKEN, token=console).json["token"], JWT_SECRET, algorithms=["HS256"])
    assert claims["type"] == "adminFile" and claims["name"] == "alice" and 170 <= claims["exp"] - time.time() <= 180
    assert named_admins["alice"] not in repr(claims)
    # a user's file token stays a user's: bob can't open alice's draft with his
    bobs = api.post(TOKEN, token=bob["token"]).json["token"]
    assert api.get(path + "?token=" + bobs).status == 404


def test_admin_file_tokens_are_refused_when_forged_expired_misused_or_their_key_is_gone(api, named_admins,
                                                                                      monkeypatch):
    _, path = draft_cover(api)
    console = session(api, named_admins["bob"])
    token = api.post(TOKEN, token=console).json["token"]
    claims = jwt.decode(token, JWT_SECRET, algorithms=["HS256"])
    expired = jwt.encode({**claims, "exp": int(time.time()) - 5}, JWT_SECRET, algorithm="HS256")
    renamed = jwt.encode({**claims, "name": "alice"}, JWT_SECRET, algorithm="HS256")
    forged = jwt.encode(claims, "another-secret-" + "x" * 40, algorithm="HS256")
    for bad in (expired, renamed, forged, token[:-2], console):  # an admin session is no file token
        assert api.get(path + "?token=" + bad).status == 404, bad
    # a file token is no admin session
    assert api.get("/api/collections", token=token).status == 403
    assert api.post(TOKEN, token=token).status == 401
    assert api.get(path + "?token=" + token).status == 302
    monkeypatch.setenv("WXBASE_ADMIN_KEYS", f"alice:{ALICE_KEY}")  # bob's key removed: his file tokens end too
    assert api.get(path + "?token=" + token).status == 404


@pytest.fixture
def with_photos(tmp_path, monkeypatch):
    use_collections(tmp_path, monkeypatch, PHOTOS_COLLECTION)


def test_an_image_held_by_content_security_opens_for_an_admin_file_token_only(api, sandbox, with_photos):
    login = api.login("held-photographer", APP1)
    alice = {"token": login["token"], "id": login["record"]["id"]}
    sandbox.fail(CHECK, 45009)  # WeChat's quota: the image is stored held for review
    photo, [name] = create_photo(api, alice, PNG + b"held")
    held = link(photo["id"], name)
    alices = api.post(TOKEN, token=alice["token"]).json["token"]
    assert api.get(held).status == 404 and api.get(held + "?token=" + alices).status == 404
    admins = api.post(TOKEN, token=ADMIN_KEY).json["token"]
    opened = api.get(held + "?token=" + admins)
    assert opened.status == 302 and "X-Amz-Expires" in opened.headers["location"]  # a private link, never a public one
