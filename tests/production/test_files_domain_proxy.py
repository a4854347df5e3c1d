"""Uploads and downloads on the files domain, through a stand-in for its CloudFront distribution, over real HTTP.

The app runs with WXBASE_FILES_DOMAIN=http://files.localtest:<port>, a CloudFront-like proxy answers that name
(tests/production/cloudfront_like.py) and forwards to a strict S3 origin (tests/production/strict_s3.py: moto
behind S3's own SigV4 and POST-policy checks, which moto alone doesn't make). So each test proves that what the
API hands out is a URL on the files domain and that the signature still holds when the request reaches S3 with
the origin's Host — and that it would not hold with the viewer's Host (the wrong origin request policy).
"""
import itertools
import json
import os
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

from tests.production.cloudfront_like import CloudFrontLike, viewer_session
from tests.production.strict_s3 import StrictS3Server

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ALIAS = "files.localtest"
MB = 1024 * 1024
CLIPS = {
    "id": "pbc_clips000001", "name": "clips", "type": "base",
    "listRule": "", "viewRule": "", "createRule": '@request.auth.id != "" && owner = @request.auth.id',
    "updateRule": "owner = @request.auth.id", "deleteRule": "owner = @request.auth.id",
    "fields": [
        {"name": "title", "type": "text"},
        {"name": "owner", "type": "relation", "collectionId": "_pb_users_auth_", "maxSelect": 1, "required": True},
        {"name": "photo", "type": "file", "maxSelect": 1, "maxSize": MB, "mimeTypes": ["image/png"]},
        {"name": "video", "type": "file", "maxSelect": 1, "maxSize": 50 * MB, "mimeTypes": ["video/mp4"]},
    ],
    "indexes": [],
}
_users = itertools.count()


@pytest.fixture
def files_domain(stack, tmp_path, monkeypatch):
    from chalicelib.core import aws

    collections = tmp_path / "collections.json"
    shipped = json.load(open(os.path.join(PROJECT_DIR, "chalicelib", "collections.json")))
    collections.write_text(json.dumps(shipped + [CLIPS]))
    strict = StrictS3Server({os.environ["AWS_ACCESS_KEY_ID"]: os.environ["AWS_SECRET_ACCESS_KEY"]})
    cdn = CloudFrontLike(ALIAS, strict.host)
    monkeypatch.setenv("WXBASE_COLLECTIONS", str(collections))
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", strict.url)  # the app's S3 (and the host it signs for): the origin
    monkeypatch.setenv("WXBASE_FILES_DOMAIN", cdn.url)
    aws.reset_clients()
    try:
        yield SimpleNamespace(strict=strict, cdn=cdn, viewer=viewer_session(ALIAS))
    finally:
        cdn.stop()
        strict.stop()
        aws.reset_clients()  # the next client is made after monkeypatch restores the endpoints


def _alice(api):
    appid = json.loads(os.environ["WXBASE_APPS"])[0]["appid"]
    login = api.login(f"files-domain-{next(_users)}", appid)
    return {"token": login["token"], "id": login["record"]["id"]}


def _presign(api, who, **body):
    reply = api.post("/api/files/upload", body, token=who["token"])
    assert reply.status == 200, reply
    return reply.json


def _send_form(viewer, answer, data, content_type="image/png", **changes):
    """What wx.uploadFile({url, name: "file", formData: fields}) sends."""
    return viewer.post(answer["url"], data={**answer["fields"], **changes},
                       files={"file": ("wxfile://tmp", data, content_type)}, timeout=30)


def _stored(key):
    from chalicelib.core import aws

    return aws.client("s3").get_object(Bucket=os.environ["WXBASE_BUCKET"], Key=key)["Body"].read()


