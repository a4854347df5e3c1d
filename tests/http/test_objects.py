"""S3 uploads as the mini-program sends them: presigned POST (wx.uploadFile's form) and multipart parts (wx.request
PUTs), against the emulator. moto does not enforce POST policies, so the policy itself is checked field by field."""
import base64
import json
import os
import time

import requests

from chalicelib.files import names
from chalicelib.store import objects


def _policy(post):
    return json.loads(base64.b64decode(post["fields"]["policy"]))


def test_presigned_post_policy_pins_key_type_size_and_expiry(stack):
    post = objects.presigned_post("c1/r1/cat_abcdefghij.png", "image/png", max_bytes=5 * 1024 * 1024)
    policy = _policy(post)
    conditions = policy["conditions"]
    assert {"key": "c1/r1/cat_abcdefghij.png"} in conditions
    assert {"Content-Type": "image/png"} in conditions
    assert ["content-length-range", 1, 5 * 1024 * 1024] in conditions
    assert {"bucket": "wxbase-test-files"} in conditions
    assert post["fields"]["x-amz-algorithm"] == "AWS4-HMAC-SHA256"  # SigV4, whatever the region
    expires = time.mktime(time.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
    assert 0 < expires - time.time() <= objects.UPLOAD_EXPIRES_SECONDS + 5
    # every form field the client must send is covered by a condition (S3 rejects uncovered fields)
    covered = {next(iter(c)) for c in conditions if isinstance(c, dict)}
    assert set(post["fields"]) - {"policy", "x-amz-signature"} <= covered


def test_wx_upload_file_form_reaches_s3(stack):
    from chalicelib.core import aws

    key = "c1/r2/" + names.stored_name("photo.JPG")
    post = objects.presigned_post(key, "image/jpeg", max_bytes=1024)
    body = os.urandom(700)
    # wx.uploadFile sends formData fields first, then the file part named by `name`
    reply = requests.post(post["url"], data=post["fields"], files={"file": ("wxfile://tmp_1.jpg", body, "image/jpeg")},
                          timeout=10)
    assert reply.status_code == 204, reply.text
    assert objects.head(key) == {"size": 700, "contentType": "image/jpeg"}
    got = aws.client("s3").get_object(Bucket="wxbase-test-files", Key=key)["Body"].read()
    assert got == body


def test_multipart_upload_of_25_mb(stack):
    size, part = 25 * 1024 * 1024, 8 * 1024 * 1024
    key = "c1/r3/" + names.stored_name("video.mp4")
    upload_id = objects.start_multipart(key, "video/mp4")
    urls = objects.part_urls(key, upload_id, objects.part_count(size, part))
    assert [u["partNumber"] for u in urls] == [1, 2, 3, 4]
    data = os.urandom(size)
    for entry in urls:
        start = (entry["partNumber"] - 1) * part
        reply = requests.put(entry["url"], data=data[start:start + part], timeout=30)
        assert reply.status_code == 200, reply.text
    assert objects.complete_multipart(key, upload_id) == 4
    assert objects.head(key) == {"size": size, "contentType": "video/mp4"}


def test_aborted_multipart_leaves_nothing(stack):
    key = "c1/r4/" + names.stored_name("big.bin")
    upload_id = objects.start_multipart(key, "application/octet-stream")
    objects.abort_multipart(key, upload_id)
    assert objects.head(key) is None


def test_missing_object_heads_none_and_delete_is_quiet(stack):
    assert objects.head("c1/none/nothing_aaaaaaaaaa.png") is None
    objects.delete(["c1/none/nothing_aaaaaaaaaa.png"])


def test_signed_get_url_carries_expiry_and_download_name(stack):
    key = "c1/r5/" + names.stored_name("a.txt")
    from chalicelib.core import aws

    aws.client("s3").put_object(Bucket="wxbase-test-files", Key=key, Body=b"hello", ContentType="text/plain")
    url = objects.signed_get_url(key, 300, download_name="a.txt")
    assert "X-Amz-Expires=300" in url and "response-content-disposition=attachment" in url
    assert requests.get(url, timeout=5).content == b"hello"


def test_stored_names_are_sanitized_and_unique():
    made = {names.stored_name("../../etc/pass wd.PNG") for _ in range(200)}
    assert len(made) == 200
    for name in made:
        assert names.is_stored_name(name) and name.startswith("pass_wd_") and name.endswith(".png")
    assert names.stored_name("") .startswith("file_")
    assert names.stored_name('evil".sh\r\n').endswith(".sh")
    assert not names.is_stored_name("../x_aaaaaaaaaa.png") and not names.is_stored_name("a/b_aaaaaaaaaa")
