"""S3 objects behind `file` fields: keys, presigned uploads (single POST and multipart), checks, links, deletion.

Object keys follow PocketBase's storage layout, `<collectionId>/<recordId>/<filename>`, and are always chosen by
the server, so a client can only ever write under the record it was allowed to upload to. Presigned URLs are SigV4
(the client is created with `signature_version="s3v4"`); links signed with a Lambda role's temporary credentials
die with those credentials, so signed links are kept short and re-issued on every request of the files route.

With `WXBASE_FILES_DOMAIN` set, presigned URLs are handed out on that domain (a CloudFront distribution in front
of the bucket, docs/production.md): only scheme and host change. The signatures stay valid because they are made
for the bucket's own host, which CloudFront sends to S3 as its origin's Host; the path and query it forwards as
they are. A POST policy's signature covers only the policy, so the form upload holds behind any host.
"""
from __future__ import annotations

import os
from functools import lru_cache
from typing import Any, Iterable
from urllib.parse import urlsplit, urlunsplit

from chalicelib.core import aws
from chalicelib.core.settings import get_settings

UPLOAD_EXPIRES_SECONDS = 900
PART_URL_EXPIRES_SECONDS = 3600
MIN_PART_BYTES = 5 * 1024 * 1024  # S3's minimum for every part but the last
MAX_PARTS = 10000


def object_key(collection_id: str, record_id: str, filename: str) -> str:
    return f"{collection_id}/{record_id}/{filename}"


def _s3() -> Any:
    return aws.client("s3")


def _bucket() -> str:
    return get_settings().bucket_name


def _signer() -> Any:
    """The client that presigns: deployed, it names the bucket `<bucket>.s3.<region>.<suffix>` in every region."""
    env = os.environ.get
    if env("AWS_ENDPOINT_URL_S3") or env("AWS_ENDPOINT_URL"):  # an emulator: addressed as boto3 decides
        return _s3()
    return _regional_signer(env("AWS_REGION", ""), env("AWS_DEFAULT_REGION", ""))


@lru_cache(maxsize=2)
def _regional_signer(region: str, default_region: str) -> Any:
    import boto3
    from botocore.config import Config

    # botocore's default host varies by region and version (the global s3.amazonaws.com for some); the files
    # domain's origin is the regional virtual-hosted name, and a SigV4 signature covers the host.
    config = Config(signature_version="s3v4",
                    s3={"addressing_style": "virtual", "us_east_1_regional_endpoint": "regional"})
    return boto3.session.Session().client("s3", config=config)


def _on_files_domain(url: str) -> str:
    base = get_settings().files_base_url
    if not base:
        return url
    parts = urlsplit(url)
    return base + urlunsplit(("", "", parts.path or "/", parts.query, ""))


def presigned_post(key: str, content_type: str, max_bytes: int, min_bytes: int = 1,
                   expires: int = UPLOAD_EXPIRES_SECONDS, disposition: str | None = None) -> dict[str, Any]:
    """A form upload for `wx.uploadFile({url, name: "file", formData: fields})`.

    The policy pins the exact key, the content type the server accepted (and the Content-Disposition the object is
    stored with, when given), and the size range; S3 rejects any form that strays from it (an extra field, another
    key, a bigger file, an expired policy).
    """
    fields = {"Content-Type": content_type, "success_action_status": "204"}
    if disposition:
        fields["Content-Disposition"] = disposition
    post = _signer().generate_presigned_post(
        Bucket=_bucket(),
        Key=key,
        Fields=fields,
        Conditions=[
            *({name: value} for name, value in fields.items()),
            ["content-length-range", min_bytes, max_bytes],
        ],
        ExpiresIn=expires,
    )
    post["url"] = _on_files_domain(post["url"])
    return post


def link_origins() -> list[str]:
    """The origins presigned uploads and links point at (the files domain, or the bucket's own host), for a page's
    Content-Security-Policy."""
    parts = urlsplit(_on_files_domain(_signer().generate_presigned_url(
        "get_object", Params={"Bucket": _bucket(), "Key": "origin"}, ExpiresIn=60)))
    return [f"{parts.scheme}://{parts.netloc}"]


