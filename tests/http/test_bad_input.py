"""Bad input on every route gets a clear 4xx in PocketBase's error shape: never a 500, never a stack trace."""
import pytest

from tests.records_helpers import ADMIN, post, user
from tests.stackenv import APP1

JSON_ROUTES = ["/api/wechat/login"]


def assert_pocketbase_error(reply, status):
    assert reply.status == status, reply
    body = reply.json
    assert set(body) == {"status", "message", "data"} and body["status"] == status
    assert isinstance(body["message"], str) and body["message"]
    assert "Traceback" not in reply.text


@pytest.mark.parametrize("path", JSON_ROUTES)
@pytest.mark.parametrize("body", [b"{not json", b"[1,2,3]", b'"a string"', b"\xff\xfe\x00", b"null", b"42"])
def test_non_object_bodies_are_400(api, path, body):
    assert_pocketbase_error(api.post(path, body), 400)


@pytest.mark.parametrize("body,field", [
    ({}, "code"),
    ({"code": ""}, "code"),
    ({"code": 123, "appid": APP1}, "code"),
    ({"code": ["sandbox-a"], "appid": APP1}, "code"),
    ({"code": "sandbox-a", "appid": 7}, "appid"),
    ({"code": "x" * 300, "appid": APP1}, "code"),
])
def test_login_field_errors_name_the_field(api, body, field):
    reply = api.post("/api/wechat/login", body)
    assert_pocketbase_error(reply, 400)
    assert reply.json["data"][field]["code"].startswith("validation_")


def test_huge_body_is_413(api):
    reply = api.post("/api/wechat/login", b'{"code":"' + b"a" * (2 * 1024 * 1024) + b'"}')
    assert_pocketbase_error(reply, 413)


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain", "text/json",
                                          "application/xml"])
def test_unsupported_content_type_is_pocketbases_400(api, content_type):
    reply = api.post("/api/wechat/login", b"code=abc", headers={"Content-Type": content_type})
    assert_pocketbase_error(reply, 400)
    reply = api.post("/api/collections/posts/records", b'{"title": "x"}', headers={"Content-Type": content_type})
    assert_pocketbase_error(reply, 400)


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", "application/xml"])
def test_an_empty_body_is_no_data_whatever_its_content_type(api, content_type):
    """As PocketBase, which reads nothing of a body of length 0: the record's own validation answers."""
    reply = api.post("/api/collections/posts/records", b"", headers={"Content-Type": content_type}, token=ADMIN)
    assert_pocketbase_error(reply, 400)
    assert reply.json["data"]["title"]["code"] == "validation_required"
    record = post(api, user(api, "empty-body"), title="t")
    kept = api.patch(f"/api/collections/posts/records/{record['id']}", b"", headers={"Content-Type": content_type},
                     token=ADMIN)
    assert kept.status == 200 and kept.json["title"] == "t", kept
    assert_pocketbase_error(api.post("/api/wechat/login", b"", headers={"Content-Type": content_type}), 400)


def test_a_multipart_record_body_is_415(api):
    reply = api.post("/api/collections/posts/records", b"--b\r\n\r\n--b--\r\n",
                     headers={"Content-Type": "multipart/form-data; boundary=b"})
    assert_pocketbase_error(reply, 415)


def test_a_method_without_a_route_is_404(api):
    assert_pocketbase_error(api.request("PUT", "/api/wechat/login", {"code": "a"}), 404)
    assert_pocketbase_error(api.request("DELETE", "/api/health"), 404)
    assert_pocketbase_error(api.request("PUT", "/api/collections/posts/records"), 404)
    assert "allow" not in {k.lower() for k in api.request("POST", "/api/health").headers}


def test_a_trailing_slash_is_404(api, live):
    for client in (api, live):
        assert_pocketbase_error(client.get("/api/health/"), 404)
        assert_pocketbase_error(client.get("/api/collections/posts/records/"), 404)
        assert_pocketbase_error(client.post("/api/collections/posts/records/", {"title": "slashed"}), 404)
        assert client.get("/api/health").status == 200


def test_a_method_no_route_has_is_404_over_http(live):
    assert_pocketbase_error(live.request("TRACE", "/api/health"), 404)


def test_unknown_route_is_404_over_http(live):
    for path in ("/api/nothing-here", "/", "/api/collections/users/auth-refresh/extra"):
        assert_pocketbase_error(live.get(path), 404)


def test_bad_input_over_real_http(live):
    assert_pocketbase_error(live.post("/api/wechat/login", b"{"), 400)
    assert_pocketbase_error(live.post("/api/collections/users/auth-refresh", token="Bearer nope"), 401)


def test_unexpected_error_is_a_clean_500(api, monkeypatch):
    monkeypatch.setenv("WXBASE_TABLE", "table-that-does-not-exist")  # a deployment mistake, not bad input
    reply = api.post("/api/wechat/login", {"code": "sandbox-a", "appid": APP1})
    assert_pocketbase_error(reply, 500)
    assert "table-that-does-not-exist" not in reply.text and "ResourceNotFound" not in reply.text
