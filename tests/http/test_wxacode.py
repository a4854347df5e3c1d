"""Mini-program codes over HTTP: made once per distinct request (also under concurrent identical requests), stored
in S3 behind a permanent link, WeChat's rules checked before calling it and its refusals answered as clear 4xx."""
import itertools
import struct
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
import requests

from tests.stackenv import ADMIN_KEY, APP1, APP2, OA

CODES = "/api/wechat/wxacode"
WECHAT = "/wxa/getwxacodeunlimit"
_n = itertools.count()


def scene():
    return f"id={next(_n)}&t={int(time.time() * 1000) % 10**9}"


@pytest.fixture
def user(api, sandbox):
    return api.login(f"coder-{next(_n)}", APP1)["token"]


def png_size(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def fetch(api, url):
    """Follow the permanent link as a mini-program's <image> would: the API redirect, then storage."""
    path = urlsplit(url).path
    reply = api.get(path)
    assert reply.status == 302, reply
    image = requests.get(reply.headers["location"], timeout=10)
    assert image.status_code == 200
    return reply, image


def test_a_code_is_made_once_and_served_from_storage(api, sandbox, user):
    body = {"scene": scene(), "page": "pages/post/post", "width": 300}
    made = api.post(CODES, body, token=user)
    assert made.status == 200, made
    url = made.json["url"]
    assert url.endswith(".png") and f"/api/wechat/wxacode/{APP1}/" in url
    redirect, image = fetch(api, url)
    assert png_size(image.content) == (300, 300)
    assert redirect.headers["cache-control"].startswith("public")
    assert sandbox.calls(WECHAT) == 1

    again = api.post(CODES, {**body, "page": "/pages/post/post"}, token=user)  # the same request, normalized
    assert again.json["url"] == url and sandbox.calls(WECHAT) == 1
    other = api.post(CODES, {**body, "width": 430}, token=user)
    assert other.json["url"] != url and sandbox.calls(WECHAT) == 2
    assert png_size(fetch(api, other.json["url"])[1].content) == (430, 430)
    # the image depends on the parameters: another scene, other pixels
    third = api.post(CODES, {**body, "scene": scene()}, token=user)
    assert fetch(api, third.json["url"])[1].content != image.content


def test_concurrent_identical_requests_call_wechat_once(live, sandbox, user):
    body = {"scene": scene(), "page": "pages/index/index"}
    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda _: live.post(CODES, body, token=user), range(8)))
    assert [r.status for r in replies] == [200] * 8
    assert len({r.json["url"] for r in replies}) == 1
    assert sandbox.calls(WECHAT) == 1


def test_admins_name_the_app_and_users_default_to_theirs(api, sandbox, user):
    by_admin = api.post(CODES, {"scene": "a=1", "appid": APP2}, token=ADMIN_KEY)
    assert by_admin.status == 200 and f"/wxacode/{APP2}/" in by_admin.json["url"]
    no_app = api.post(CODES, {"scene": "a=1"}, token=ADMIN_KEY)  # two mini-programs: which one?
    assert no_app.status == 400 and "appid" in no_app.json["data"]
    not_mp = api.post(CODES, {"scene": "a=1", "appid": OA}, token=user)
    assert not_mp.status == 400 and "appid" in not_mp.json["data"]
    unknown = api.post(CODES, {"scene": "a=1", "appid": "wxnope0000000000"}, token=user)
    assert unknown.status == 400 and "appid" in unknown.json["data"]


@pytest.mark.parametrize("body,field,code", [
    ({}, "scene", "validation_required"),
    ({"scene": "x" * 33}, "scene", "validation_invalid_scene"),
    ({"scene": "id=中文"}, "scene", "validation_invalid_scene"),
    ({"scene": "a%20b"}, "scene", "validation_invalid_scene"),
    ({"scene": "a b"}, "scene", "validation_invalid_scene"),
    ({"scene": 12}, "scene", "validation_invalid_type"),
    ({"scene": "a=1", "page": "pages/a?x=1"}, "page", "validation_invalid_page"),
    ({"scene": "a=1", "page": "pages/a/scancode_time"}, "page", "validation_invalid_page"),
    ({"scene": "a=1", "width": 279}, "width", "validation_invalid_value"),
    ({"scene": "a=1", "width": 1281}, "width", "validation_invalid_value"),
    ({"scene": "a=1", "width": "430"}, "width", "validation_invalid_type"),
    ({"scene": "a=1", "envVersion": "beta"}, "envVersion", "validation_invalid_value"),
])
def test_bad_parameters_never_reach_wechat(api, sandbox, user, body, field, code):
    reply = api.post(CODES, body, token=user)
    assert reply.status == 400, reply
    assert reply.json["data"][field]["code"] == code
    assert sandbox.calls(WECHAT) == 0


