"""WeChat login over HTTP against the sandbox: new and returning users, unionid across apps, WeChat errors."""
import base64

from tests.stackenv import APP1, APP2, OA

LOGIN = "/api/wechat/login"


def identity_item(ddb, appid, openid):
    from chalicelib.store import keys, table

    return ddb.get_item(TableName="wxbase-test", Key=table.serialize(keys.identity(appid, openid))).get("Item")


def test_new_user_then_returning_user(api, sandbox):
    first = api.login("alice-new", APP1)
    assert first["meta"] == {"isNew": True, "appid": APP1, "openid": first["meta"]["openid"]}
    record = first["record"]
    assert record["collectionName"] == "users" and record["collectionId"] == "_pb_users_auth_"
    assert len(record["id"]) == 15 and record["id"].isalnum() and record["id"].lower() == record["id"]
    assert record["created"].endswith("Z") and len(record["created"]) == len("2026-01-01 00:00:00.000Z")
    assert "_tokenKey" not in record and "session_key" not in str(first)

    again = api.login("alice-new", APP1)
    assert again["meta"]["isNew"] is False
    assert again["record"]["id"] == record["id"]
    assert sandbox.calls("/sns/jscode2session") == 2


def test_session_key_is_stored_server_side_and_never_returned(api, sandbox, ddb):
    reply = api.post(LOGIN, {"code": "sandbox-keyholder", "appid": APP1})
    assert reply.status == 200
    openid = reply.json["meta"]["openid"]
    session_key = sandbox.session_key(APP1, openid)
    assert session_key not in reply.text
    item = identity_item(ddb, APP1, openid)
    assert item["session_key"]["S"] == session_key
    # a later login stores the newer session_key
    api.post(LOGIN, {"code": "sandbox-keyholder", "appid": APP1})
    newer = sandbox.session_key(APP1, openid)
    assert newer != session_key
    assert identity_item(ddb, APP1, openid)["session_key"]["S"] == newer


def test_same_unionid_through_two_apps_is_one_user(api):
    via_app1 = api.login("bob-union", APP1)
    via_app2 = api.login("bob-union", APP2)
    assert via_app1["meta"]["openid"] != via_app2["meta"]["openid"]
    assert via_app2["record"]["id"] == via_app1["record"]["id"]
    assert via_app2["meta"]["isNew"] is False


def test_without_unionid_apps_stay_separate(api, sandbox):
    sandbox.add_user(APP1, "code-nounion-1", "openid-nounion-1", base64.b64encode(b"k" * 16).decode())
    sandbox.add_user(APP2, "code-nounion-2", "openid-nounion-2", base64.b64encode(b"j" * 16).decode())
    one = api.post(LOGIN, {"code": "code-nounion-1", "appid": APP1}).json
    two = api.post(LOGIN, {"code": "code-nounion-2", "appid": APP2}).json
    assert one["meta"]["isNew"] and two["meta"]["isNew"]
    assert one["record"]["id"] != two["record"]["id"]


def test_fixture_user_returns_exact_openid(api, sandbox):
    sandbox.add_user(APP1, "fixture-code-1", "oFixtureOpenid0001", base64.b64encode(b"x" * 16).decode(), "uFix1")
    reply = api.post(LOGIN, {"code": "fixture-code-1", "appid": APP1})
    assert reply.status == 200 and reply.json["meta"]["openid"] == "oFixtureOpenid0001"


def test_invalid_code_is_400_with_clear_message(api):
    reply = api.post(LOGIN, {"code": "not-a-sandbox-code", "appid": APP1})
    assert reply.status == 400
    assert reply.json["status"] == 400
    assert "code" in reply.json["message"] and "expired" in reply.json["message"]
    assert reply.json["data"] == {"errcode": 40029}


def test_code_already_used_is_400(api, sandbox):
    sandbox.fail("/sns/jscode2session", 40163)
    reply = api.post(LOGIN, {"code": "sandbox-used", "appid": APP1})
    assert reply.status == 400 and "already been used" in reply.json["message"]


def test_wechat_busy_is_retried_then_succeeds(api, sandbox):
    sandbox.fail("/sns/jscode2session", -1, times=2)
    reply = api.post(LOGIN, {"code": "sandbox-busy-once", "appid": APP1})
    assert reply.status == 200
    assert sandbox.calls("/sns/jscode2session") == 3


