"""Ended sessions stay ended: an attacker holding a token from before a sign-out, a merge, a delete or a detach
can't use it anywhere — records, user routes, functions, file tokens, uploads, mergeToken, links, subscribe messages,
codes and URL links (the realtime socket: test_attacks_realtime.py)."""
import base64
import time

import pytest

from tests.records_helpers import ADMIN, post
from tests.stackenv import APP1, APP2

POSTS = "/api/collections/posts/records"
USERS = "/api/collections/users/records"
SIGN_OUT = "/api/collections/users/sign-out-everywhere"
REFRESH = "/api/collections/users/auth-refresh"
PHONE = "/api/wechat/phone"


def _user(api, name, appid=APP1):
    login = api.login(name, appid)
    return {"token": login["token"], "id": login["record"]["id"]}


def _everything_refuses(api, token, user_id, draft_id):
    """Every authenticated door, tried with `token`: none opens."""
    assert api.get(f"{USERS}/{user_id}", token=token).status == 404  # a guest can't see the user
    assert api.get(f"{POSTS}/{draft_id}", token=token).status == 404  # nor the user's draft
    assert api.patch(f"{POSTS}/{draft_id}", {"title": "owned"}, token=token).status == 404
    assert api.post(POSTS, {"title": "x", "status": "draft", "owner": user_id}, token=token).status == 400
    assert api.post("/api/files/token", token=token).status == 401
    assert api.get("/api/wechat/links", token=token).status == 401
    assert api.post("/api/wechat/links", {"appid": APP2, "code": "sandbox-x"}, token=token).status == 401
    assert api.post(PHONE, {"code": "sandbox-phone-13900000000"}, token=token).status == 401
    assert api.post("/api/wechat/subscribe-messages", {"template_id": "t", "data": {"thing1": {"value": "x"}}},
                    token=token).status == 401
    assert api.post(REFRESH, token=token).status == 401
    assert api.post(SIGN_OUT, token=token).status == 401
    assert api.post("/api/functions/whoami", {}, token=token).status == 401  # an auth="user" function
    upload = {"collection": "posts", "field": "cover", "filename": "a.png", "size": 10, "contentType": "image/png"}
    as_guest = api.post("/api/files/upload", upload)
    assert as_guest.status in (400, 401, 403)  # posts are created by users only
    assert api.post("/api/files/upload", upload, token=token).status == as_guest.status
    assert api.post("/api/wechat/wxacode", {"scene": "x=1"}, token=token).status == 401
    assert api.post("/api/wechat/url-link", {"path": "pages/index/index"}, token=token).status == 401


def test_sign_out_everywhere_ends_every_session_of_the_user(api, sandbox):
    me = _user(api, "leaver")
    second_device = api.login("leaver", APP1)["token"]
    other_app = api.login("leaver", APP2)["token"]
    draft = post(api, me, status="draft")
    assert api.get(f"{POSTS}/{draft['id']}", token=second_device).status == 200
    reply = api.post(SIGN_OUT, token=me["token"])
    assert reply.status == 204, reply
    for token in (me["token"], second_device, other_app):
        _everything_refuses(api, token, me["id"], draft["id"])
    # logging in again starts a new session that works, for the same user
    again = api.login("leaver", APP1)
    assert again["record"]["id"] == me["id"]
    assert api.get(f"{POSTS}/{draft['id']}", token=again["token"]).status == 200


def test_sign_out_needs_a_valid_session(api):
    assert api.post(SIGN_OUT).status == 401
    assert api.post(SIGN_OUT, token="Bearer forged.token.value").status == 401
    assert api.post(SIGN_OUT, token=ADMIN).status == 401  # an admin key is not a user's session


def test_an_admin_sign_out_bites_at_once(api):
    victim = _user(api, "stolen-token")
    draft = post(api, victim, status="draft")
    stolen = victim["token"]
    assert api.post(f"/api/admin/users/{victim['id']}/sign-out", token=ADMIN).status == 200
    _everything_refuses(api, stolen, victim["id"], draft["id"])


