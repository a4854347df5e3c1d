"""`POST /api/functions/{name}` over HTTP: users of two apps calling one function, who is allowed and refused as each
function declares (guests, users, admins, service keys), failures as a 500 naming the request id, unknown functions,
malformed bodies, and the functions in the OpenAPI document."""
import json
import logging
import secrets

import pytest
import requests

from tests import functions_fixture  # noqa: F401  (registers the test-only functions)
from tests.records_helpers import post
from tests.stackenv import ADMIN_KEY, APP1, APP2

FN = "/api/functions/"
NEEDS_TOKEN = "The request requires valid record authorization token."
NOT_ALLOWED = "The authorized record is not allowed to perform this action."


def identity(stack, appid, name):
    return requests.get(stack.sandbox.url + "/sandbox/identity", params={"appid": appid, "name": name},
                        timeout=5).json()


def test_users_of_two_apps_call_one_function_with_their_own_identity(api, stack):
    name = "fn-two-apps-" + secrets.token_hex(3)
    first, second = api.login(name, APP1), api.login(name, APP2)
    seen = {}
    for login, appid in ((first, APP1), (second, APP2)):
        reply = api.post(FN + "whoami", {}, token=login["token"])
        assert reply.status == 200, reply
        seen[appid] = reply.json
        expected = identity(stack, appid, name)
        assert reply.json == {"id": login["record"]["id"], "appid": appid, "openid": expected["openid"],
                              "unionid": expected["unionid"]}
    assert seen[APP1]["openid"] != seen[APP2]["openid"]  # one person, an openid per app
    assert seen[APP1]["unionid"] == seen[APP2]["unionid"]  # and one unionid across the apps


def test_the_context_carries_the_user_record_and_the_wechat_client_of_the_callers_app(api, sandbox):
    me = api.login("fn-wechat-" + secrets.token_hex(3), APP2)
    reply = api.post(FN + "fx_me", {}, token=me["token"])
    assert reply.status == 200, reply
    assert reply.json["user"]["id"] == me["record"]["id"] and reply.json["user"]["collectionName"] == "users"
    assert reply.json["openid"] == me["meta"]["openid"] and reply.json["admin"] is False
    reply = api.post(FN + "fx_wechat", {"text": "hello from a function"}, token=me["token"])
    assert reply.status == 200, reply
    assert reply.json == {"appid": APP2, "suggest": "pass"}
    (sent,) = sandbox.sent(APP2)
    assert sent["api"] == "custom" and sent["body"]["touser"] == me["meta"]["openid"]
    assert sent["body"]["text"] == {"content": "hello from a function"}
    assert sandbox.sent(APP1) == []
    assert api.post(FN + "fx_wechat", {"text": "sandbox-risky words"}, token=me["token"]).json["suggest"] == "risky"


def test_records_as_the_caller_follow_the_rules_and_as_admin_see_everything(api):
    alice, bob = api.login("fn-rec-a-" + secrets.token_hex(3), APP1), api.login("fn-rec-b-" + secrets.token_hex(3),
                                                                                 APP1)
    a, b = {"token": alice["token"], "id": alice["record"]["id"]}, {"token": bob["token"], "id": bob["record"]["id"]}
    target = post(api, a)
    assert api.post("/api/collections/favourites/records", {"post": target["id"], "note": "bob's"},
                    token=b["token"]).status == 200
    reply = api.post(FN + "fx_records", {"post": target["id"], "other": b["id"]}, token=a["token"])
    assert reply.status == 200, reply
    assert reply.json["mine"]["user"] == a["id"] and reply.json["mine"]["note"] == "via function"
    assert reply.json["asOther"] == 400  # the create rule refused a favourite for someone else
    assert reply.json["listed"] == [a["id"]]  # the list rule filtered bob's out
    assert reply.json["admin"] == sorted([a["id"], b["id"]])


