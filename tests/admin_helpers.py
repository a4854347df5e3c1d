"""Shared pieces of the admin API tests: named admin keys next to the test stack's plain ones, sessions, and the
refusals every admin endpoint gives guests, users and bad credentials."""
import secrets

import pytest

from tests.stackenv import ADMIN_KEY, TEST_ENV

ALICE_KEY = "alice-key-" + secrets.token_urlsafe(18)
BOB_KEY = "bob-key-" + secrets.token_urlsafe(18)
NAMED_KEYS = f"alice:{ALICE_KEY},bob:{BOB_KEY},{TEST_ENV['WXBASE_ADMIN_KEYS']}"


@pytest.fixture
def named_admins(monkeypatch, _recorder, caplog):
    """WXBASE_ADMIN_KEYS with alice's and bob's named keys besides the plain ones; neither key may leak."""
    monkeypatch.setenv("WXBASE_ADMIN_KEYS", NAMED_KEYS)
    yield {"alice": ALICE_KEY, "bob": BOB_KEY}
    texts = list(_recorder) + [r.getMessage() + repr(getattr(r, "fields", "")) for r in caplog.records]
    for text in texts:
        assert ALICE_KEY not in text and BOB_KEY not in text, f"an admin key leaked into: {text[:200]}"


def session(api, key):
    reply = api.post("/api/admins/auth-with-key", {"key": key})
    assert reply.status == 200, reply
    return reply.json["token"]


def assert_admin_only(api, method, path, user_token, body=None):
    """401 for a guest and a wrong key in a bad shape, 403 for a user token and a wrong key, before anything."""
    assert api.request(method, path, body).status == 401
    assert api.request(method, path, body, token=user_token).status == 403
    assert api.request(method, path, body, token="not-" + ADMIN_KEY).status == 403
    assert api.request(method, path, body, token="Bearer a.b.c").status == 403
