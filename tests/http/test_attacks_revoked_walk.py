"""Every authenticated route, walked from the OpenAPI document with a token whose session was ended: each answers
exactly what it answers a caller with no token at all (a guest's answer where a guest is served; a refusal where a
user or an admin is required), never what the user would get. The realtime socket's actions: test_attacks_realtime.py."""
import pytest

from tests.records_helpers import post
from tests.stackenv import APP1, APP2

SIGN_OUT = "/api/collections/users/sign-out-everywhere"
UNAUTHENTICATED = {  # routes a WeChat server or a sign-in form calls: no user token involved
    ("/api/wechat/callback/{appid}", "get"), ("/api/wechat/callback/{appid}", "post"),
    ("/api/wechat/login", "post"), ("/api/admins/auth-with-key", "post"),
    ("/api/collections/users/auth-with-oauth2", "post"),
}


def _bodies(victim, draft):
    return {
        "/api/collections/{collection}/records": {"title": "as the victim", "status": "draft", "owner": victim},
        "/api/collections/{collection}/records/{record_id}": {"title": "owned"},
        "/api/files/upload": {"collection": "posts", "recordId": draft, "field": "cover", "filename": "a.png",
                              "size": 10, "contentType": "image/png"},
        "/api/functions/{name}": {}, "/api/functions/whoami": {},
        "/api/wechat/wxacode": {"scene": "walk=1"}, "/api/wechat/url-link": {"path": "pages/index/index"},
        "/api/wechat/phone": {"code": "sandbox-phone-13900000077"},
        "/api/wechat/links": {"appid": APP2, "code": "sandbox-walk-link"},
        "/api/wechat/subscribe-messages": {"template_id": "t", "data": {"thing1": {"value": "x"}}},
        "/api/wechat/decrypt": {"encryptedData": "AAAA", "iv": "AAAAAAAAAAAAAAAAAAAAAA=="},
    }


def _path(template, victim, draft):
    return (template.replace("{collection}", "posts").replace("{record_id}", draft).replace("{user_id}", victim)
            .replace("{appid}", APP1).replace("{name}", "whoami").replace("{filename}", "a.png")
            .replace("{message_id}", "m" * 15))


@pytest.fixture(scope="module")
def document(chalice_app):
    from chalicelib.routes import openapi_doc

    return openapi_doc.build(chalice_app)


def test_every_route_answers_an_ended_session_as_it_answers_no_token(api, sandbox, document):
    login = api.login("walk-victim", APP1)
    victim, stolen = login["record"]["id"], login["token"]
    draft = post(api, {"token": stolen, "id": victim}, status="draft")["id"]
    assert api.get(f"/api/collections/posts/records/{draft}", token=stolen).status == 200
    assert api.post(SIGN_OUT, token=api.login("walk-victim", APP1)["token"]).status == 204

    bodies, walked = _bodies(victim, draft), []
    for template, item in sorted(document["paths"].items()):
        for method in sorted(item):
            if (template, method) in UNAUTHENTICATED or template.startswith("/api/functions/fx_"):
                continue  # (fx_: other tests' functions, e.g. one that fails on purpose)
            path, body = _path(template, victim, draft), None
            if method in ("post", "patch", "put"):
                body = bodies.get(template, {})
            revoked = api.request(method.upper(), path, body, token=stolen)
            anonymous = api.request(method.upper(), path, body)
            assert revoked.status < 500, (method, template, revoked)
            if anonymous.status in (401, 403):  # refused either way (a user-looking token at an admin route: 403)
                assert revoked.status in (401, 403), (method, template, revoked)
            else:
                assert (revoked.status, revoked.text) == (anonymous.status, anonymous.text), (method, template)
            walked.append((method, template))
    assert len(walked) >= 40
    # and the walk was worth it: the same token before its session ended opened the draft
    owner_view = api.get(f"/api/collections/posts/records/{draft}", token=api.login("walk-victim", APP1)["token"])
    assert owner_view.status == 200 and api.get(f"/api/collections/posts/records/{draft}", token=stolen).status == 404