def test_upload_form_and_download_go_through_the_files_domain(api, files_domain):
    alice = _alice(api)
    body = os.urandom(3000)
    up = _presign(api, alice, collection="clips", field="photo", filename="Cat.PNG", size=3000,
                  contentType="image/png")
    assert urlsplit(up["url"]).netloc == files_domain.cdn.alias  # handed out on the files domain
    reply = _send_form(files_domain.viewer, up, body)
    assert reply.status_code == 204, reply.text
    assert _stored(up["key"]) == body
    created = api.post("/api/collections/clips/records",
                       {"id": up["recordId"], "owner": alice["id"], "title": "cat", "photo": up["name"]},
                       token=alice["token"])
    assert created.status == 200, created

    link = api.get(f"/api/files/clips/{created.json['id']}/{up['name']}", token=alice["token"])
    assert link.status == 302, link
    location = link.headers["location"]
    assert urlsplit(location).netloc == files_domain.cdn.alias and "X-Amz-Signature=" in location
    fetched = files_domain.viewer.get(location, timeout=30)
    assert fetched.status_code == 200 and fetched.content == body

    # S3 (the strict origin) verified both with the Host CloudFront sends: the origin's, not the alias
    assert [(kind, method) for kind, method, _ in files_domain.strict.checked] == [("post", "POST"), ("query", "GET")]
    assert {host for _, _, host in files_domain.strict.checked} == {files_domain.strict.host}
    assert all(f["headers"]["Host"] == files_domain.strict.host for f in files_domain.cdn.forwarded)


def test_the_post_policy_is_enforced_behind_the_files_domain(api, files_domain):
    alice = _alice(api)
    up = _presign(api, alice, collection="clips", field="photo", filename="a.png", size=1000,
                  contentType="image/png")
    too_big = _send_form(files_domain.viewer, up, os.urandom(1001))
    assert too_big.status_code == 400 and b"EntityTooLarge" in too_big.content
    elsewhere = _send_form(files_domain.viewer, up, os.urandom(1000), key=up["key"].replace(up["name"], "x.png"))
    assert elsewhere.status_code == 403 and b"AccessDenied" in elsewhere.content
    forged = _send_form(files_domain.viewer, up, os.urandom(1000), **{"x-amz-signature": "0" * 64})
    assert forged.status_code == 403 and b"SignatureDoesNotMatch" in forged.content
    assert _send_form(files_domain.viewer, up, os.urandom(1000)).status_code == 204


def test_multipart_upload_parts_go_through_the_files_domain(api, files_domain):
    alice = _alice(api)
    size = 11 * MB
    data = os.urandom(size)
    up = _presign(api, alice, collection="clips", field="video", filename="clip.mp4", size=size,
                  contentType="video/mp4")
    assert up["multipart"] and len(up["parts"]) == 2
    for part in up["parts"]:
        assert urlsplit(part["url"]).netloc == files_domain.cdn.alias
        start = (part["partNumber"] - 1) * up["partSize"]
        # wx.request({method: "PUT", url, data: <ArrayBuffer>}); the part's ETag is read from the answer
        put = files_domain.viewer.put(part["url"], data=data[start:start + up["partSize"]], timeout=60)
        assert put.status_code == 200 and put.headers.get("ETag"), put.text
    done = api.post("/api/files/upload/complete", {"key": up["key"], "uploadId": up["uploadId"]},
                    token=alice["token"])
    assert done.status == 200, done
    assert _stored(up["key"]) == data
    assert [kind for kind, method, _ in files_domain.strict.checked] == ["query", "query"]


def test_a_signature_holds_only_with_the_origins_host_and_unchanged_query(api, files_domain):
    alice = _alice(api)
    body = os.urandom(500)
    up = _presign(api, alice, collection="clips", field="photo", filename="b.png", size=500,
                  contentType="image/png")
    assert _send_form(files_domain.viewer, up, body).status_code == 204
    from chalicelib.store import objects

    url = objects.signed_get_url(up["key"], 300)
    assert files_domain.viewer.get(url, timeout=30).content == body

    # the AllViewer policy would hand S3 the alias as Host: the signature (made for the origin's host) fails
    wrong_policy = CloudFrontLike(ALIAS, files_domain.strict.host, forward_viewer_host=True)
    try:
        moved = urlunsplit(urlsplit(url)._replace(netloc=wrong_policy.alias))
        refused = viewer_session(ALIAS).get(moved, timeout=30)
        assert refused.status_code == 403 and b"SignatureDoesNotMatch" in refused.content
    finally:
        wrong_policy.stop()

    parts = urlsplit(url)
    longer = [(k, "3600" if k == "X-Amz-Expires" else v) for k, v in parse_qsl(parts.query)]
    tampered = files_domain.viewer.get(urlunsplit(parts._replace(query=urlencode(longer))), timeout=30)
    assert tampered.status_code == 403 and b"SignatureDoesNotMatch" in tampered.content
    unsigned = files_domain.viewer.get(urlunsplit(parts._replace(query="")), timeout=30)
    assert unsigned.status_code == 403  # the bucket stays private behind the files domain
