"""Image content security over HTTP: images attached to `secCheck` file fields go to wxa/media_check_async, the
wxa_media_check push (callback → queue → worker) flags the record, a risky image's link answers 404 until an admin
clears the flag; WeChat's quota and its two-hour rule; redelivered verdicts applied once."""
import copy
import itertools
import json
import os
import time

import pytest
import requests

from chalicelib.records.schema.collections import SchemaError, load
from chalicelib.store import keys, table
from tests.records_helpers import review_entries, use_collections
from tests.stackenv import ADMIN_KEY, APP1, TEST_APPS
from tests.wechat_extras import extras, push  # noqa: F401 (fixtures)

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
APP1_CONF = TEST_APPS[0]
CHECK = "/wxa/media_check_async"
PHOTOS = "/api/collections/photos/records"
PHOTOS_COLLECTION = {
    "id": "pbc_photos00001", "name": "photos", "type": "base",
    "listRule": "", "viewRule": "", "createRule": '@request.auth.id != "" && owner = @request.auth.id',
    "updateRule": "owner = @request.auth.id", "deleteRule": "owner = @request.auth.id",
    "fields": [
        {"name": "title", "type": "text"},
        {"name": "owner", "type": "relation", "collectionId": "_pb_users_auth_", "maxSelect": 1, "required": True},
        {"name": "images", "type": "file", "maxSelect": 3, "maxSize": 1048576,
         "mimeTypes": ["image/png", "image/jpeg", "application/pdf"], "secCheck": {"scene": "social"}},
        {"name": "attachment", "type": "file", "maxSelect": 1, "maxSize": 1048576},
    ],
    "indexes": [],
}
PNG = b"\x89PNG\r\n\x1a\n"
_n = itertools.count()


@pytest.fixture(autouse=True)
def with_photos(tmp_path, monkeypatch):
    use_collections(tmp_path, monkeypatch, PHOTOS_COLLECTION)


@pytest.fixture
def alice(api, sandbox):
    login = api.login(f"photographer-{next(_n)}", APP1)
    return {"token": login["token"], "id": login["record"]["id"], "openid": login["meta"]["openid"]}


def upload(api, token, data, content_type="image/png", field="images", record_id=None):
    body = {"collection": "photos", "field": field, "filename": "pic.png", "size": len(data),
            "contentType": content_type}
    if record_id:
        body["recordId"] = record_id
    answer = api.post("/api/files/upload", body, token=token)
    assert answer.status == 200, answer
    sent = requests.post(answer.json["url"], data=answer.json["fields"],
                         files={"file": ("wxfile://tmp", data, content_type)}, timeout=10)
    assert sent.status_code == 204, sent.text
    return answer.json["name"], answer.json["recordId"]


def create_photo(api, user, *images, status=200):
    names, record_id = [], None
    for data in images:
        name, record_id = upload(api, user["token"], data, record_id=record_id)
        names.append(name)
    reply = api.post(PHOTOS, {"id": record_id, "title": "p", "owner": user["id"], "images": names},
                     token=user["token"])
    assert reply.status == status, reply
    return reply.json, names


def link(record_id, name):
    return f"/api/files/photos/{record_id}/{name}"


def verdicts(api, extras, queue, worker, fmt="json"):
    """WeChat delivering every verdict the sandbox made, through the callback, the queue and the worker."""
    for check in extras.media_checks(APP1):
        push(api, APP1_CONF, check["push"], fmt=fmt)
    bodies = queue()
    assert worker(bodies) == {"batchItemFailures": []}
    return bodies


def as_admin(api, record_id):
    return api.get(f"{PHOTOS}/{record_id}", token=ADMIN_KEY).json


def test_a_clean_image_is_checked_and_stays(api, extras, queue, worker, alice):
    photo, [name] = create_photo(api, alice, PNG + b"a sunset")
    [check] = extras.media_checks(APP1)
    assert (check["openid"], check["scene"], check["media_type"], check["fetched"]) == (alice["openid"], 4, 2, True)
    verdicts(api, extras, queue, worker)
    assert "@review" not in as_admin(api, photo["id"])
    assert api.get(link(photo["id"], name)).status == 302
    assert table.get(keys.media_check(APP1, check["trace_id"]))["state"] == "done"


def test_review_flags_the_record_and_keeps_the_image_served(api, extras, queue, worker, alice):
    photo, [name] = create_photo(api, alice, PNG + b"hmm sandbox-review")
    verdicts(api, extras, queue, worker, fmt="xml")
    flag = as_admin(api, photo["id"])["@review"]["images"]
    assert flag["suggest"] == "review" and flag["label"] == 21000 and flag["files"][name]["suggest"] == "review"
    assert "@review" not in api.get(f"{PHOTOS}/{photo['id']}", token=alice["token"]).json
    assert [e["flags"]["images"]["suggest"] for e in review_entries(photo["id"])] == ["review"]
    assert api.get(link(photo["id"], name)).status == 302