def test_wechat_refusals_are_clear_and_leave_nothing_behind(api, sandbox, user):
    missing = api.post(CODES, {"scene": scene(), "page": "drafts/new"}, token=user)  # not a released page
    assert missing.status == 400 and missing.json["data"]["page"]["code"] == "validation_invalid_page"
    assert missing.json["data"]["errcode"] == 41030
    trial = api.post(CODES, {"scene": scene(), "page": "drafts/new", "envVersion": "trial"}, token=user)
    assert trial.status == 200  # trial and develop codes don't check the page (WeChat's check_path)

    body = {"scene": scene()}
    sandbox.fail(WECHAT, 45009)
    quota = api.post(CODES, body, token=user)
    assert quota.status == 429 and quota.json["data"]["errcode"] == 45009 and quota.headers["retry-after"]
    sandbox.fail(WECHAT, -1, times=3)
    busy = api.post(CODES, body, token=user)
    assert busy.status == 503
    sandbox.fail(WECHAT, 40097)
    assert api.post(CODES, body, token=user).status == 400
    sandbox.fail(WECHAT, 85096)
    assert api.post(CODES, body, token=user).json["data"]["page"]["code"] == "validation_invalid_page"
    sandbox.fail(WECHAT, 40129)
    assert api.post(CODES, body, token=user).json["data"]["scene"]["code"] == "validation_invalid_scene"
    made = api.post(CODES, body, token=user)  # each failure released its claim: this one generates
    assert made.status == 200
    fetch(api, made.json["url"])


def test_guests_are_refused_and_unknown_links_are_404(api, sandbox):
    assert api.post(CODES, {"scene": "a=1"}).status == 401
    assert api.post(CODES, {"scene": "a=1"}, token="forged").status == 401
    assert api.get(f"/api/wechat/wxacode/{APP1}/{'0' * 40}.png").status == 404
    assert api.get(f"/api/wechat/wxacode/{APP1}/..%2F..%2Fetc.png").status == 404
    assert sandbox.calls(WECHAT) == 0


def test_users_have_an_hourly_budget_of_new_codes(api, sandbox, user, monkeypatch):
    monkeypatch.setenv("WXBASE_WECHAT_BUDGETS", '{"wxacode": {"perUser": 2}}')
    kept = scene()
    first = api.post(CODES, {"scene": kept}, token=user)
    assert api.post(CODES, {"scene": scene()}, token=user).status == 200
    limited = api.post(CODES, {"scene": scene()}, token=user)
    assert limited.status == 429 and int(limited.headers["retry-after"]) > 0
    assert sandbox.calls(WECHAT) == 2
    again = api.post(CODES, {"scene": kept}, token=user)
    assert again.status == 200 and again.json["url"] == first.json["url"]  # codes already made are free
    assert api.post(CODES, {"scene": scene(), "appid": APP1}, token=ADMIN_KEY).status == 200  # the app's budget only


def test_with_a_cdn_the_link_is_the_cdn_url(api, sandbox, user, monkeypatch):
    monkeypatch.setenv("WXBASE_FILES_CDN_URL", "https://cdn.example.com/")
    made = api.post(CODES, {"scene": scene()}, token=user).json
    assert made["url"].startswith(f"https://cdn.example.com/wxacode/{APP1}/") and made["url"].endswith(".png")
    from chalicelib.store import objects

    stored = objects.head(made["url"].split("cdn.example.com/", 1)[1])
    assert stored and stored["contentType"] == "image/png"
    png = requests.get(objects.signed_get_url(made["url"].split("cdn.example.com/", 1)[1], 60), timeout=10).content
    assert zlib.decompress(png[41:-16])  # a complete PNG: its image data inflates
