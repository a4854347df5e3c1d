"""The phone call carries the user's openid in the token's app (as login does), so WeChat refuses a code that
another user obtained."""
from tests.stackenv import APP1, APP2

PATH = "/wxa/business/getuserphonenumber"


def test_binding_a_phone_sends_the_openid_of_the_tokens_app(api, sandbox):
    me = api.login("openid-phone", APP2)
    reply = api.post("/api/wechat/phone", {"code": "sandbox-phone-13500000001"}, token=me["token"])
    assert reply.status == 200, reply
    assert sandbox.requests(PATH)[-1] == {"code": "sandbox-phone-13500000001", "openid": me["meta"]["openid"]}


def test_login_with_a_phone_code_sends_the_openid_too(api, sandbox):
    reply = api.post("/api/wechat/login", {"code": "sandbox-openid-login", "appid": APP1,
                                           "phoneCode": "sandbox-phone-13500000002"})
    assert reply.status == 200, reply
    assert sandbox.requests(PATH)[-1]["openid"] == reply.json["meta"]["openid"]