def test_guest_user_and_admin_functions_allow_and_refuse_as_declared(api):
    me = api.login("fn-auth-" + secrets.token_hex(3), APP1)
    # guest: anyone; a broken token makes a guest, as on the records API
    assert api.post(FN + "fx_echo", {"a": 1}).json["body"] == {"a": 1}
    assert api.post(FN + "fx_echo", {}, token="not-a-token").json["user"] is None
    assert api.post(FN + "fx_echo", {}, token=me["token"]).json["user"] == me["record"]["id"]
    assert api.post(FN + "fx_echo", {}, token=ADMIN_KEY).json["admin"] is True
    # user: signed-in users (and admins, as PocketBase's RequireAuth), never guests
    for token in (None, "not-a-token"):
        refused = api.post(FN + "fx_me", {}, token=token)
        assert refused.status == 401 and refused.json == {"status": 401, "message": NEEDS_TOKEN, "data": {}}
    assert api.post(FN + "fx_me", {}, token=me["token"]).status == 200
    assert api.post(FN + "fx_me", {}, token=ADMIN_KEY).json["admin"] is True
    # admin: admin keys and admin sessions; a user is 403, nobody 401
    assert api.post(FN + "fx_admin", {}, token=me["token"]).json == {"status": 403, "message": NOT_ALLOWED,
                                                                     "data": {}}
    assert api.post(FN + "fx_admin", {}).status == 401
    assert api.post(FN + "fx_admin", {}, token="Bearer " + ADMIN_KEY).json == {
        "admin": "admin", "service": None, "isAdmin": True}
    session = api.post("/api/admins/auth-with-key", {"key": ADMIN_KEY}).json["token"]
    assert api.post(FN + "fx_admin", {}, token=session).status == 200


@pytest.fixture
def service_keys(monkeypatch):
    keys = {"orders": "svc-orders-" + secrets.token_urlsafe(24), "reports": "svc-reports-" + secrets.token_urlsafe(24)}
    monkeypatch.setenv("WXBASE_SERVICE_KEYS", json.dumps([
        {"name": "orders", "key": keys["orders"], "functions": ["fx_admin", "fx_echo", "fx_me"]},
        {"name": "reports", "key": keys["reports"], "functions": []},
    ]))
    return keys


def test_a_service_key_calls_the_admin_functions_it_lists_and_nothing_else(api, service_keys, caplog):
    orders, reports = service_keys["orders"], service_keys["reports"]
    reply = api.post(FN + "fx_admin", {}, token=orders)
    assert reply.status == 200 and reply.json == {"admin": "service:orders", "service": "orders", "isAdmin": True}
    assert api.post(FN + "fx_admin", {}, token="Bearer " + orders).status == 200
    assert api.post(FN + "fx_admin_unlisted", {}, token=orders).json["status"] == 403
    assert api.post(FN + "fx_admin", {}, token=reports).status == 403
    assert api.post(FN + "fx_admin", {}, token=orders[:-1] + ("y" if orders.endswith("x") else "x")).status == 401
    # only admin functions: elsewhere a service key is no credential at all
    assert api.post(FN + "fx_me", {}, token=orders).status == 401
    assert api.post(FN + "fx_echo", {}, token=orders).json["admin"] is False
    assert api.get("/api/collections", token=orders).status in (401, 403)
    assert api.get("/api/admin/audit", token=orders).status in (401, 403)
    assert api.get("/api/wechat/access-token/" + APP1, token=orders).status in (401, 403)
    created = api.post("/api/collections/posts/records", {"title": "x", "status": "published"}, token=orders)
    assert created.status == 400  # a guest: the create rule needs a user
    texts = [r.getMessage() + json.dumps(getattr(r, "fields", {}), default=str) for r in caplog.records]
    assert not any(orders in t or reports in t for t in texts)


