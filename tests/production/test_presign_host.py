"""The presign code hands out URLs on WXBASE_FILES_DOMAIN, signed for the host the files domain's CloudFront
origin sends to S3 — `<bucket>.s3.<region>.<URL suffix>`, as infra/template.yaml names it — in every region,
China included. Checked offline (presigning needs no network) with an independent SigV4 verifier."""
import base64
import json
from urllib.parse import urlsplit

import pytest

from chalicelib.core.settings import ConfigError, files_base_url
from tests.production.cfn import load_template, render_sub
from tests.production.sigv4 import Rejected, verify_post, verify_query

CREDENTIALS = {"AKIDEXAMPLE": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
BUCKET = "wxbase-prod-bucket-1a2b3c4d5e6f"
KEY = "pbc_clips000001/abcdefghijklmno/cat_0123456789.png"
REGIONS = ["us-east-1", "ap-east-1", "ap-southeast-1", "cn-north-1", "cn-northwest-1"]


@pytest.fixture
def deployed(monkeypatch):
    """The Lambda's environment: real AWS endpoints (none overridden), a region, the files domain."""
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    (access_key, secret), = CREDENTIALS.items()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    monkeypatch.setenv("WXBASE_BUCKET", BUCKET)
    monkeypatch.setenv("WXBASE_FILES_DOMAIN", "files.example.com")

    def in_region(region):
        monkeypatch.setenv("AWS_REGION", region)
        monkeypatch.setenv("AWS_DEFAULT_REGION", region)

    yield in_region


def origin_host(region):
    """The files distribution's origin, from the template: the Host CloudFront sends to S3."""
    origin, = load_template()["Resources"]["FilesDistribution"]["Properties"]["DistributionConfig"]["Origins"]
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return render_sub(origin["DomainName"]["Sub"], {"Bucket": BUCKET, "AWS::Region": region, "AWS::URLSuffix": suffix})


def _check(method, url, host):
    parts = urlsplit(url)
    verify_query(method, parts.path, parts.query, {"host": host}, CREDENTIALS)


@pytest.mark.parametrize("region", REGIONS)
def test_signed_urls_are_on_the_files_domain_and_valid_for_the_origin_host(deployed, region):
    from chalicelib.store import objects

    deployed(region)
    host = origin_host(region)
    assert host == f"{BUCKET}.s3.{region}.{'amazonaws.com.cn' if region.startswith('cn-') else 'amazonaws.com'}"
    download = objects.signed_get_url(KEY, 300, download_name="cat.png")
    parts = objects.part_urls(KEY, "upload-id-1", 2)
    for method, url in [("GET", download)] + [("PUT", p["url"]) for p in parts]:
        assert urlsplit(url).netloc == "files.example.com" and url.startswith("https://")
        assert "X-Amz-SignedHeaders=host" in url
        _check(method, url, host)  # what S3 computes behind CloudFront
        with pytest.raises(Rejected, match="SignatureDoesNotMatch"):
            _check(method, url, "files.example.com")  # what it would compute if the viewer's Host got through


@pytest.mark.parametrize("region", ["ap-east-1", "cn-north-1"])
def test_the_upload_form_posts_to_the_files_domain_and_its_policy_verifies(deployed, region):
    from chalicelib.store import objects

    deployed(region)
    post = objects.presigned_post(KEY, "image/png", max_bytes=1000)
    assert post["url"] == "https://files.example.com/"
    fields = {k.lower(): v for k, v in post["fields"].items()}
    verify_post(fields, 1000, BUCKET, CREDENTIALS)  # the signature covers the policy, not the host
    policy = json.loads(base64.b64decode(post["fields"]["policy"]))
    assert {"bucket": BUCKET} in policy["conditions"] and {"key": KEY} in policy["conditions"]
    with pytest.raises(Rejected, match="EntityTooLarge"):
        verify_post(fields, 1001, BUCKET, CREDENTIALS)


def test_without_a_files_domain_urls_name_the_buckets_regional_host(deployed, monkeypatch):
    from chalicelib.store import objects

    monkeypatch.delenv("WXBASE_FILES_DOMAIN")
    deployed("ap-east-1")
    url = objects.signed_get_url(KEY, 300)
    assert urlsplit(url).netloc == f"{BUCKET}.s3.ap-east-1.amazonaws.com"
    _check("GET", url, urlsplit(url).netloc)


def test_aws_endpoint_url_is_honoured_and_not_overridden(deployed, monkeypatch):
    from chalicelib.core import aws
    from chalicelib.store import objects

    deployed("us-east-1")
    monkeypatch.delenv("WXBASE_FILES_DOMAIN")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    aws.reset_clients()
    try:
        assert objects.signed_get_url(KEY, 300).startswith(f"http://127.0.0.1:9/{BUCKET}/")
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.2:9")
        aws.reset_clients()
        assert objects.presigned_post(KEY, "image/png", 10)["url"] == f"http://127.0.0.2:9/{BUCKET}"
    finally:
        aws.reset_clients()


@pytest.mark.parametrize("raw,base", [
    ("", ""), ("files.example.com", "https://files.example.com"),
    ("https://Files.Example.com/", "https://files.example.com"),
    ("http://files.localtest:8123", "http://files.localtest:8123"),
])
def test_files_domain_setting(raw, base):
    assert files_base_url(raw) == base


@pytest.mark.parametrize("raw", ["files.example.com/uploads", "ftp://files.example.com", "https://", "files:port",
                                 "https://user@files.example.com", "files.example.com?x=1"])
def test_files_domain_setting_rejects_what_would_break_signatures(raw):
    with pytest.raises(ConfigError):
        files_base_url(raw)
