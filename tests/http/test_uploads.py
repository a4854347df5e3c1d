"""Upload tickets: issued before any upload, consumed by attaching, swept when abandoned."""
import os
import time

import pytest
import requests

from chalicelib.core.errors import BadRequest
from chalicelib.files import uploads
from chalicelib.records.schema.model import Field
from chalicelib.store import keys, objects, table

IMAGE_FIELD = Field("cover", "file", options={"maxSize": 1024 * 1024, "mimeTypes": ["image/png", "image/jpeg"]})
VIDEO_FIELD = Field("clip", "file", options={"maxSize": 50 * 1024 * 1024, "mimeTypes": ["video/mp4"]})


def _upload(answer, body, content_type):
    reply = requests.post(answer["url"], data=answer["fields"], files={"file": ("tmp", body, content_type)},
                          timeout=10)
    assert reply.status_code == 204, reply.text


def test_small_upload_then_attach_consumes_the_ticket(stack):
    answer = uploads.issue("u1", "colposts", "rec000000000001", IMAGE_FIELD, "Cat.PNG", 2000, "image/png")
    assert answer["key"] == f"colposts/rec000000000001/{answer['name']}" and "multipart" not in answer
    _upload(answer, os.urandom(2000), "image/png")
    op = uploads.verify_attachable("colposts", "rec000000000001", IMAGE_FIELD, answer["name"], "u1")
    table.transact([op])
    assert table.get(keys.upload_ticket(answer["key"])) is None
    with pytest.raises(Exception):
        table.transact([op])  # a ticket is consumed once


@pytest.mark.parametrize("size,ctype,field", [
    (0, "image/png", "size"), (2 * 1024 * 1024, "image/png", "cover"), (10, "text/html", "cover"),
    ("10", "image/png", "size"),
])
def test_declared_size_and_type_are_checked_before_presigning(stack, size, ctype, field):
    with pytest.raises(BadRequest) as err:
        uploads.issue("u1", "colposts", "rec000000000002", IMAGE_FIELD, "a.png", size, ctype)
    assert field in err.value.data


def test_never_uploaded_foreign_and_oversized_names_are_rejected(stack):
    answer = uploads.issue("u1", "colposts", "rec000000000003", IMAGE_FIELD, "a.png", 100, "image/png")
    with pytest.raises(BadRequest, match="not been uploaded"):
        uploads.verify_attachable("colposts", "rec000000000003", IMAGE_FIELD, answer["name"], "u1")
    _upload(answer, os.urandom(100), "image/png")
    with pytest.raises(BadRequest, match="not uploaded for this field"):  # another record's file
        uploads.verify_attachable("colposts", "rec000000000009", IMAGE_FIELD, answer["name"], "u1")
    with pytest.raises(BadRequest):
        uploads.verify_attachable("colposts", "rec000000000003", IMAGE_FIELD, "../../etc/passwd", "u1")
    # an object bigger than the field allows (put behind the policy's back) is refused on attach
    small_field = Field("cover", "file", options={"maxSize": 50})
    with pytest.raises(BadRequest, match="larger than"):
        uploads.verify_attachable("colposts", "rec000000000003", small_field, answer["name"], "u1")


def test_multipart_upload_completes_from_listed_parts(stack):
    size = 12 * 1024 * 1024
    answer = uploads.issue("u2", "colposts", "rec000000000004", VIDEO_FIELD, "v.mp4", size, "video/mp4")
    assert answer["multipart"] and [p["partNumber"] for p in answer["parts"]] == [1, 2]
    data = os.urandom(size)
    for part in answer["parts"]:
        start = (part["partNumber"] - 1) * answer["partSize"]
        assert requests.put(part["url"], data=data[start:start + answer["partSize"]], timeout=30).status_code == 200
    with pytest.raises(BadRequest):
        uploads.complete_multipart("someone-else", answer["key"], answer["uploadId"])
    done = uploads.complete_multipart("u2", answer["key"], answer["uploadId"])
    assert done["size"] == size
    uploads.verify_attachable("colposts", "rec000000000004", VIDEO_FIELD, answer["name"], "u2")


def test_abandoned_uploads_are_swept(stack):
    answer = uploads.issue("u3", "colposts", "rec000000000005", IMAGE_FIELD, "old.png", 10, "image/png")
    _upload(answer, b"0123456789", "image/png")
    assert uploads.sweep(now=time.time()) == 0  # not expired yet
    later = time.time() + uploads.TICKET_SECONDS + 60
    assert uploads.sweep(now=later) >= 1
    assert objects.head(answer["key"]) is None and table.get(keys.upload_ticket(answer["key"])) is None
