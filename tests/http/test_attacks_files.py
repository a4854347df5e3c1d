"""A stored script on the files domain: HTML, SVG and XHTML uploaded to a file field without `mimeTypes`
(PocketBase's default: any type) are stored and served as attachments, under any file name, as PocketBase serves
them; images stay inline."""
import json

import pytest

from tests.http.test_files_http import follow, presign, wx_upload_file
from tests.records_helpers import use_collections, user

ANY_TYPE = {  # a public collection with a file field of PocketBase's default: no mimeTypes
    "id": "pbc_anytype00001", "name": "shared_files", "type": "base",
    "listRule": "", "viewRule": "", "createRule": '@request.auth.id != ""', "updateRule": None, "deleteRule": None,
    "fields": [{"name": "doc", "type": "file", "maxSelect": 1, "maxSize": 1048576}],
    "indexes": [],
}


@pytest.fixture(autouse=True)
def any_type(tmp_path, monkeypatch):
    use_collections(tmp_path, monkeypatch, ANY_TYPE)

SCRIPT = {
    "text/html": b"<html><script>alert(document.domain)</script></html>",
    "image/svg+xml": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "application/xhtml+xml": b'<html xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></html>',
    "text/html; charset=utf-8": b"<script>alert(1)</script>",
}


def _stored(api, owner, content_type, data, filename):
    answer = presign(api, owner["token"], collection="shared_files", field="doc", filename=filename, size=len(data),
                     contentType=content_type)
    assert answer.status == 200, answer
    up = answer.json
    wx_upload_file(up, data, content_type)
    record = api.post("/api/collections/shared_files/records", {"id": up["recordId"], "doc": up["name"]},
                      token=owner["token"])
    assert record.status == 200, record
    return f"/api/files/shared_files/{record.json['id']}/{up['name']}", up


@pytest.mark.parametrize("content_type", sorted(SCRIPT))
@pytest.mark.parametrize("filename", ["page.html", "innocent.png"])
def test_active_content_is_an_attachment_whatever_its_name(api, content_type, filename):
    attacker = user(api, "files-attacker")
    path, up = _stored(api, attacker, content_type, SCRIPT[content_type], filename)
    _, fetched = follow(api, path)
    assert fetched.status_code == 200 and fetched.content == SCRIPT[content_type]
    assert fetched.headers.get("Content-Disposition", "").startswith("attachment"), fetched.headers


def test_the_upload_policy_pins_the_attachment_disposition(api):
    """S3 refuses a form whose fields stray from its policy, so the uploader can't drop the disposition."""
    import base64

    attacker = user(api, "files-form-edit")
    data = SCRIPT["text/html"]
    up = presign(api, attacker["token"], collection="shared_files", field="doc", filename="x.html", size=len(data),
                 contentType="text/html").json
    assert up["fields"]["Content-Disposition"] == "attachment"
    policy = json.loads(base64.b64decode(up["fields"]["policy"]))
    assert {"Content-Disposition": "attachment"} in policy["conditions"]


def test_images_stay_inline(api):
    owner = user(api, "files-image")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    path, up = _stored(api, owner, "image/png", png, "cat.png")
    assert "Content-Disposition" not in up["fields"]
    _, fetched = follow(api, path)
    assert fetched.content == png and "Content-Disposition" not in fetched.headers
