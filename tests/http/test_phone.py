"""Phone numbers over HTTP against the sandbox: bind, login with phoneCode, uniqueness, merge, WeChat errors."""
import base64

from tests.stackenv import APP1, APP2

PHONE = "/api/wechat/phone"
LOGIN = "/api/wechat/login"


def marker(ddb, e164):
    from chalicelib.store import keys, table

    return ddb.get_item(TableName="wxbase-test", Key=table.serialize(keys.phone_link(e164))).get("Item")


def test_bind_phone_to_logged_in_user(api, ddb, sandbox):
    me = api.login("phone-binder", APP1)
    reply = api.post(PHONE, {"code": "sandbox-phone-13800000001"}, token=me["token"])
    assert reply.status == 200, reply
    assert reply.json["record"]["phone"] == "13800000001"
    assert reply.json["record"]["id"] == me["record"]["id"]
    assert "_phone" not in reply.json["record"]
    assert marker(ddb, "+8613800000001")["user"]["S"] == me["record"]["id"]
    # binding again is idempotent
    assert api.post(PHONE, {"code": "sandbox-phone-13800000001"}, token=me["token"]).status == 200


def test_new_phone_replaces_the_old_marker(api, ddb):
    me = api.login("phone-changer", APP1)
    api.post(PHONE, {"code": "sandbox-phone-13800000011"}, token=me["token"])
    reply = api.post(PHONE, {"code": "sandbox-phone-13800000012"}, token=me["token"])
    assert reply.status == 200 and reply.json["record"]["phone"] == "13800000012"
    assert marker(ddb, "+8613800000011") is None
    assert marker(ddb, "+8613800000012")["user"]["S"] == me["record"]["id"]
    # the released number can be bound by someone else
    other = api.login("phone-changer-2", APP1)
    assert api.post(PHONE, {"code": "sandbox-phone-13800000011"}, token=other["token"]).status == 200


def test_phone_of_another_user_is_409(api, ddb):
    owner = api.login("phone-owner", APP1)
    api.post(PHONE, {"code": "sandbox-phone-13800000002"}, token=owner["token"])
    intruder = api.login("phone-intruder", APP1)
    reply = api.post(PHONE, {"code": "sandbox-phone-13800000002"}, token=intruder["token"])
    assert reply.status == 409 and reply.json["status"] == 409
    assert "already bound" in reply.json["message"]
    assert reply.json["data"]["phone"]["code"] == "validation_not_unique"
    assert marker(ddb, "+8613800000002")["user"]["S"] == owner["record"]["id"]
    me = api.post("/api/collections/users/auth-refresh", token=intruder["token"]).json["record"]
    assert not me.get("phone")


def test_login_with_phone_code_binds_in_one_call(api, ddb):
    reply = api.post(LOGIN, {"code": "sandbox-phone-login", "appid": APP1, "phoneCode": "sandbox-phone-13800000003"})
    assert reply.status == 200, reply
    assert reply.json["record"]["phone"] == "13800000003" and reply.json["meta"]["isNew"]
    assert marker(ddb, "+8613800000003")["user"]["S"] == reply.json["record"]["id"]
    # the same person through the other mini-program (shared unionid) with the same phone: same user, fine
    again = api.post(LOGIN, {"code": "sandbox-phone-login", "appid": APP2,
                             "phoneCode": "sandbox-phone-13800000003"})
    assert again.status == 200 and again.json["record"]["id"] == reply.json["record"]["id"]


def test_login_with_taken_phone_is_409_and_creates_nobody(api, ddb, sandbox):
    owner = api.post(LOGIN, {"code": "sandbox-phone-first", "appid": APP1, "phoneCode": "sandbox-phone-13800000004"})
    assert owner.status == 200
    reply = api.post(LOGIN, {"code": "sandbox-phone-second", "appid": APP1,
                             "phoneCode": "sandbox-phone-13800000004"})
    assert reply.status == 409 and "mergeToken" in reply.json["message"]
    # nothing was written for the second person: a plain login now is a new user
    plain = api.post(LOGIN, {"code": "sandbox-phone-second", "appid": APP1})
    assert plain.status == 200 and plain.json["meta"]["isNew"] is True


