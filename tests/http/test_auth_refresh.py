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


def test_fields_and_expand_shape_the_answer_as_pocketbase(api):
    login = api.login("shaped", APP1)
    only_record = api.post(REFRESH + "?fields=record.id,record.collectionName", token=login["token"])
    assert only_record.status == 200 and only_record.json == {
        "record": {"id": login["record"]["id"], "collectionName": "users"}}
    only_token = api.post(REFRESH + "?fields=token", token=login["token"]).json
    assert list(only_token) == ["token"] and jwt.decode(only_token["token"], JWT_SECRET, algorithms=["HS256"])
    unknown_expand = api.post(REFRESH + "?expand=nope", token=login["token"])
    assert unknown_expand.status == 200 and "expand" not in unknown_expand.json["record"]
    assert api.post(REFRESH + "?fields=record.name:excerpt(x)", token=login["token"]).status == 400
    cased = api.post("/api/collections/USERS/auth-refresh", token=login["token"])
    assert cased.status == 200 and cased.json["record"]["id"] == login["record"]["id"]


def test_only_a_users_token_at_users_refreshes(api):
    from tests.records_helpers import ADMIN

    login = api.login("elsewhere", APP1)
    assert api.post(REFRESH, token=ADMIN).status == 403  # an admin key is not a users record
    assert api.post("/api/collections/posts/auth-refresh", token=login["token"]).status == 403
    assert api.post("/api/collections/posts/auth-refresh").status == 401
    assert api.post("/api/collections/nosuch/auth-refresh", token=login["token"]).status == 404


def test_auth_methods_say_wechat_and_no_password(api):
    methods = api.get("/api/collections/users/auth-methods")
    assert methods.status == 200
    assert methods.json["password"] == {"enabled": False, "identityFields": []}
    assert methods.json["oauth2"]["enabled"] and [p["name"] for p in methods.json["oauth2"]["providers"]] == ["wechat"]
    assert methods.json["mfa"]["enabled"] is False and methods.json["otp"]["enabled"] is False
    assert api.get("/api/collections/Users/auth-methods?fields=mfa.enabled").json == {"mfa": {"enabled": False}}
    assert api.get("/api/collections/posts/auth-methods").status == 404
    assert api.get("/api/collections/nosuch/auth-methods").status == 404