def test_wechat_busy_every_time_is_503_after_bounded_retries(api, sandbox):
    sandbox.fail("/sns/jscode2session", -1, times=10)
    reply = api.post(LOGIN, {"code": "sandbox-busy", "appid": APP1})
    assert reply.status == 503 and reply.json["status"] == 503
    assert sandbox.calls("/sns/jscode2session") == 3


def test_wechat_http_error_page_is_retried(api, sandbox):
    sandbox.fail("/sns/jscode2session", status=502)
    reply = api.post(LOGIN, {"code": "sandbox-bad-gateway", "appid": APP1})
    assert reply.status == 200 and sandbox.calls("/sns/jscode2session") == 2


def test_blocked_user_is_403(api, sandbox):
    sandbox.fail("/sns/jscode2session", 40226)
    reply = api.post(LOGIN, {"code": "sandbox-risky-user", "appid": APP1})
    assert reply.status == 403 and "blocked" in reply.json["message"]


def test_rate_limited_is_429(api, sandbox):
    sandbox.fail("/sns/jscode2session", 45011)
    reply = api.post(LOGIN, {"code": "sandbox-hasty", "appid": APP1})
    assert reply.status == 429


def test_wechat_unreachable_is_503(api, monkeypatch):
    monkeypatch.setenv("WECHAT_API_BASE", "http://127.0.0.1:9")  # nothing listens on the discard port
    reply = api.post(LOGIN, {"code": "sandbox-offline", "appid": APP1})
    assert reply.status == 503 and reply.json["message"].startswith("WeChat could not be reached")


def test_appid_from_referer(api):
    reply = api.post(LOGIN, {"code": "sandbox-referer"},
                     headers={"Referer": f"https://servicewechat.com/{APP2}/3/page-frame.html"})
    assert reply.status == 200 and reply.json["meta"]["appid"] == APP2


def test_appid_required_when_several_miniprograms(api):
    reply = api.post(LOGIN, {"code": "sandbox-noappid"})
    assert reply.status == 400 and reply.json["data"]["appid"]["code"] == "validation_required"


def test_appid_optional_with_one_miniprogram(api, monkeypatch):
    import json

    from tests.stackenv import TEST_APPS

    monkeypatch.setenv("WXBASE_APPS", json.dumps([TEST_APPS[0], TEST_APPS[2]]))
    reply = api.post(LOGIN, {"code": "sandbox-single"})
    assert reply.status == 200 and reply.json["meta"]["appid"] == APP1


def test_unknown_appid_and_official_account_are_rejected(api):
    unknown = api.post(LOGIN, {"code": "sandbox-x", "appid": "wxunknown"})
    assert unknown.status == 400 and unknown.json["data"]["appid"]["code"] == "validation_invalid_value"
    official = api.post(LOGIN, {"code": "sandbox-x", "appid": OA})
    assert official.status == 400 and "not a mini-program" in official.json["message"]


def test_wrong_app_secret_is_reported_without_the_secret(api, monkeypatch):
    import json

    from tests.stackenv import TEST_APPS

    broken = dict(TEST_APPS[0], secret="definitely-wrong-secret")
    monkeypatch.setenv("WXBASE_APPS", json.dumps([broken]))
    reply = api.post(LOGIN, {"code": "sandbox-x", "appid": APP1})
    assert reply.status == 502 and "AppSecret" in reply.json["message"]
    assert "definitely-wrong-secret" not in reply.text


def test_auth_with_oauth2_takes_a_wechat_code(api):
    body = {"provider": "wechat", "code": "sandbox-oauth-user", "codeVerifier": "", "redirectURL": "",
            "createData": {"appid": APP1}}
    first = api.post("/api/collections/users/auth-with-oauth2", body)
    assert first.status == 200 and first.json["meta"]["isNew"] is True and first.json["token"]
    again = api.post("/api/collections/users/auth-with-oauth2", body)
    assert again.json["record"]["id"] == first.json["record"]["id"] and again.json["meta"]["isNew"] is False
    other = api.post("/api/collections/users/auth-with-oauth2", dict(body, provider="github"))
    assert other.status == 400 and other.json["data"]["provider"]["code"] == "validation_invalid_value"
    bad = api.post("/api/collections/users/auth-with-oauth2", dict(body, createData={"appid": 5}))
    assert bad.status == 400 and "appid" in bad.json["data"]
