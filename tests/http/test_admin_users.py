"""Users for admins: search by id, name, phone (masked but for the last four digits), openid in any app, unionid;
identities per app; sign-out everywhere (the token key rotated), audited; admins only."""
import re

from tests.admin_helpers import assert_admin_only, named_admins, session  # noqa: F401
from tests.records_helpers import ADMIN, user
from tests.stackenv import APP1, APP2

USERS = "/api/admin/users"


def _phone_user(api, name, digits):
    login = api.post("/api/wechat/login", {"code": f"sandbox-{name}", "appid": APP1,
                                           "phoneCode": f"sandbox-phone-{digits}"})
    assert login.status == 200, login
    return login.json


def _ids(reply):
    assert reply.status == 200, reply
    return [u["id"] for u in reply.json["items"]]


def test_search_by_every_key_with_phone_masked(api):
    login = _phone_user(api, "searchable-carol", "13912345678")
    uid, openid = login["record"]["id"], login["meta"]["openid"]
    other_app = api.login("searchable-carol", APP2)
    assert other_app["record"]["id"] == uid  # the same person through the shared unionid
    api.patch(f"/api/collections/users/records/{uid}", {"name": "Carol Searchable"}, token=ADMIN)

    assert _ids(api.get(f"{USERS}?q={uid}", token=ADMIN)) == [uid]
    assert _ids(api.get(f"{USERS}?q={uid}&by=id", token=ADMIN)) == [uid]
    assert _ids(api.get(f"{USERS}?q={openid}&by=openid", token=ADMIN)) == [uid]
    assert _ids(api.get(f"{USERS}?q={other_app['meta']['openid']}", token=ADMIN)) == [uid]
    for typed in ("13912345678", "+8613912345678", "139-1234-5678"):
        assert _ids(api.get(f"{USERS}?q={typed}&by=phone", token=ADMIN)) == [uid], typed
    assert uid in _ids(api.get(f"{USERS}?q=searchable&by=name", token=ADMIN))
    assert _ids(api.get(f"{USERS}?q=nobody-like-this&by=name", token=ADMIN)) == []
    found = api.get(f"{USERS}?q=13912345678", token=ADMIN)
    assert found.json["items"][0]["phone"] == "*******5678"
    assert "13912345678" not in found.text and "912345" not in found.text

    detail = api.get(f"{USERS}/{uid}", token=ADMIN)
    assert detail.status == 200
    body = detail.json
    assert body["phone"] == "*******5678" and "912345" not in detail.text
    assert {(i["appid"], i["openid"]) for i in body["identities"]} == {(APP1, openid),
                                                                      (APP2, other_app["meta"]["openid"])}
    assert body["unionid"] and _ids(api.get(f"{USERS}?q={body['unionid']}&by=unionid", token=ADMIN)) == [uid]
    assert "session" not in detail.text.lower()
    assert api.get(f"{USERS}/aaaaaaaaaaaaaaa", token=ADMIN).status == 404


def test_bad_searches_are_clear_400s(api):
    for query in ("", "?q=", "?q=x&by=email", "?q=" + "x" * 200):
        assert api.get(USERS + query, token=ADMIN).status == 400, query


def test_sign_out_everywhere_rotates_the_token_key_and_is_audited(api, named_admins):
    someone = api.login("signed-out-dave", APP1)
    uid = someone["record"]["id"]
    token = session(api, named_admins["alice"])
    assert api.post("/api/collections/users/auth-refresh", token=someone["token"]).status == 200
    reply = api.post(f"{USERS}/{uid}/sign-out", token=token)
    assert reply.status == 200 and reply.json == {"signedOut": True}
    refused = api.post("/api/collections/users/auth-refresh", token=someone["token"])
    assert refused.status == 401 and "revoked" in refused.json["message"]
    assert api.post("/api/collections/users/auth-refresh", token=api.login("signed-out-dave", APP1)["token"]).status == 200
    latest = api.get("/api/admin/audit?perPage=1", token=token).json["items"][0]
    assert (latest["admin"], latest["action"], latest["collection"], latest["record"]) == (
        "alice", "sign-out", "users", uid)
    assert api.post(f"{USERS}/aaaaaaaaaaaaaaa/sign-out", token=token).status == 404


def test_users_are_for_admins_only(api):
    someone = user(api)
    assert_admin_only(api, "GET", f"{USERS}?q={someone['id']}", someone["token"])
    assert_admin_only(api, "GET", f"{USERS}/{someone['id']}", someone["token"])
    assert_admin_only(api, "POST", f"{USERS}/{someone['id']}/sign-out", someone["token"])
    assert api.post("/api/collections/users/auth-refresh", token=someone["token"]).status == 200
    assert re.fullmatch(r"[a-z0-9]{15}", someone["id"])