def test_a_risky_image_is_404_until_an_admin_clears_it(api, extras, queue, worker, alice):
    photo, [name] = create_photo(api, alice, PNG + b"sandbox-risky stuff")
    assert api.get(link(photo["id"], name)).status == 302  # served while WeChat checks it
    verdicts(api, extras, queue, worker)
    assert as_admin(api, photo["id"])["@review"]["images"]["suggest"] == "risky"
    assert api.get(link(photo["id"], name)).status == 404
    assert api.get(link(photo["id"], name), token=alice["token"]).status == 404
    assert api.get(link(photo["id"], name) + "?thumb=100x100").status == 404
    moderator = api.get(link(photo["id"], name), token=ADMIN_KEY)
    assert moderator.status == 302 and moderator.headers["cache-control"] == "private, no-store"

    queued = api.get("/api/admin/review-queue?perPage=100", token=ADMIN_KEY).json
    assert any(e["recordId"] == photo["id"] for e in queued["items"])
    assert api.get("/api/admin/review-queue", token=alice["token"]).status == 403
    assert api.post(f"/api/admin/review-queue/photos/{photo['id']}/approve", token=alice["token"]).status == 403
    cleared = api.post(f"/api/admin/review-queue/photos/{photo['id']}/approve", token=ADMIN_KEY)
    assert cleared.status == 200 and "@review" not in cleared.json
    assert api.get(link(photo["id"], name)).status == 302
    assert review_entries(photo["id"]) == []
    assert api.post(f"/api/admin/review-queue/photos/{photo['id']}/approve", token=ADMIN_KEY).status == 404


def test_replacing_a_risky_image_drops_its_flag(api, extras, queue, worker, alice):
    photo, [bad] = create_photo(api, alice, PNG + b"sandbox-risky")
    verdicts(api, extras, queue, worker)
    good, _ = upload(api, alice["token"], PNG + b"a cat", record_id=photo["id"])
    replaced = api.patch(f"{PHOTOS}/{photo['id']}", {"images": [good]}, token=alice["token"])
    assert replaced.status == 200
    assert "@review" not in as_admin(api, photo["id"]) and review_entries(photo["id"]) == []
    assert len(extras.media_checks(APP1)) == 2  # the new image was checked too
    assert api.get(link(photo["id"], good)).status == 302


def test_one_risky_image_among_several_is_the_only_one_held(api, extras, queue, worker, alice):
    photo, [fine, bad, other] = create_photo(api, alice, PNG + b"1", PNG + b"2 sandbox-risky", PNG + b"3")
    checks = extras.media_checks(APP1)
    assert len(checks) == 3
    for check in checks:  # WeChat's sender and the same second: only the trace_id tells the verdicts apart
        check["push"]["CreateTime"] = checks[0]["push"]["CreateTime"]
        push(api, APP1_CONF, check["push"], fmt="json")
    bodies = queue()
    assert len(bodies) == 3
    assert worker(bodies) == {"batchItemFailures": []}
    assert [api.get(link(photo["id"], n)).status for n in (fine, bad, other)] == [302, 404, 302]
    assert list(as_admin(api, photo["id"])["@review"]["images"]["files"]) == [bad]


def test_a_verdict_delivered_again_is_applied_once(api, extras, queue, worker, alice):
    photo, [name] = create_photo(api, alice, PNG + b"sandbox-risky")
    [check] = extras.media_checks(APP1)
    for mode in ("safe", "compatible", "safe"):  # the apps have EncodingAESKeys: encrypted pushes only
        push(api, APP1_CONF, check["push"], mode=mode)
    bodies = queue()
    assert len(bodies) == 1
    assert worker(bodies) == {"batchItemFailures": []}
    assert api.post(f"/api/admin/review-queue/photos/{photo['id']}/approve", token=ADMIN_KEY).status == 200
    assert worker(bodies) == {"batchItemFailures": []}  # SQS delivering the record again
    from chalicelib.core.settings import get_settings
    from chalicelib.records.moderation import image_check

    assert image_check.apply_verdict(get_settings().app(APP1), check["push"]) == "duplicate"  # a late duplicate
    assert "@review" not in as_admin(api, photo["id"])
    assert api.get(link(photo["id"], name)).status == 302


