"""make dev's S3 (devserver/s3_disk.py) through boto3 and real HTTP: the POST policy wx.uploadFile's form carries is
enforced as S3 enforces it, presigned URLs are checked and expire, multipart works as on S3 (ListParts pages, ETag
checks, abort), and each object is on disk under its own key before the upload is answered."""
import base64
import hashlib
import json
import os
import time

import pytest
import requests

from chalicelib.store import objects


@pytest.fixture
def s3(stack):
    from chalicelib.core import aws

    return aws.client("s3")


@pytest.fixture
def bucket():
    from chalicelib.core.settings import get_settings

    return get_settings().bucket_name


def on_disk(stack, bucket, key):
    """The file that holds `key`, by the layout docs/local-stack.md describes."""
    parts = key.split("/")
    from urllib.parse import quote

    return os.path.join(stack.s3.store.root, bucket, *[f"d_{quote(p, safe='')}" for p in parts[:-1]],
                        f"o_{quote(parts[-1], safe='')}")


def form(post, data, content_type="image/png", **overrides):
    fields = {**post["fields"], **overrides}
    return requests.post(post["url"], data=fields, files={"file": ("wxfile://tmp", data, content_type)}, timeout=30)


def test_post_policy_is_enforced_like_s3(stack, bucket):
    key = f"pbc_test/{time.time_ns()}/photo.png"
    post = objects.presigned_post(key, "image/png", max_bytes=10, min_bytes=2)
    refused = {
        "too large": form(post, b"x" * 11),
        "too small": form(post, b"x"),
        "another key": form(post, b"xxxx", key=key + ".html"),
        "another content type": form(post, b"xxxx", **{"Content-Type": "text/html"}),
        "a field the policy doesn't cover": form(post, b"xxxx", acl="public-read"),
        "another success status": form(post, b"xxxx", success_action_status="201"),
        "a forged signature": form(post, b"xxxx", **{"x-amz-signature": "0" * 64}),
    }
    for why, reply in refused.items():
        assert reply.status_code in (400, 403), why
        assert b"<Error>" in reply.content, why
        assert not os.path.exists(on_disk(stack, bucket, key)), why
    assert refused["too large"].status_code == 400 and b"EntityTooLarge" in refused["too large"].content
    assert b"Policy Condition failed" in refused["another key"].content

    policy = json.loads(base64.b64decode(post["fields"]["policy"]))
    policy["conditions"] = [c for c in policy["conditions"] if not isinstance(c, list)]  # drop the size range
    tampered = base64.b64encode(json.dumps(policy).encode()).decode()
    assert form(post, b"x" * 100, policy=tampered).status_code == 403

    ok = form(post, b"12345")
    assert ok.status_code == 204, ok.text
    with open(on_disk(stack, bucket, key), "rb") as f:  # on disk, under its own key, before the answer came back
        meta = json.loads(f.readline())
        assert f.read() == b"12345" and meta["contentType"] == "image/png"


def test_expired_post_policy_and_presigned_url_are_refused(stack, bucket, s3):
    key = f"pbc_test/{time.time_ns()}/late.png"
    post = objects.presigned_post(key, "image/png", max_bytes=10, expires=3)
    s3.put_object(Bucket=bucket, Key=key + ".txt", Body=b"hi")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key + ".txt"}, ExpiresIn=3)
    assert requests.get(url, timeout=10).content == b"hi"  # signed to the second: valid for at least 2 s more
    time.sleep(4.5)
    late = form(post, b"1234")
    assert late.status_code == 403 and b"Policy expired" in late.content
    assert requests.get(url, timeout=10).status_code == 403


