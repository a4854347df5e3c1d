"""One user across two mini-programs and an official account: automatic unionid joins, explicit attach/detach,
conflicts as errors."""
import base64

from tests.stackenv import APP1, APP2, OA

LINKS = "/api/wechat/links"
KEY = base64.b64encode(b"L" * 16).decode()


def test_two_miniprograms_and_official_account_resolve_to_one_user(api, sandbox):
    me = api.login("triple", APP1)
    assert api.login("triple", APP2)["record"]["id"] == me["record"]["id"]  # automatic, by unionid
    reply = api.post(LINKS, {"appid": OA, "code": "sandbox-triple"}, token=me["token"])
    assert reply.status == 200, reply
    apps = {item["appid"]: item for item in reply.json["items"]}
    assert set(apps) == {APP1, APP2, OA} and apps[OA]["type"] == "officialaccount"
    assert reply.json["unionid"] is True
    listed = api.get(LINKS, token=me["token"])
    assert listed.status == 200 and {i["appid"] for i in listed.json["items"]} == {APP1, APP2, OA}
    assert sandbox.calls("/sns/oauth2/access_token") == 1
    # attaching the same identity again is a no-op
    assert api.post(LINKS, {"appid": OA, "code": "sandbox-triple"}, token=me["token"]).status == 200


def test_attach_without_unionid_then_login_through_it(api, sandbox):
    sandbox.add_user(APP1, "plain-1", "o-plain-1", KEY)
    sandbox.add_user(APP2, "plain-2", "o-plain-2", KEY)
    me = api.post("/api/wechat/login", {"code": "plain-1", "appid": APP1}).json
    reply = api.post(LINKS, {"appid": APP2, "code": "plain-2"}, token=me["token"])
    assert reply.status == 200 and {i["appid"] for i in reply.json["items"]} == {APP1, APP2}
    sandbox.add_user(APP2, "plain-2b", "o-plain-2", KEY)
    again = api.post("/api/wechat/login", {"code": "plain-2b", "appid": APP2}).json
    assert again["record"]["id"] == me["record"]["id"] and again["meta"]["isNew"] is False


def test_identity_of_another_user_is_409_never_moved(api, sandbox):
    owner = api.login("link-owner", APP2)
    me = api.login("link-taker", APP1)
    reply = api.post(LINKS, {"appid": APP2, "code": "sandbox-link-owner"}, token=me["token"])
    assert reply.status == 409 and reply.json["status"] == 409
    assert api.login("link-owner", APP2)["record"]["id"] == owner["record"]["id"]


def test_different_wechat_person_is_409(api, sandbox):
    me = api.login("person-a", APP1)  # has unionid of person-a
    sandbox.add_user(OA, "oa-b", "o-oa-b", KEY, unionid="u-someone-else")
    reply = api.post(LINKS, {"appid": OA, "code": "oa-b"}, token=me["token"])
    assert reply.status == 409 and "different WeChat user" in reply.json["message"]


def test_second_identity_in_same_app_is_409(api, sandbox):
    sandbox.add_user(APP1, "same-app-1", "o-same-app-1", KEY)
    sandbox.add_user(APP1, "same-app-2", "o-same-app-2", KEY)
    me = api.post("/api/wechat/login", {"code": "same-app-1", "appid": APP1}).json
    reply = api.post(LINKS, {"appid": APP1, "code": "same-app-2"}, token=me["token"])
    assert reply.status == 409 and "detach it first" in reply.json["message"]


def test_detach(api, sandbox):
    me = api.login("detacher", APP1)
    api.login("detacher", APP2)
    assert api.delete(f"{LINKS}/{APP1}", token=me["token"]).status == 400  # signed in through it
    reply = api.delete(f"{LINKS}/{APP2}", token=me["token"])
    assert reply.status == 200 and [i["appid"] for i in reply.json["items"]] == [APP1]
    assert api.delete(f"{LINKS}/{APP2}", token=me["token"]).status == 401  # sessions end with the detach
    assert api.delete(f"{LINKS}/{APP2}", token=reply.json["token"]).status == 404
    # the unionid is still linked through APP1, so logging in through APP2 joins the same user again
    assert api.login("detacher", APP2)["record"]["id"] == me["record"]["id"]


def test_cannot_detach_the_last_identity_and_bad_input(api, sandbox):
    me = api.login("lonely", APP1)
    via_oa = api.post(LINKS, {"appid": OA, "code": "sandbox-lonely"}, token=me["token"])
    assert via_oa.status == 200
    assert api.post(LINKS, {"appid": "wxnope", "code": "x"}, token=me["token"]).status == 400
    assert api.post(LINKS, {"appid": APP2, "code": "bogus"}, token=me["token"]).status == 400
    assert api.post(LINKS, {"appid": APP2}, token=me["token"]).status == 400
    assert api.post(LINKS, {"appid": APP2, "code": "sandbox-x"}).status == 401
    assert api.get(LINKS, token="Bearer forged.token.value").status == 401