def test_quota_and_the_two_hour_rule_store_the_image_held_for_review(api, sandbox, extras, alice):
    sandbox.fail(CHECK, 45009)
    photo, [name] = create_photo(api, alice, PNG + b"x")
    flag = as_admin(api, photo["id"])["@review"]["images"]
    assert flag["suggest"] == "unchecked" and flag["files"][name]["reason"] == "quota"
    assert api.get(link(photo["id"], name)).status == 404
    assert [e["flags"]["images"]["suggest"] for e in review_entries(photo["id"])] == ["unchecked"]

    extras.visit(APP1, alice["openid"], time.time() - 3 * 3600)  # she last used the mini-program 3 hours ago
    second, [other] = create_photo(api, alice, PNG + b"y")
    assert as_admin(api, second["id"])["@review"]["images"]["files"][other]["reason"] == "user-inactive"
    assert extras.media_checks(APP1) == []  # WeChat took neither image
    assert api.post(f"/api/admin/review-queue/photos/{second['id']}/approve", {"field": "images"}, token=ADMIN_KEY).status == 200
    assert api.get(link(second["id"], other)).status == 302


def test_wechat_busy_fails_the_write_closed_and_a_retry_works(api, sandbox, extras, alice):
    name, record_id = upload(api, alice["token"], PNG + b"z")
    sandbox.fail(CHECK, -1, times=3)
    body = {"id": record_id, "title": "p", "owner": alice["id"], "images": [name]}
    busy = api.post(PHOTOS, body, token=alice["token"])
    assert busy.status == 503 and busy.json["data"]["images"]["code"] == "validation_content_check_unavailable"
    assert api.get(f"{PHOTOS}/{record_id}", token=ADMIN_KEY).status == 404
    assert api.post(PHOTOS, body, token=alice["token"]).status == 200  # the upload is still attachable
    assert len(extras.media_checks(APP1)) == 1


def test_what_is_not_checked(api, sandbox, extras, alice):
    pdf, record_id = upload(api, alice["token"], b"%PDF-1.4 sandbox-risky", content_type="application/pdf")
    attached, _ = upload(api, alice["token"], PNG + b"sandbox-risky", field="attachment", record_id=record_id)
    reply = api.post(PHOTOS, {"id": record_id, "owner": alice["id"], "images": [pdf], "attachment": attached},
                     token=alice["token"])
    assert reply.status == 200
    image, admin_record = upload(api, alice["token"], PNG + b"admin")
    admin_photo = api.post(PHOTOS, {"id": admin_record, "owner": alice["id"], "images": [image]}, token=ADMIN_KEY)
    assert admin_photo.status == 200
    assert sandbox.calls(CHECK) == 0  # a PDF, an unmarked field, an admin's write


def test_verdicts_for_unknown_traces_and_deleted_records_change_nothing(api, extras, queue, worker, alice):
    photo, _ = create_photo(api, alice, PNG + b"sandbox-risky")
    assert api.delete(f"{PHOTOS}/{photo['id']}", token=alice["token"]).status == 204
    [check] = extras.media_checks(APP1)
    stranger = copy.deepcopy(check["push"])
    stranger["trace_id"] = "0000-unknown-trace"
    push(api, APP1_CONF, stranger)
    verdicts(api, extras, queue, worker)
    assert api.get(f"{PHOTOS}/{photo['id']}", token=ADMIN_KEY).status == 404
    assert review_entries(photo["id"]) == []


def test_the_option_on_file_fields():
    shipped = json.load(open(os.path.join(PROJECT_DIR, "chalicelib", "collections.json")))
    schema = load(shipped + [PHOTOS_COLLECTION])
    assert schema.get("photos").fields["images"].options["secCheck"] == {"scene": 4}
    bad = copy.deepcopy(PHOTOS_COLLECTION)
    bad["fields"][2]["secCheck"] = {"scene": "album"}
    with pytest.raises(SchemaError, match="Collection photos, field images: secCheck"):
        load(shipped + [bad])


def test_the_shipped_file_checks_post_covers(api, extras, alice):
    answer = api.post("/api/files/upload", {"collection": "posts", "field": "cover", "filename": "c.png",
                                            "size": 20, "contentType": "image/png"}, token=alice["token"]).json
    requests.post(answer["url"], data=answer["fields"], files={"file": ("c", PNG + b"cover-bytes!", "image/png")},
                  timeout=10).raise_for_status()
    created = api.post("/api/collections/posts/records", {"id": answer["recordId"], "title": "t", "status": "draft",
                                                           "cover": answer["name"]}, token=alice["token"])
    assert created.status == 200, created
    [check] = extras.media_checks(APP1)
    assert check["scene"] == 3 and check["fetched"] and check["push"]["result"]["suggest"] == "pass"
