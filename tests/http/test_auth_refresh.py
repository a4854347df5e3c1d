"""auth-refresh with valid, expired, tampered, alg:none, wrong-secret and revoked tokens."""
import base64
import json
import time

import jwt

from tests.stackenv import APP1, JWT_SECRET

REFRESH = "/api/collections/users/auth-refresh"


def _b64(data):
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_valid_token_refreshes_with_or_without_bearer(api):
    login = api.login("refresher", APP1)
    for header in (login["token"], "Bearer " + login["token"]):
        reply = api.post(REFRESH, token=header)
        assert reply.status == 200, reply
        assert reply.json["record"]["id"] == login["record"]["id"]
        claims = jwt.decode(reply.json["token"], JWT_SECRET, algorithms=["HS256"])
        assert claims["type"] == "auth" and claims["id"] == login["record"]["id"]
        assert claims["collectionId"] == "_pb_users_auth_" and claims["appid"] == APP1
        assert claims["exp"] > time.time() + 3600


def test_missing_token_is_401(api):
    reply = api.post(REFRESH)
    assert reply.status == 401 and reply.json["status"] == 401


def test_expired_token_is_401(api):
    login = api.login("expiring", APP1)
    claims = jwt.decode(login["token"], JWT_SECRET, algorithms=["HS256"])
    claims["exp"] = int(time.time()) - 5
    expired = jwt.encode(claims, JWT_SECRET, algorithm="HS256")
    reply = api.post(REFRESH, token=expired)
    assert reply.status == 401 and "expired" in reply.json["message"]


def test_tampered_token_is_401(api):
    login = api.login("tamper", APP1)
    header, payload, signature = login["token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["id"] = "aaaaaaaaaaaaaaa"
    forged = ".".join([header, _b64(claims), signature])
    assert api.post(REFRESH, token=forged).status == 401


def test_alg_none_token_is_401(api):
    login = api.login("algnone", APP1)
    claims = jwt.decode(login["token"], JWT_SECRET, algorithms=["HS256"])
    unsigned = _b64({"alg": "none", "typ": "JWT"}) + "." + _b64(claims) + "."
    assert api.post(REFRESH, token=unsigned).status == 401


def test_wrong_secret_token_is_401(api):
    login = api.login("wrongsecret", APP1)
    claims = jwt.decode(login["token"], JWT_SECRET, algorithms=["HS256"])
    forged = jwt.encode(claims, "another-secret-that-is-long-enough-to-be-valid", algorithm="HS256")
    assert api.post(REFRESH, token=forged).status == 401


def test_garbage_and_huge_tokens_are_401(api):
    assert api.post(REFRESH, token="not.a.jwt").status == 401
    assert api.post(REFRESH, token="x" * 10000).status == 401


def test_token_of_other_type_is_401(api):
    login = api.login("filetoken", APP1)
    claims = jwt.decode(login["token"], JWT_SECRET, algorithms=["HS256"])
    claims["type"] = "file"
    assert api.post(REFRESH, token=jwt.encode(claims, JWT_SECRET, algorithm="HS256")).status == 401


def test_revoked_token_is_401(api, stack):
    from chalicelib.users import service

    login = api.login("revoked", APP1)
    service.revoke_tokens(login["record"]["id"])
    reply = api.post(REFRESH, token=login["token"])
    assert reply.status == 401 and "revoked" in reply.json["message"]
    fresh = api.login("revoked", APP1)
    assert api.post(REFRESH, token=fresh["token"]).status == 200