def test_a_file_token_issued_before_the_sign_out_is_refused_after(api, sandbox):
    me = _user(api, "file-token-holder")
    file_token = api.post("/api/files/token", token=me["token"]).json["token"]
    from chalicelib.core import auth_tokens
    from chalicelib.records import sessions

    claims = sessions.verify_file_token(file_token)
    assert claims["id"] == me["id"]
    assert api.post(SIGN_OUT, token=me["token"]).status == 204
    from chalicelib.core.errors import Unauthorized

    with pytest.raises(Unauthorized):
        sessions.verify_file_token(file_token)
    # a file token without the key fingerprint (the old shape) is refused outright
    import jwt

    from tests.stackenv import JWT_SECRET

    old_shape = jwt.encode({"type": "file", "id": me["id"], "collectionId": "_pb_users_auth_",
                            "exp": int(time.time()) + 60}, JWT_SECRET, algorithm="HS256")
    with pytest.raises(Unauthorized):
        auth_tokens.verify_file_token(old_shape)


def test_a_protected_file_link_refuses_the_file_token_after_sign_out(api, protected_file):
    owner, link = protected_file
    file_token = api.post("/api/files/token", token=owner["token"]).json["token"]
    assert api.get(f"{link}?token={file_token}").status == 302
    assert api.post(SIGN_OUT, token=owner["token"]).status == 204
    assert api.get(f"{link}?token={file_token}").status == 404  # a guest, who may not see it


def _accounts_to_merge(api, sandbox, name, phone):
    """A on APP1 and B on APP2, B holding `phone`: A binding that phone with B's token merges B into A."""
    key = base64.b64encode(name.encode().ljust(16, b"-")[:16]).decode()
    sandbox.add_user(APP1, f"{name}-a", f"o-{name}-a", key)
    sandbox.add_user(APP2, f"{name}-b", f"o-{name}-b", key)
    a = api.post("/api/wechat/login", {"code": f"{name}-a", "appid": APP1}).json
    b = api.post("/api/wechat/login", {"code": f"{name}-b", "appid": APP2,
                                       "phoneCode": f"sandbox-phone-{phone}"}).json
    return a, b


def test_a_revoked_token_is_not_accepted_as_merge_token(api, ddb, sandbox):
    a, b = _accounts_to_merge(api, sandbox, "revoked-merge", "13800000777")
    assert api.post(SIGN_OUT, token=b["token"]).status == 204  # B's owner ended B's sessions; a copy leaked
    reply = api.post(PHONE, {"code": "sandbox-phone-13800000777", "mergeToken": b["token"]}, token=a["token"])
    assert reply.status == 401, reply
    assert api.get(f"{USERS}/{b['record']['id']}", token=ADMIN).status == 200  # nothing was merged


def test_the_merged_away_accounts_tokens_end_with_it(api, sandbox):
    a, b = _accounts_to_merge(api, sandbox, "ended-merge", "13800000778")
    b_user = {"token": b["token"], "id": b["record"]["id"]}
    draft = post(api, b_user, status="draft")
    merged = api.post(PHONE, {"code": "sandbox-phone-13800000778", "mergeToken": b["token"]}, token=a["token"])
    assert merged.status == 200, merged
    _everything_refuses(api, b["token"], b["record"]["id"], draft["id"])
    # and it proves nothing any more, not even alongside a phone that needs no merge
    again = api.post(PHONE, {"code": "sandbox-phone-13800000778", "mergeToken": b["token"]}, token=a["token"])
    assert again.status == 401
    other = _user(api, "ended-merge-c")
    assert api.post(PHONE, {"code": "sandbox-phone-13800000778", "mergeToken": b["token"]},
                    token=other["token"]).status == 401


def test_an_admin_deleting_a_user_ends_their_sessions(api):
    victim = _user(api, "deleted-user")
    draft = post(api, victim, status="draft")
    assert api.delete(f"{USERS}/{victim['id']}", token=ADMIN).status == 204
    _everything_refuses(api, victim["token"], victim["id"], draft["id"])