def test_merge_with_proof_of_both_accounts(api, ddb, sandbox):
    key = base64.b64encode(b"m" * 16).decode()
    # the same person logged in through two apps before they shared a unionid: two users
    sandbox.add_user(APP1, "merge-a", "o-merge-a", key)
    sandbox.add_user(APP2, "merge-b", "o-merge-b", key)
    a = api.post(LOGIN, {"code": "merge-a", "appid": APP1}).json
    b = api.post(LOGIN, {"code": "merge-b", "appid": APP2, "phoneCode": "sandbox-phone-13800000005"}).json
    assert a["record"]["id"] != b["record"]["id"]
    refused = api.post(PHONE, {"code": "sandbox-phone-13800000005"}, token=a["token"])
    assert refused.status == 409
    forged = api.post(PHONE, {"code": "sandbox-phone-13800000005", "mergeToken": a["token"][:-4] + "AAAA"},
                      token=a["token"])
    assert forged.status == 401
    merged = api.post(PHONE, {"code": "sandbox-phone-13800000005", "mergeToken": b["token"]}, token=a["token"])
    assert merged.status == 200, merged
    assert merged.json["record"]["id"] == a["record"]["id"] and merged.json["record"]["phone"] == "13800000005"
    # B's login now resolves to A, and B's old token is revoked
    sandbox.add_user(APP2, "merge-b-again", "o-merge-b", key)
    via_b = api.post(LOGIN, {"code": "merge-b-again", "appid": APP2}).json
    assert via_b["record"]["id"] == a["record"]["id"] and via_b["meta"]["isNew"] is False
    assert api.post("/api/collections/users/auth-refresh", token=b["token"]).status == 401
    assert marker(ddb, "+8613800000005")["user"]["S"] == a["record"]["id"]


def test_merge_of_two_people_in_the_same_app_is_refused(api):
    a = api.login("merge-person-1", APP1)
    b = api.post(LOGIN, {"code": "sandbox-merge-person-2", "appid": APP1,
                         "phoneCode": "sandbox-phone-13800000006"}).json
    reply = api.post(PHONE, {"code": "sandbox-phone-13800000006", "mergeToken": b["token"]}, token=a["token"])
    assert reply.status == 409 and "same app" in reply.json["message"]


def test_wechat_errors_and_bad_input(api, sandbox):
    me = api.login("phone-errors", APP1)
    assert api.post(PHONE, {"code": "sandbox-phone-13800000007"}).status == 401
    bad = api.post(PHONE, {"code": "not-a-phone-code"}, token=me["token"])
    assert bad.status == 400 and bad.json["data"] == {"errcode": 40029}
    assert api.post(PHONE, {"code": 12345}, token=me["token"]).status == 400
    assert api.post(PHONE, "{not json", token=me["token"]).status == 400
    sandbox.fail("/wxa/business/getuserphonenumber", 45011)
    assert api.post(PHONE, {"code": "sandbox-phone-13800000007"}, token=me["token"]).status == 429
    sandbox.fail("/wxa/business/getuserphonenumber", -1, times=5)
    assert api.post(PHONE, {"code": "sandbox-phone-13800000007"}, token=me["token"]).status == 503
    # a login whose phone code fails writes nothing
    failed = api.post(LOGIN, {"code": "sandbox-phone-never", "appid": APP1, "phoneCode": "bogus"})
    assert failed.status == 400
    assert api.post(LOGIN, {"code": "sandbox-phone-never", "appid": APP1}).json["meta"]["isNew"] is True


def test_concurrent_binds_of_one_phone_give_it_to_exactly_one_user(live, ddb):
    from concurrent.futures import ThreadPoolExecutor

    tokens = [live.post(LOGIN, {"code": f"sandbox-phone-racer-{i}", "appid": APP1}).json["token"] for i in range(8)]

    def bind(token):
        return live.post(PHONE, {"code": "sandbox-phone-13800000099"}, token=token)

    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(bind, tokens))
    assert sorted(r.status for r in replies) == [200] + [409] * 7, replies
    (winner,) = [r.json["record"]["id"] for r in replies if r.status == 200]
    assert marker(ddb, "+8613800000099")["user"]["S"] == winner


def test_phone_is_private_and_not_writable_through_the_records_api(api):
    from tests.stackenv import ADMIN_KEY

    me = api.login("phone-private", APP1)
    other = api.login("phone-snoop", APP1)
    assert api.post(PHONE, {"code": "sandbox-phone-13800000077"}, token=me["token"]).status == 200
    path = f"/api/collections/users/records/{me['record']['id']}"
    patched = api.patch(path, {"phone": "19999999999", "name": "Me"}, token=me["token"])
    assert patched.status == 200 and patched.json["phone"] == "13800000077" and patched.json["name"] == "Me"
    assert api.get(path, token=other["token"]).status == 404
    assert api.get(path, token=ADMIN_KEY).json["phone"] == "13800000077"
    listed = api.get("/api/collections/users/records?perPage=200", token=ADMIN_KEY).json["items"]
    assert all("phone" not in r or r["id"] != other["record"]["id"] for r in listed)


def test_binding_a_phone_moves_the_user_up_the_updated_order(api):
    from tests.stackenv import ADMIN_KEY

    first = api.login("phone-order-first", APP1)
    api.login("phone-order-second", APP1)
    assert api.post(PHONE, {"code": "sandbox-phone-13800000088"}, token=first["token"]).status == 200
    newest = api.get("/api/collections/users/records?sort=-updated&perPage=1", token=ADMIN_KEY).json["items"]
    assert newest[0]["id"] == first["record"]["id"]
