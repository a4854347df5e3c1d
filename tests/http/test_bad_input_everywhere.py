"""Every route, fed hostile input — invalid JSON, the wrong JSON type, an oversized body, junk path values and query
strings, with and without credentials — answers a clear 4xx in PocketBase's shape: never a 500."""
import re

import pytest

from tests.stackenv import ADMIN_KEY, APP1

PATH_VALUES = {"collection": "posts", "record_id": "aaaaaaaaaaaaaaa", "filename": "x_aaaaaaaaaa.png", "appid": APP1,
               "message_id": "nope"}
BODYLESS = {"/api/collections/users/auth-refresh", "/api/files/token"}  # POSTs that read no body (as PocketBase)
BODIES = [b"{not json", b"[1, 2]", b'"text"', b"null", b'{"a": ' * 200 + b"1" + b"}" * 200, b"\xff\xfe"]


def _routes():
    import app

    for path, methods in sorted(app.app.routes.items()):
        for method, entry in methods.items():
            yield path, method, entry.content_types


ROUTES = list(_routes())


def _concrete(path):
    return re.sub(r"{(\w+)}", lambda m: PATH_VALUES.get(m.group(1), "x"), path)


def _assert_clean_4xx(reply, what):
    assert 400 <= reply.status < 500, (what, reply)
    if reply.headers.get("content-type", "").startswith("application/json"):
        body = reply.json
        assert body["status"] == reply.status and body["message"], (what, body)


@pytest.fixture(scope="module")
def user_token(chalice_app):
    from chalice.test import Client

    from tests.conftest import PROJECT_DIR

    with Client(chalice_app, stage_name="local", project_dir=PROJECT_DIR) as client:
        reply = client.http.post("/api/wechat/login", headers={"Content-Type": "application/json"},
                                 body=('{"code":"sandbox-hostile","appid":"%s"}' % APP1).encode())
        return reply.json_body["token"]


@pytest.mark.parametrize("path,method,content_types", [r for r in ROUTES if r[1] in ("POST", "PATCH")])
def test_hostile_bodies_get_clean_4xx(api, user_token, path, method, content_types):
    content_type = content_types[0] if content_types else "application/json"
    for token in (None, user_token, ADMIN_KEY):
        for body in BODIES:
            reply = api.request(method, _concrete(path), body, token=token, headers={"Content-Type": content_type})
            if path in BODYLESS and reply.status < 400:
                continue
            _assert_clean_4xx(reply, (method, path, body[:20], bool(token)))
        huge = api.request(method, _concrete(path), b'{"a":"' + b"x" * (2 * 1024 * 1024) + b'"}', token=token,
                           headers={"Content-Type": content_type})
        assert huge.status == 413, (method, path, huge)


@pytest.mark.parametrize("path,method,content_types", ROUTES)
def test_junk_path_values_and_query_strings_get_clean_answers(api, user_token, path, method, content_types):
    junk = re.sub(r"{(\w+)}", "%27%22%3C%3E..%2F%00" + "z" * 300, path)
    query = "?filter=%28%28%28&sort=--x&page=-1&perPage=abc&expand=a.b.c.d.e.f.g&thumb=99999x1&token=x.y.z"
    for token in (None, user_token):
        reply = api.request(method, junk + query, {} if method in ("POST", "PATCH") else None, token=token,
                            headers={"Content-Type": (content_types or ["application/json"])[0]})
        assert reply.status < 500, (method, path, reply)