def test_detaching_an_app_ends_the_sessions_begun_there(api, sandbox):
    me = _user(api, "detach-sessions")
    via_app2 = api.login("detach-sessions", APP2)["token"]
    reply = api.delete(f"/api/wechat/links/{APP2}", token=me["token"])
    assert reply.status == 200, reply
    assert api.get("/api/wechat/links", token=via_app2).status == 401
    fresh = reply.json["token"]
    listed = api.get("/api/wechat/links", token=fresh)
    assert listed.status == 200 and [i["appid"] for i in listed.json["items"]] == [APP1]
    assert api.post(REFRESH, token=fresh).status == 200


def test_a_revocation_made_elsewhere_bites_within_the_cache_window(api, ddb, monkeypatch):
    """Another Lambda rotates the key: this process answers from its cache for at most CACHE_SECONDS."""
    from chalicelib.records import sessions
    from chalicelib.store import keys, table

    monkeypatch.setattr(sessions, "CACHE_SECONDS", 0.5)
    me = _user(api, "elsewhere")
    assert api.get(f"{USERS}/{me['id']}", token=me["token"]).status == 200  # cached now
    ddb.update_item(TableName="wxbase-test", Key=table.serialize(keys.record("users", me["id"])),
                    UpdateExpression="SET #k = :k", ExpressionAttributeNames={"#k": "_tokenKey"},
                    ExpressionAttributeValues={":k": {"S": "rotated-by-another-process"}})
    time.sleep(0.6)
    assert api.get(f"{USERS}/{me['id']}", token=me["token"]).status == 404
    assert api.get("/api/wechat/links", token=me["token"]).status == 401


def test_a_session_check_reads_the_user_once_per_burst(api, monkeypatch):
    """The cache: ten requests of one user read its record once (records/sessions.py)."""
    from chalicelib.records import sessions, store

    me = _user(api, "bursty")
    sessions.forget(me["id"])
    reads = []
    real_get = store.get

    def counting_get(collection, record_id, consistent=True):
        if collection == "users" and record_id == me["id"]:
            reads.append(consistent)
        return real_get(collection, record_id, consistent=consistent)

    monkeypatch.setattr(store, "get", counting_get)
    for _ in range(10):
        assert api.get("/api/wechat/links", token=me["token"]).status == 200
    assert len(reads) == 1


@pytest.fixture
def protected_file(api, tmp_path, monkeypatch):
    """A record with a protected file, its owner and the file's link."""
    import json

    import requests

    from chalicelib.core.settings import default_collections_path

    with open(default_collections_path()) as f:
        raw = json.load(f)
    raw.append({"name": "vault", "type": "base", "listRule": "owner = @request.auth.id",
                "viewRule": "owner = @request.auth.id", "createRule": "owner = @request.auth.id",
                "updateRule": "owner = @request.auth.id", "deleteRule": None,
                "fields": [{"name": "owner", "type": "relation", "collectionId": "_pb_users_auth_", "maxSelect": 1},
                           {"name": "doc", "type": "file", "maxSelect": 1, "protected": True}]})
    path = tmp_path / "collections.json"
    path.write_text(json.dumps(raw))
    monkeypatch.setenv("WXBASE_COLLECTIONS", str(path))
    owner = _user(api, "vault-owner")
    ticket = api.post("/api/files/upload", {"collection": "vault", "field": "doc", "filename": "a.txt", "size": 5,
                                            "contentType": "text/plain"}, token=owner["token"]).json
    sent = requests.post(ticket["url"], data=ticket["fields"], files={"file": ("a.txt", b"hello", "text/plain")},
                         timeout=10)
    assert sent.status_code in (200, 204), sent.text
    created = api.post("/api/collections/vault/records", {"id": ticket["recordId"], "owner": owner["id"],
                                                          "doc": ticket["name"]}, token=owner["token"])
    assert created.status == 200, created
    return owner, f"/api/files/vault/{ticket['recordId']}/{ticket['name']}"
