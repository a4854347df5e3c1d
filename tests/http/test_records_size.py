"""How large a text value and a body may be, against PocketBase's: a text field's max (5000 characters when 0, a
declared max may be far larger), DynamoDB's 400 KB item (a record that can't be stored is a 400 naming its largest
field, never a 500 and never a partial write) and the body limit (413), for a record write and for a batch."""
import json
import secrets

import pytest

from tests.records_helpers import ADMIN

OPEN = {rule: "" for rule in ("listRule", "viewRule", "createRule", "updateRule", "deleteRule")}
TEXTS = "/api/collections/texts/records"


@pytest.fixture
def texts(tmp_path, monkeypatch):
    path = tmp_path / "collections.json"
    path.write_text(json.dumps([{"name": "texts", "type": "base", **OPEN, "fields": [
        {"name": "short", "type": "text"}, {"name": "long", "type": "text", "max": 2_000_000}]}]))
    monkeypatch.setenv("WXBASE_COLLECTIONS", str(path))


def too_large(reply, field):
    assert reply.status == 400, reply
    assert reply.json["data"] == {field: {"code": "validation_record_size_limit",
                                          "message": "The record is too large to store: shorten this value."}}


def test_a_text_field_takes_its_max_or_pocketbases_default_of_5000(api, texts):
    over = api.post(TEXTS, {"short": "x" * 5001}, token=ADMIN)
    assert over.json["data"]["short"]["code"] == "validation_max_text_constraint", over
    assert api.post(TEXTS, {"short": "界" * 5000}, token=ADMIN).status == 200
    long = api.post(TEXTS, {"long": "y" * 100_000}, token=ADMIN)
    assert long.status == 200, long
    assert api.get(f"{TEXTS}/{long.json['id']}").json["long"] == "y" * 100_000


def test_a_record_dynamodb_cant_store_is_a_400_and_nothing_is_written(api, texts):
    record_id = secrets.token_hex(8)[:15]
    # 150,000 two-byte characters are within the field's max, but with their lowercased copy past 400 KB
    too_large(api.post(TEXTS, {"id": record_id, "long": "é" * 150_000}, token=ADMIN), "long")
    assert api.get(f"{TEXTS}/{record_id}").status == 404
    stored = api.post(TEXTS, {"id": record_id, "short": "kept"}, token=ADMIN).json
    too_large(api.patch(f"{TEXTS}/{record_id}", {"short": "changed", "long": "z" * 250_000}, token=ADMIN), "long")
    assert api.get(f"{TEXTS}/{record_id}").json == stored
    failed = api.post("/api/batch", {"requests": [
        {"method": "PATCH", "url": f"{TEXTS}/{record_id}", "body": {"short": "first"}},
        {"method": "PATCH", "url": f"{TEXTS}/{record_id}", "body": {"long": "w" * 250_000}}]}, token=ADMIN)
    assert failed.status == 400 and list(failed.json["data"]["requests"]) == ["1"], failed
    assert failed.json["data"]["requests"]["1"]["response"]["data"]["long"]["code"] == "validation_record_size_limit"
    assert api.get(f"{TEXTS}/{record_id}").json == stored


def test_a_body_over_the_limit_is_pocketbases_413_for_a_record_and_a_batch(api, texts, monkeypatch):
    monkeypatch.setenv("WXBASE_MAX_BODY_BYTES", "200000")
    for path, body in ((TEXTS, {"long": "x" * 200_000}),
                       ("/api/batch", {"requests": [{"method": "POST", "url": TEXTS, "body": {"long": "x" * 200_000}}]})):
        reply = api.post(path, body, token=ADMIN)
        assert reply.status == 413 and reply.json == {"status": 413, "data": {},
                                                      "message": "The request body is larger than 200000 bytes."}
    assert api.post(TEXTS, {"long": "x" * 190_000}, token=ADMIN).status == 200