def test_anonymous_and_wrongly_signed_requests_are_refused(stack, bucket, s3):
    key = f"pbc_test/{time.time_ns()}/private.png"
    s3.put_object(Bucket=bucket, Key=key, Body=b"secret bytes")
    base = stack.env["AWS_ENDPOINT_URL_S3"]
    assert requests.get(f"{base}/{bucket}/{key}", timeout=10).status_code == 403
    assert requests.put(f"{base}/{bucket}/{key}", data=b"overwritten", timeout=10).status_code == 403
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=60)
    assert requests.get(url.replace(key, key[:-4] + ".jpg"), timeout=10).status_code == 403  # another key
    assert requests.get(url, timeout=10).content == b"secret bytes"
    download = s3.generate_presigned_url("get_object", ExpiresIn=60, Params={
        "Bucket": bucket, "Key": key, "ResponseContentDisposition": 'attachment; filename="a.png"'})
    assert requests.get(download, timeout=10).headers["Content-Disposition"] == 'attachment; filename="a.png"'


def test_multipart_upload_with_presigned_parts_list_parts_and_complete(stack, bucket, s3):
    key = f"pbc_test/{time.time_ns()}/clip.mp4"
    upload_id = objects.start_multipart(key, "video/mp4")
    size = objects.MIN_PART_BYTES
    data = [os.urandom(size), os.urandom(size), b"tail"]
    for part in objects.part_urls(key, upload_id, 3):
        reply = requests.put(part["url"], data=data[part["partNumber"] - 1], timeout=60)
        assert reply.status_code == 200
        assert reply.headers["ETag"] == '"%s"' % hashlib.md5(data[part["partNumber"] - 1]).hexdigest()
    page = s3.list_parts(Bucket=bucket, Key=key, UploadId=upload_id, MaxParts=2)
    assert [p["PartNumber"] for p in page["Parts"]] == [1, 2] and page["IsTruncated"]
    rest = s3.list_parts(Bucket=bucket, Key=key, UploadId=upload_id, PartNumberMarker=page["NextPartNumberMarker"])
    assert [p["Size"] for p in rest["Parts"]] == [4]
    with pytest.raises(Exception) as wrong:  # an ETag S3 never issued
        s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": '"' + "0" * 32 + '"'}]})
    assert "InvalidPart" in str(wrong.value)
    assert objects.complete_multipart(key, upload_id) == 3  # pages through ListParts itself
    got = s3.get_object(Bucket=bucket, Key=key)
    assert got["Body"].read() == b"".join(data) and got["ContentType"] == "video/mp4"
    assert got["ETag"].endswith('-3"')
    assert s3.get_object(Bucket=bucket, Key=key, Range="bytes=-4")["Body"].read() == b"tail"


def test_small_middle_part_and_aborted_upload_are_refused(stack, bucket, s3):
    key = f"pbc_test/{time.time_ns()}/small.bin"
    upload_id = objects.start_multipart(key, "application/octet-stream")
    for part in objects.part_urls(key, upload_id, 2):
        assert requests.put(part["url"], data=b"tiny", timeout=30).status_code == 200
    with pytest.raises(Exception) as small:
        objects.complete_multipart(key, upload_id)
    assert "EntityTooSmall" in str(small.value)
    objects.abort_multipart(key, upload_id)
    with pytest.raises(Exception) as gone:
        s3.list_parts(Bucket=bucket, Key=key, UploadId=upload_id)
    assert "NoSuchUpload" in str(gone.value)
    assert objects.head(key) is None


def test_delete_is_on_disk_before_the_answer_and_keys_stay_apart(stack, bucket, s3):
    base = f"pbc_test/{time.time_ns()}"
    keys = [f"{base}/{name}" for name in ("a", "a b+c.png", "%41.png", "..", "../x", "日本.png")]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    for key in keys:
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == key.encode()
        assert os.path.exists(on_disk(stack, bucket, key))
    objects.delete(keys[:2])
    for key in keys[:2]:
        assert not os.path.exists(on_disk(stack, bucket, key))
        assert objects.head(key) is None
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=base)["Contents"]] == sorted(keys[2:])
    assert all(os.path.realpath(on_disk(stack, bucket, k)).startswith(stack.s3.store.root + os.sep) for k in keys)