def test_service_keys_may_live_in_ssm(api, monkeypatch):
    from chalicelib.core import aws

    key = "svc-ssm-" + secrets.token_urlsafe(24)
    path = "/wxbase/test/service-keys-" + secrets.token_hex(4)
    aws.client("ssm").put_parameter(Name=path, Type="SecureString", Value=json.dumps(
        [{"name": "billing", "key": key, "functions": ["fx_admin"]}]))
    monkeypatch.setenv("WXBASE_SERVICE_KEYS", "ssm:" + path)
    assert api.post(FN + "fx_admin", {}, token=key).json["service"] == "billing"


def test_malformed_service_keys_are_a_configuration_error_without_values(api, monkeypatch):
    monkeypatch.setenv("WXBASE_SERVICE_KEYS", json.dumps([{"name": "short", "key": "tiny-key", "functions": []}]))
    reply = api.post(FN + "fx_admin", {}, token="tiny-key")
    assert reply.status == 500 and "tiny-key" not in reply.text and "short" in reply.json["message"]
    assert api.post(FN + "fx_admin", {}, token=ADMIN_KEY).status == 200  # admins never need the service keys


def test_an_exception_is_a_500_with_the_request_id_and_nothing_else(api, caplog):
    caplog.set_level(logging.ERROR, logger="wxbase")
    reply = api.post(FN + "fx_boom", {"secret": "do-not-show-this"})
    assert reply.status == 500
    request_id = reply.headers["x-request-id"]
    assert reply.json == {"status": 500, "message": f"The function fx_boom failed; request id {request_id}.",
                          "data": {}}
    assert "do-not-show-this" not in reply.text and "Traceback" not in reply.text
    logged = [r for r in caplog.records if r.getMessage() == "function_failed"]
    assert logged and logged[-1].exc_info and logged[-1].request_id == request_id  # the trace stays in the log
    unserializable = api.post(FN + "fx_unserializable", {})
    assert unserializable.status == 500 and "request id" in unserializable.json["message"]


def test_an_api_error_raised_by_a_function_is_its_answer(api):
    reply = api.post(FN + "fx_refuse", {})
    assert reply.status == 400
    assert reply.json == {"status": 400, "message": "Quantity too large.", "data": {
        "qty": {"code": "validation_max_number_constraint", "message": "Must be at most 5."}}}


def test_unknown_functions_are_404_before_anything_else(api):
    for body in ({}, "{not json"):
        reply = api.post(FN + "no_such_function", body)
        assert reply.status == 404 and reply.json["data"] == {} and reply.json["message"]
    assert api.get(FN + "fx_echo").status == 404


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", '"text"', "\xff\xfe", "123"])
def test_malformed_bodies_are_400(api, body):
    reply = api.post(FN + "fx_echo", body)
    assert reply.status == 400, reply
    assert set(reply.json) == {"status", "message", "data"} and reply.json["status"] == 400


def test_an_empty_body_is_an_empty_object(api):
    assert api.post(FN + "fx_echo").json["body"] == {}


def test_auth_is_checked_before_the_body(api):
    assert api.post(FN + "fx_me", "{not json").status == 401


def test_functions_appear_in_the_openapi_document(api):
    doc = api.get("/api/openapi.json").json
    assert "post" in doc["paths"]["/api/functions/{name}"]
    whoami = doc["paths"]["/api/functions/whoami"]["post"]
    assert whoami["operationId"] == "function_whoami" and whoami["summary"].startswith("The signed-in user")
    assert "auth: user" in whoami["description"] and whoami["security"] == [{"authToken": []}]
    assert "security" not in doc["paths"]["/api/functions/fx_echo"]["post"]
    assert "auth: admin" in doc["paths"]["/api/functions/fx_admin"]["post"]["description"]


def test_files_as_the_caller_follow_the_rules(api):
    me = api.login("fn-files-" + secrets.token_hex(3), APP1)
    allowed = api.post(FN + "fx_files", {}, token=me["token"])
    assert allowed.status == 200 and allowed.json["hasUrl"] and allowed.json["key"].startswith("pbc_")
    assert api.post(FN + "fx_files", {}).status == 400  # a guest may not create posts, so may not upload to one
