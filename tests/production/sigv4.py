"""S3's two ways of checking a presigned request, written from AWS's SigV4 specification (not botocore's signer,
which made the signatures), so that a test can tell whether a request that went through a proxy still verifies.

- Query-string authentication (presigned GET / UploadPart PUT): the signature covers the method, the path, the
  query (minus X-Amz-Signature), the signed headers — `host` for boto3's presigned URLs — and UNSIGNED-PAYLOAD.
- Browser-based POST: the signature covers only the base64 policy; S3 then checks every form field against the
  policy's conditions, the file size against content-length-range, and the expiration.
"""
import base64
import hashlib
import hmac
import json
import time
from calendar import timegm
from urllib.parse import parse_qsl, quote, unquote


class Rejected(Exception):
    def __init__(self, status, code, message):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


def _hmac(key, text):
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def signing_key(secret, date, region, service="s3"):
    key = _hmac(("AWS4" + secret).encode(), date)
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    return key


def _uri_encode(text, safe="-_.~"):
    return quote(text, safe=safe)


def _amz_time(stamp):
    return timegm(time.strptime(stamp, "%Y%m%dT%H%M%SZ"))


def _credential(value, credentials):
    parts = value.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        raise Rejected(400, "AuthorizationQueryParametersError", "malformed credential")
    access_key, date, region, service, _ = parts
    if access_key not in credentials:
        raise Rejected(403, "InvalidAccessKeyId", "unknown access key")
    return credentials[access_key], date, region, service


def verify_query(method, raw_path, raw_query, headers, credentials, now=None):
    """Raise Rejected unless the query-string signature holds for this request as it arrives.

    `headers` maps lowercase names to values as received (including `host`)."""
    params = parse_qsl(raw_query, keep_blank_values=True)
    given = dict(params)
    if given.get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256":
        raise Rejected(400, "AuthorizationQueryParametersError", "X-Amz-Algorithm must be AWS4-HMAC-SHA256")
    secret, date, region, service = _credential(given.get("X-Amz-Credential", ""), credentials)
    amz_date = given.get("X-Amz-Date", "")
    expires = int(given.get("X-Amz-Expires", "0"))
    now = time.time() if now is None else now
    if now > _amz_time(amz_date) + expires:
        raise Rejected(403, "AccessDenied", "Request has expired")
    signed = given.get("X-Amz-SignedHeaders", "").split(";")
    if "host" not in signed:
        raise Rejected(400, "AuthorizationQueryParametersError", "host must be signed")
    canonical_query = "&".join(
        f"{_uri_encode(k)}={_uri_encode(v)}" for k, v in sorted(params) if k != "X-Amz-Signature")
    canonical_headers = "".join(f"{h}:{' '.join(headers.get(h, '').split())}\n" for h in signed)
    canonical_request = "\n".join([
        method, _uri_encode(unquote(raw_path), safe="/-_.~"), canonical_query, canonical_headers,
        ";".join(signed), "UNSIGNED-PAYLOAD",
    ])
    scope = f"{date}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                                hashlib.sha256(canonical_request.encode()).hexdigest()])
    expected = hmac.new(signing_key(secret, date, region, service), string_to_sign.encode(),
                        hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, given.get("X-Amz-Signature", "")):
        raise Rejected(403, "SignatureDoesNotMatch",
                       "The request signature we calculated does not match the signature you provided.")


def verify_post(fields, file_size, bucket, credentials, now=None):
    """Raise Rejected unless a browser-based POST upload passes S3's policy checks.

    `fields` maps lowercase form field names (the file excluded) to values; `bucket` is the bucket the request
    addresses (from the Host for virtual-hosted requests, the path for path-style ones)."""
    policy_b64 = fields.get("policy", "")
    if fields.get("x-amz-algorithm") != "AWS4-HMAC-SHA256":
        raise Rejected(400, "InvalidArgument", "x-amz-algorithm must be AWS4-HMAC-SHA256")
    secret, date, region, service = _credential(fields.get("x-amz-credential", ""), credentials)
    expected = hmac.new(signing_key(secret, date, region, service), policy_b64.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, fields.get("x-amz-signature", "")):
        raise Rejected(403, "SignatureDoesNotMatch", "The policy signature does not match.")
    policy = json.loads(base64.b64decode(policy_b64))
    now = time.time() if now is None else now
    if timegm(time.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ")) < now:
        raise Rejected(403, "AccessDenied", "Invalid according to Policy: Policy expired.")
    values = {**fields, "bucket": bucket}
    covered = {"bucket"}
    for condition in policy["conditions"]:
        if isinstance(condition, dict):
            (name, wanted), = condition.items()
            op, name = "eq", name.lower()
        elif condition[0] == "content-length-range":
            low, high = condition[1], condition[2]
            if file_size > high:
                raise Rejected(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
            if file_size < low:
                raise Rejected(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum")
            continue
        else:
            op, name, wanted = condition[0], condition[1].lstrip("$").lower(), condition[2]
        covered.add(name)
        got = values.get(name)
        if op == "eq" and got != wanted or op == "starts-with" and not str(got or "").startswith(wanted):
            raise Rejected(403, "AccessDenied", f"Invalid according to Policy: Policy Condition failed: {name}")
    for name in fields:
        if name not in covered and name not in ("policy", "x-amz-signature", "file") \
                and not name.startswith("x-ignore-"):
            raise Rejected(403, "AccessDenied", f"Invalid according to Policy: Extra input fields: {name}")
