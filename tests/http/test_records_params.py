"""List parameters read as strictly as PocketBase reads them (Go's strconv), and expand paths normalized as
PocketBase normalizes them."""
from urllib.parse import urlencode

import pytest

from tests.records_helpers import ADMIN, post, user

POSTS = "/api/collections/posts/records"


def _list(api, **query):
    return api.get(f"{POSTS}?{urlencode({'fields': 'id', **query})}", token=ADMIN)


@pytest.mark.parametrize("value, skipped", [("1", True), ("TRUE", True), ("T", True), ("t", True), ("0", False),
                                            ("FALSE", False), ("", False)])
def test_skip_total_takes_go_bools(api, value, skipped):
    reply = _list(api, skipTotal=value)
    assert reply.status == 200 and (reply.json["totalItems"] == -1) == skipped


@pytest.mark.parametrize("name, value", [("skipTotal", "yes"), ("skipTotal", "tRuE"), ("skipTotal", " true"),
                                         ("page", " 1"), ("page", "1_0"), ("page", "٣"), ("page", "1.5"),
                                         ("page", "99999999999999999999"), ("perPage", "0x10"), ("perPage", "2.0")])
def test_odd_values_are_400_naming_the_parameter(api, name, value):
    reply = _list(api, **{name: value})
    assert reply.status == 400 and reply.json["data"][name]["code"] == "validation_invalid_value"


def test_whole_numbers_as_go_reads_them(api):
    assert _list(api, page="01", perPage="007").json["perPage"] == 7
    assert _list(api, page="+1").json["page"] == 1
    assert _list(api, page="-3", perPage="-5").json["perPage"] == 30


def test_expand_paths_lose_spaces_and_stray_dots(api):
    alice = user(api)
    made = post(api, alice)
    for expand in ("owner.", ".owner", " own er ", "..owner..", "owner,,"):
        reply = api.get(f"{POSTS}/{made['id']}?expand={expand}&fields=expand.owner.id", token=alice["token"])
        assert reply.status == 200 and reply.json == {"expand": {"owner": {"id": alice["id"]}}}, expand
    assert "expand" not in api.get(f"{POSTS}/{made['id']}?expand=owner..x", token=alice["token"]).json


def test_ids_as_json_numbers_and_an_id_change_refused(api):
    alice = user(api)
    numbered = api.post("/api/collections/posts/records", {"id": 123456789012345, "title": "numbered",
                                                          "status": "published"}, token=alice["token"])
    assert numbered.status == 200 and numbered.json["id"] == "123456789012345"
    short = api.post("/api/collections/posts/records", {"id": 12, "title": "short", "status": "published"},
                     token=alice["token"])
    assert short.status == 400 and short.json["data"]["id"]["code"] == "validation_min_text_constraint"
    made = post(api, alice)
    for new_id in ("zzzzzzzzzzzzzzz", "", None, 5):
        reply = api.patch(f"{POSTS}/{made['id']}", {"id": new_id, "title": "renamed"}, token=alice["token"])
        assert reply.status == 400 and reply.json["data"] == {"id": {
            "code": "validation_pk_change", "message": "The record primary key cannot be changed."}}, new_id
    assert api.get(f"{POSTS}/{made['id']}", token=alice["token"]).json["title"] == made["title"]
    same = api.patch(f"{POSTS}/{made['id']}", {"id": made["id"], "title": "renamed"}, token=alice["token"])
    assert same.status == 200 and same.json["title"] == "renamed"
