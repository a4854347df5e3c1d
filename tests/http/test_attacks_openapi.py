"""The OpenAPI document says what the API does: every request body is declared (from the object the route reads it
with), and real answers — hidden emails, empty relations and files, expands, logins — validate against it with
formats checked."""
import jsonschema_rs
import pytest

from tests.records_helpers import ADMIN, post, user
from tests.stackenv import APP1

BODYLESS = {("/api/collections/{collection}/auth-refresh", "post"), ("/api/files/token", "post")}


@pytest.fixture(scope="module")
def document(chalice_app):
    from chalicelib.routes import openapi_doc

    return openapi_doc.build(chalice_app)


def _valid(document, schema, value):
    validator = jsonschema_rs.validator_for({**schema, "components": document["components"]},
                                            validate_formats=True)
    errors = [e.message for e in validator.iter_errors(value)]
    assert errors == [], (errors, value)


def _answer(document, path, method, status="200"):
    return document["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]


def test_every_route_that_reads_a_body_declares_it(document):
    missing = [(path, method) for path, item in document["paths"].items() for method, op in item.items()
               if method in ("post", "patch", "put") and "requestBody" not in op and (path, method) not in BODYLESS]
    assert missing == []
    login = document["paths"]["/api/wechat/login"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert login["required"] == ["code"] and login["properties"]["code"]["maxLength"] == 256


def test_a_declared_body_and_the_route_refuse_the_same_things(api, document):
    from chalicelib.routes.login import LOGIN_BODY

    schema = LOGIN_BODY.schema()
    for body in ({}, {"code": ""}, {"code": 5}, {"code": "x" * 257}, {"code": "c", "appid": ["x"]}):
        assert not jsonschema_rs.is_valid(schema, body), body
        assert api.post("/api/wechat/login", body).status == 400, body


def test_real_answers_validate_with_formats(api, document):
    login = api.post("/api/wechat/login", {"code": "sandbox-openapi-answers", "appid": APP1})
    _valid(document, _answer(document, "/api/wechat/login", "post"), login.json)
    me = {"token": login.json["token"], "id": login.json["record"]["id"]}
    assert login.json["record"]["email"] == ""  # the user sees their own (empty) email: "" is allowed
    mine = post(api, me, status="published")
    assert mine["cover"] == "" and login.json["record"]["avatar"] == ""  # empty single files validate
    record = _answer(document, "/api/collections/{collection}/records/{record_id}", "get")
    listing = _answer(document, "/api/collections/{collection}/records", "get")
    for path, token in ((f"/api/collections/posts/records/{mine['id']}?expand=owner", me["token"]),
                        (f"/api/collections/users/records/{me['id']}?fields=id,name", me["token"]),
                        (f"/api/collections/users/records/{me['id']}", me["token"]),
                        ("/api/collections/posts/records?fields=title,owner&perPage=5", None),
                        ("/api/collections/users/records?perPage=5", ADMIN),
                        ("/api/collections/comments/records?perPage=5", None)):
        reply = api.get(path, token=token)
        assert reply.status == 200, (path, reply)
        _valid(document, listing if "?" in path and "/records?" in path else record, reply.json)
    expanded = api.get(f"/api/collections/posts/records/{mine['id']}?expand=owner", token=me["token"]).json
    assert expanded["expand"]["owner"]["id"] == me["id"]
    refreshed = api.post("/api/collections/users/auth-refresh", token=me["token"])
    _valid(document, _answer(document, "/api/collections/{collection}/auth-refresh", "post"), refreshed.json)