def part_count(size: int, part_bytes: int) -> int:
    return max(1, -(-size // part_bytes))


def start_multipart(key: str, content_type: str, disposition: str | None = None) -> str:
    extra = {"ContentDisposition": disposition} if disposition else {}
    return _s3().create_multipart_upload(Bucket=_bucket(), Key=key, ContentType=content_type, **extra)["UploadId"]


def part_urls(key: str, upload_id: str, count: int, expires: int = PART_URL_EXPIRES_SECONDS) -> list[dict[str, Any]]:
    """Presigned UploadPart URLs for `wx.request({method: "PUT", url, data: <ArrayBuffer>})`, one per part."""
    signer = _signer()
    return [
        {
            "partNumber": n,
            "url": _on_files_domain(signer.generate_presigned_url(
                "upload_part",
                Params={"Bucket": _bucket(), "Key": key, "UploadId": upload_id, "PartNumber": n},
                ExpiresIn=expires,
            )),
        }
        for n in range(1, count + 1)
    ]


def complete_multipart(key: str, upload_id: str) -> int:
    """Complete from the parts S3 itself lists (the client's ETags are never trusted); returns the part count."""
    s3 = _s3()
    parts: list[dict[str, Any]] = []
    marker = 0
    while True:
        page = s3.list_parts(Bucket=_bucket(), Key=key, UploadId=upload_id, PartNumberMarker=marker)
        parts.extend({"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in page.get("Parts", []))
        if not page.get("IsTruncated"):
            break
        marker = page["NextPartNumberMarker"]
    s3.complete_multipart_upload(Bucket=_bucket(), Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts})
    return len(parts)


def abort_multipart(key: str, upload_id: str) -> None:
    _s3().abort_multipart_upload(Bucket=_bucket(), Key=key, UploadId=upload_id)


def head(key: str) -> dict[str, Any] | None:
    """{"size", "contentType"} of an object, or None when there is none."""
    from botocore.exceptions import ClientError

    try:
        found = _s3().head_object(Bucket=_bucket(), Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    return {"size": found["ContentLength"], "contentType": found.get("ContentType", "")}


def read(key: str, max_bytes: int) -> bytes:
    """An object's bytes, at most `max_bytes` of them (a larger object is cut there)."""
    found = _s3().get_object(Bucket=_bucket(), Key=key, Range=f"bytes=0-{max_bytes - 1}")
    return found["Body"].read(max_bytes)


def keys_under(prefix: str, limit: int = 1000) -> list[str]:
    """Up to `limit` keys that start with `prefix`."""
    found = _s3().list_objects_v2(Bucket=_bucket(), Prefix=prefix, MaxKeys=limit)
    return [o["Key"] for o in found.get("Contents", [])]


def put(key: str, body: bytes, content_type: str, cache_control: str | None = None) -> None:
    """Store an object the server made itself (a mini-program code): never a client's upload."""
    extra = {"CacheControl": cache_control} if cache_control else {}
    _s3().put_object(Bucket=_bucket(), Key=key, Body=body, ContentType=content_type, **extra)


def put_file(key: str, fileobj: Any, content_type: str) -> None:
    """Store a large object the server wrote itself (an export) from a file, in parts when it is big."""
    _s3().upload_fileobj(fileobj, _bucket(), key, ExtraArgs={"ContentType": content_type})


def list_keys(prefix: str) -> list[dict[str, Any]]:
    """Every object under a prefix: [{"key", "size"}] in key order."""
    found, token = [], None
    while True:
        page = _s3().list_objects_v2(Bucket=_bucket(), Prefix=prefix, **({"ContinuationToken": token} if token else {}))
        found += [{"key": o["Key"], "size": o["Size"]} for o in page.get("Contents", [])]
        token = page.get("NextContinuationToken")
        if not page.get("IsTruncated") or not token:
            return found


def delete(keys: Iterable[str]) -> None:
    keys = list(keys)
    for start in range(0, len(keys), 1000):
        _s3().delete_objects(
            Bucket=_bucket(), Delete={"Objects": [{"Key": k} for k in keys[start:start + 1000]], "Quiet": True}
        )


def signed_get_url(key: str, expires: int, download_name: str | None = None) -> str:
    params = {"Bucket": _bucket(), "Key": key}
    if download_name:
        params["ResponseContentDisposition"] = f'attachment; filename="{download_name}"'
    return _on_files_domain(_signer().generate_presigned_url("get_object", Params=params, ExpiresIn=expires))
