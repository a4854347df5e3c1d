"""The pure pieces of the WeChat extras: verdict parsing from XML- and JSON-shaped pushes, image types, request
normalization and hashing, the flag summary, and the push key of asynchronous check results."""
import pytest

from chalicelib.core.errors import BadRequest
from chalicelib.records.moderation import image_check
from chalicelib.sharing import codes, url_links
from chalicelib.wechat import media_check, push, wxacode


def test_verdicts_from_json_and_xml_pushes():
    json_push = {"trace_id": "t-1", "result": {"suggest": "risky", "label": 20002}, "errcode": 0}
    xml_push = {"trace_id": "t-2", "result": {"suggest": "review", "label": "21000"}, "errcode": "0"}
    assert media_check.verdict(json_push) == media_check.MediaVerdict("t-1", "risky", 20002, 0)
    assert media_check.verdict(xml_push) == media_check.MediaVerdict("t-2", "review", 21000, 0)
    failed = media_check.verdict({"trace_id": "t-3", "errcode": "-1008", "result": {"suggest": "pass"}})
    assert failed.suggest == "error" and failed.errcode == -1008
    assert media_check.verdict({"trace_id": "t-4", "result": "nonsense"}).suggest == "error"


def test_image_types_by_their_bytes():
    assert wxacode.image_type(b"\x89PNG\r\n\x1a\n...") == "image/png"
    assert wxacode.image_type(b"\xff\xd8\xff\xe0...") == "image/jpeg"
    assert wxacode.image_type(b'{"errcode":0}') == ""


def test_code_requests_normalize_and_hash_stably():
    a = codes.parse({"scene": "id=1", "page": "/pages/a/a"})
    b = codes.parse({"scene": "id=1", "page": "pages/a/a", "width": 430, "envVersion": "release"})
    assert a == b and a.digest("wx1") == b.digest("wx1") != a.digest("wx2")
    assert a.check_path and not codes.parse({"scene": "id=1", "envVersion": "develop"}).check_path
    assert codes.parse({"scene": "!#$&'()*+,/:;=?@-._~"}).scene  # WeChat's whole special set
    for bad in ({"scene": ""}, {"scene": "a" * 33}, {"scene": "a", "page": "pages/a?b=1"},
                {"scene": "a", "width": 2000}):
        with pytest.raises(BadRequest):
            codes.parse(bad)


def test_link_requests():
    req = url_links.parse({"path": "/pages/a/a", "query": "a=1&b=%E4"})
    assert (req.path, req.query, req.expire_days, req.env_version) == ("pages/a/a", "a=1&b=%E4", 30, "release")
    with pytest.raises(BadRequest):
        url_links.parse({"path": "pages/a", "query": "a=<b>"})


def test_the_worst_file_speaks_for_the_field():
    files = {"a.png": {"suggest": "review", "label": 21000, "traceId": "1", "at": "2026-01-01 00:00:00.000Z"},
             "b.png": {"suggest": "risky", "label": 20002, "traceId": "2", "at": "2025-01-01 00:00:00.000Z"}}
    flags = {}
    image_check.set_field_flag(flags, "images", files)
    assert flags["images"]["suggest"] == "risky" and flags["images"]["traceId"] == "2"
    assert flags["images"]["at"] == "2026-01-01 00:00:00.000Z"
    data = {"@review": flags}
    assert image_check.is_held(data, "images", "b.png") and not image_check.is_held(data, "images", "a.png")
    assert not image_check.is_held({"@review": {"images": {"label": 1}}}, "images", "b.png")  # a text-style flag
    image_check.set_field_flag(flags, "images", {})
    assert flags == {}


def test_check_results_in_the_same_second_have_their_own_push_keys():
    base = {"ToUserName": "gh_x", "FromUserName": "o-platform", "CreateTime": "1700000000", "MsgType": "event",
            "Event": "wxa_media_check"}
    first = push.message_key({**base, "trace_id": "a"}, b"1")
    second = push.message_key({**base, "trace_id": "b"}, b"2")
    assert first != second and first == push.message_key({**base, "trace_id": "a"}, b"other bytes")
    plain = {"FromUserName": "o-user", "CreateTime": "1700000000", "Event": "subscribe"}
    assert push.message_key(plain, b"x") == push.message_key(dict(plain), b"y")
