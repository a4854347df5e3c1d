"""A small S3 for `make dev` and the tests: objects on disk under their own keys, written before the answer.

Why not an existing emulator: npm's s3rver 3.7.1 reads the POST policy field and ignores it ("unimplemented": any
key, type or size is stored) and has no ListParts or AbortMultipartUpload, which the files flow needs; moto keeps
objects in memory and does not enforce POST policies either. This serves the part of S3 wxbase and its tests use,
with S3's checks:

- SigV4 on every request (header or presigned query), against the stack's credentials; anonymous requests are
  refused, as the deployed bucket blocks public access. Presigned URLs expire.
- Browser POST uploads (`wx.uploadFile`): the policy's signature, expiry and every condition (exact fields,
  starts-with, content-length-range), and every form field must be covered by a condition, as on S3.
- Multipart: create, UploadPart (presigned PUTs), ListParts, complete (parts checked against their ETags), abort.
- Put/Get/Head/Delete object, DeleteObjects, ListObjectsV2, buckets; GET's response-content-* overrides.

Layout under the root: `<bucket>/` holds a key's segments as folders (`d_<segment>`) and the object as one file
(`o_<segment>`: a JSON line of metadata, then the bytes), so one rename publishes data and metadata together.
Each write goes to a temporary file, is fsynced, and is renamed into place before the answer; a delete is an unlink
before the answer. Multipart parts live in `.uploads/<uploadId>/` until completed or aborted.
"""
import base64
import binascii
import calendar
import datetime
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
from email.utils import formatdate
from typing import BinaryIO, Iterable
from urllib.parse import parse_qsl, quote, unquote
from xml.sax.saxutils import escape

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from devserver.loopback import LoopbackServer

NS = "http://s3.amazonaws.com/doc/2006-03-01/"
MAX_POST_BYTES = 5 * 1024 ** 3
MIN_PART_BYTES = 5 * 1024 * 1024
UNSIGNED = "UNSIGNED-PAYLOAD"
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


class S3Error(Exception):
    def __init__(self, status, code, message, **extra):
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


def _xml(root, inner):
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{NS}">{inner}</{root}>'


def _tag(name, value):
    return f"<{name}>{escape(str(value))}</{name}>"


def _iso(ts):
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(ts))


def _fsync_dir(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- storage ----------------------------------------------------------------------------------------------------


class DiskStore:
    """Buckets and objects under `root`. One writer lock per store keeps renames and listings coherent."""

    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(root)
        self.uploads = os.path.join(self.root, ".uploads")
        self.tmp = os.path.join(self.root, ".tmp")
        for path in (self.root, self.uploads, self.tmp):
            os.makedirs(path, exist_ok=True)
        for stale in os.listdir(self.tmp):  # left by a kill in the middle of a write; never published
            os.unlink(os.path.join(self.tmp, stale))
        self.lock = threading.Lock()

    # paths
    def bucket_dir(self, bucket: str) -> str:
        if not _BUCKET_NAME.match(bucket or ""):
            raise S3Error(404, "NoSuchBucket", "The specified bucket does not exist", BucketName=bucket)
        return os.path.join(self.root, bucket)

    def existing_bucket(self, bucket: str) -> str:
        path = self.bucket_dir(bucket)
        if not os.path.isdir(path):
            raise S3Error(404, "NoSuchBucket", "The specified bucket does not exist", BucketName=bucket)
        return path

    def object_path(self, bucket: str, key: str) -> str:
        if not key or len(key.encode()) > 1024:
            raise S3Error(400, "KeyTooLongError" if key else "InvalidArgument", "Invalid object key")
        parts = key.split("/")
        folders = [f"d_{quote(p, safe='')}" for p in parts[:-1]]
        return os.path.join(self.existing_bucket(bucket), *folders, f"o_{quote(parts[-1], safe='')}")

    @staticmethod
    def key_from_path(bucket_dir: str, path: str) -> str:
        parts = os.path.relpath(path, bucket_dir).split(os.sep)
        return "/".join(unquote(p[2:]) for p in parts)

    # buckets
    def buckets(self) -> list[tuple[str, float]]:
        names = [n for n in sorted(os.listdir(self.root)) if not n.startswith(".")]
        return [(n, os.path.getctime(os.path.join(self.root, n))) for n in names]

    def create_bucket(self, bucket: str) -> None:
        path = self.bucket_dir(bucket)
        os.makedirs(path, exist_ok=True)
        _fsync_dir(self.root)

    # objects
    def _temp(self):
        fd, path = tempfile.mkstemp(dir=self.tmp)
        return os.fdopen(fd, "wb"), path

    def put(self, bucket: str, key: str, chunks: Iterable[bytes], content_type: str, metadata: dict | None = None,
            etag: str | None = None) -> dict:
        """Write an object from an iterable of byte chunks; returns its metadata."""
        target = self.object_path(bucket, key)
        out, tmp = self._temp()
        digest, size = hashlib.md5(), 0
        try:
            with out:
                out.write(b" " * 512 + b"\n")  # room for the metadata line, rewritten below
                for chunk in chunks:
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
                meta = {"contentType": content_type or "binary/octet-stream", "size": size,
                        "etag": etag or digest.hexdigest(), "modified": time.time(), "metadata": metadata or {}}
                line = json.dumps(meta, separators=(",", ":")).encode()
                if len(line) > 512:
                    raise S3Error(400, "MetadataTooLarge", "Your metadata headers exceed the maximum allowed size")
                out.seek(0)
                out.write(line.ljust(512) + b"\n")
                out.flush()
                os.fsync(out.fileno())
            with self.lock:
                os.makedirs(os.path.dirname(target), exist_ok=True)
                os.replace(tmp, target)
            _fsync_dir(os.path.dirname(target))
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return meta

    def head(self, bucket: str, key: str) -> dict:
        path = self.object_path(bucket, key)
        try:
            with open(path, "rb") as f:
                return json.loads(f.readline())
        except FileNotFoundError:
            raise S3Error(404, "NoSuchKey", "The specified key does not exist.", Key=key) from None

    def open(self, bucket: str, key: str) -> tuple[dict, BinaryIO]:
        path = self.object_path(bucket, key)
        try:
            f = open(path, "rb")
        except FileNotFoundError:
            raise S3Error(404, "NoSuchKey", "The specified key does not exist.", Key=key) from None
        meta = json.loads(f.readline())
        return meta, f

    def delete(self, bucket: str, key: str) -> None:
        path = self.object_path(bucket, key)
        with self.lock:
            try:
                os.unlink(path)
            except FileNotFoundError:
                return
            folder, bucket_dir = os.path.dirname(path), self.existing_bucket(bucket)
            while folder != bucket_dir:  # drop folders the key left empty
                try:
                    os.rmdir(folder)
                except OSError:
                    break
                folder = os.path.dirname(folder)
            _fsync_dir(folder)  # the nearest folder still there records the removal

    def keys(self, bucket: str) -> list[str]:
        bucket_dir = self.existing_bucket(bucket)
        found: list[str] = []
        with self.lock:
            for folder, _, files in os.walk(bucket_dir):
                found.extend(self.key_from_path(bucket_dir, os.path.join(folder, n)) for n in files
                             if n.startswith("o_"))
        return sorted(found)

    # multipart
    def _upload_dir(self, upload_id):
        if not re.fullmatch(r"[A-Za-z0-9_-]{16,64}", upload_id or ""):
            raise S3Error(404, "NoSuchUpload", "The specified upload does not exist.")
        return os.path.join(self.uploads, upload_id)

    def upload_info(self, bucket: str, key: str, upload_id: str) -> dict:
        try:
            with open(os.path.join(self._upload_dir(upload_id), "info.json")) as f:
                info = json.load(f)
        except FileNotFoundError:
            raise S3Error(404, "NoSuchUpload", "The specified upload does not exist.", UploadId=upload_id) from None
        if (info["bucket"], info["key"]) != (bucket, key):
            raise S3Error(404, "NoSuchUpload", "The specified upload does not exist.", UploadId=upload_id)
        return info

    def start_upload(self, bucket: str, key: str, content_type: str, metadata: dict) -> str:
        self.object_path(bucket, key)  # the bucket exists and the key is valid
        upload_id = secrets.token_urlsafe(24)
        folder = self._upload_dir(upload_id)
        os.makedirs(folder)
        info = {"bucket": bucket, "key": key, "contentType": content_type, "metadata": metadata,
                "started": time.time()}
        with open(os.path.join(folder, "info.json"), "w") as f:
            json.dump(info, f)
            f.flush()
            os.fsync(f.fileno())
        _fsync_dir(self.uploads)
        return upload_id

    def put_part(self, bucket: str, key: str, upload_id: str, number: int, chunks: Iterable[bytes]) -> str:
        self.upload_info(bucket, key, upload_id)
        out, tmp = self._temp()
        digest, size = hashlib.md5(), 0
        with out:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        folder = self._upload_dir(upload_id)
        os.replace(tmp, os.path.join(folder, f"part-{number:05d}"))
        with open(os.path.join(folder, f"part-{number:05d}.md5"), "w") as f:
            f.write(digest.hexdigest())
        _fsync_dir(folder)
        return digest.hexdigest()

    def parts(self, bucket: str, key: str, upload_id: str) -> list[dict]:
        self.upload_info(bucket, key, upload_id)
        folder = self._upload_dir(upload_id)
        found: list[str] = []
        for name in sorted(os.listdir(folder)):
            if re.fullmatch(r"part-\d{5}", name):
                path = os.path.join(folder, name)
                try:
                    with open(path + ".md5") as f:
                        etag = f.read().strip()
                except FileNotFoundError:  # the part's write was cut short; S3 never acknowledged it
                    continue
                found.append({"number": int(name[5:]), "etag": etag, "size": os.path.getsize(path),
                              "modified": os.path.getmtime(path)})
        return found

    def complete(self, bucket: str, key: str, upload_id: str, requested: list[tuple[int, str]]) -> dict:
        info = self.upload_info(bucket, key, upload_id)
        have = {p["number"]: p for p in self.parts(bucket, key, upload_id)}
        if not requested:
            raise S3Error(400, "MalformedXML", "The XML you provided was not well-formed or did not validate")
        numbers = [n for n, _ in requested]
        if numbers != sorted(numbers) or len(set(numbers)) != len(numbers):
            raise S3Error(400, "InvalidPartOrder", "The list of parts was not in ascending order.")
        for index, (number, etag) in enumerate(requested):
            part = have.get(number)
            if part is None or part["etag"] != etag.strip('"'):
                raise S3Error(400, "InvalidPart", "One or more of the specified parts could not be found.")
            if index < len(requested) - 1 and part["size"] < MIN_PART_BYTES:
                raise S3Error(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed "
                                                     "object size.")
        folder = self._upload_dir(upload_id)

        def chunks():
            for number, _ in requested:
                with open(os.path.join(folder, f"part-{number:05d}"), "rb") as f:
                    while True:
                        block = f.read(1024 * 1024)
                        if not block:
                            break
                        yield block

        combined = hashlib.md5(b"".join(binascii.unhexlify(have[n]["etag"]) for n, _ in requested))
        etag = f"{combined.hexdigest()}-{len(requested)}"
        meta = self.put(bucket, key, chunks(), info["contentType"], info["metadata"], etag=etag)
        shutil.rmtree(folder, ignore_errors=True)
        return meta

    def abort(self, bucket: str, key: str, upload_id: str) -> None:
        self.upload_info(bucket, key, upload_id)
        shutil.rmtree(self._upload_dir(upload_id), ignore_errors=True)


# --- SigV4 --------------------------------------------------------------------------------------------------------


def _uri_encode(value):
    return quote(value, safe="-_.~")


def _signing_key(secret, date, region, service):
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _parse_amz_date(value):
    try:
        return calendar.timegm(time.strptime(value, "%Y%m%dT%H%M%SZ"))
    except (TypeError, ValueError):
        raise S3Error(403, "AccessDenied", "X-Amz-Date must be in the ISO8601 Long Format") from None


class Signatures:
    """Checks SigV4 with the secrets of known access keys."""

    def __init__(self, credentials: dict[str, str]) -> None:
        self.credentials = dict(credentials)

    def _secret(self, credential):
        parts = (credential or "").split("/")
        if len(parts) != 5 or parts[4] != "aws4_request":
            raise S3Error(403, "AuthorizationQueryParametersError", "Error parsing the X-Amz-Credential parameter")
        secret = self.credentials.get(parts[0])
        if secret is None:
            raise S3Error(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our "
                                                     "records.")
        return secret, parts[1], parts[2], parts[3]

    def check_request(self, request: Request) -> str:
        raw_query = request.environ.get("QUERY_STRING", "")
        query = parse_qsl(raw_query, keep_blank_values=True)
        args = dict(query)
        authorization = request.headers.get("Authorization", "")
        if "X-Amz-Signature" in args:
            if args.get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256":
                raise S3Error(400, "AuthorizationQueryParametersError", "X-Amz-Algorithm only supports "
                                                                        "AWS4-HMAC-SHA256")
            credential, signed, signature = args.get("X-Amz-Credential"), args.get("X-Amz-SignedHeaders", ""), \
                args["X-Amz-Signature"]
            amz_date = args.get("X-Amz-Date", "")
            try:
                expires = int(args.get("X-Amz-Expires", ""))
            except ValueError:
                raise S3Error(400, "AuthorizationQueryParametersError", "X-Amz-Expires must be a number") from None
            if time.time() > _parse_amz_date(amz_date) + expires:
                raise S3Error(403, "AccessDenied", "Request has expired")
            payload_hash = UNSIGNED
            query = [(k, v) for k, v in query if k != "X-Amz-Signature"]
        elif authorization.startswith("AWS4-HMAC-SHA256 "):
            fields = dict(part.strip().split("=", 1) for part in authorization[17:].split(",") if "=" in part)
            credential, signed, signature = fields.get("Credential"), fields.get("SignedHeaders", ""), \
                fields.get("Signature", "")
            amz_date = request.headers.get("X-Amz-Date", "")
            if abs(time.time() - _parse_amz_date(amz_date)) > 15 * 60:
                raise S3Error(403, "RequestTimeTooSkewed", "The difference between the request time and the "
                                                           "current time is too large.")
            payload_hash = request.headers.get("X-Amz-Content-Sha256", UNSIGNED)
        else:
            raise S3Error(403, "AccessDenied", "Access Denied")
        secret, date, region, service = self._secret(credential)
        raw_path = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.path
        raw_path = raw_path.split("?", 1)[0]
        canonical_query = "&".join(f"{_uri_encode(k)}={_uri_encode(v)}" for k, v in sorted(query))
        names = [n for n in signed.split(";") if n]
        if "host" not in names:
            raise S3Error(403, "AccessDenied", "Host must be a signed header")
        headers = "".join(f"{n}:{' '.join((request.headers.get(n) or '').split())}\n" for n in names)
        canonical = "\n".join([request.method, raw_path, canonical_query, headers, signed, payload_hash])
        scope = f"{date}/{region}/{service}/aws4_request"
        to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
        expected = hmac.new(_signing_key(secret, date, region, service), to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            raise S3Error(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the "
                                                        "signature you provided.")
        return payload_hash

    def check_policy(self, fields: dict[str, str]) -> list:
        """The POST form's policy: signature, expiry and conditions (size is checked while reading the file)."""
        policy_b64 = fields.get("policy")
        if not policy_b64:
            raise S3Error(403, "AccessDenied", "Bucket POST must contain a field named 'policy'.")
        if fields.get("x-amz-algorithm") != "AWS4-HMAC-SHA256":
            raise S3Error(400, "InvalidArgument", "x-amz-algorithm must be AWS4-HMAC-SHA256")
        secret, date, region, service = self._secret(fields.get("x-amz-credential"))
        expected = hmac.new(_signing_key(secret, date, region, service), policy_b64.encode(),
                            hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, fields.get("x-amz-signature", "")):
            raise S3Error(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the "
                                                        "signature you provided.")
        try:
            policy = json.loads(base64.b64decode(policy_b64))
            expiration = datetime.datetime.strptime(policy["expiration"][:19], "%Y-%m-%dT%H:%M:%S")
            conditions = policy["conditions"]
        except (ValueError, KeyError, TypeError):
            raise S3Error(400, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.") from None
        if time.time() > calendar.timegm(expiration.timetuple()):
            raise S3Error(403, "AccessDenied", "Invalid according to Policy: Policy expired.")
        return conditions


def check_conditions(conditions: list, fields: dict[str, str], bucket: str) -> tuple[int, int]:
    """(min, max) size from content-length-range; raises S3Error for a field a condition refuses or doesn't cover."""
    covered, size_range = set(), (0, MAX_POST_BYTES)

    def failed(condition):
        return S3Error(403, "AccessDenied", "Invalid according to Policy: Policy Condition failed: "
                                            + json.dumps(condition))

    for condition in conditions:
        if isinstance(condition, dict) and len(condition) == 1:
            (name, value), = condition.items()
            op, name = "eq", name.lower()
        elif isinstance(condition, list) and len(condition) == 3 and condition[0] == "content-length-range":
            size_range = (int(condition[1]), int(condition[2]))
            continue
        elif isinstance(condition, list) and len(condition) == 3 and str(condition[1]).startswith("$"):
            op, name, value = str(condition[0]).lower(), condition[1][1:].lower(), condition[2]
        else:
            raise S3Error(400, "InvalidPolicyDocument", "Invalid Policy: Invalid Condition: " + json.dumps(condition))
        covered.add(name)
        actual = bucket if name == "bucket" else fields.get(name, "")
        if op == "eq" and actual != value:
            raise failed(condition)
        if op == "starts-with" and not actual.startswith(value):
            raise failed(condition)
        if op not in ("eq", "starts-with"):
            raise S3Error(400, "InvalidPolicyDocument", "Invalid Policy: Invalid Condition: " + json.dumps(condition))
    exempt = {"policy", "x-amz-signature", "file"}
    for name in fields:
        if name not in exempt and not name.startswith("x-ignore-") and name not in covered:
            raise S3Error(403, "AccessDenied", "Invalid according to Policy: Extra input fields: " + name)
    return size_range


# --- HTTP ---------------------------------------------------------------------------------------------------------


def _aws_chunked(stream):
    """The payload of an `aws-chunked` body (`<hex size>[;chunk-signature=…]\\r\\n<data>\\r\\n` …, then trailers)."""
    while True:
        line = stream.readline(4096)
        if not line:
            raise S3Error(400, "IncompleteBody", "The request body terminated unexpectedly")
        try:
            size = int(line.split(b";")[0].strip(), 16)
        except ValueError:
            raise S3Error(400, "InvalidRequest", "Malformed aws-chunked body") from None
        if size == 0:
            return
        data = stream.read(size)
        if len(data) != size:
            raise S3Error(400, "IncompleteBody", "The request body terminated unexpectedly")
        yield data
        stream.read(2)


def _body_chunks(request, payload_hash):
    stream = request.stream
    if "aws-chunked" in (request.headers.get("Content-Encoding") or "") or request.headers.get(
            "X-Amz-Decoded-Content-Length"):
        yield from _aws_chunked(stream)
        return
    digest = hashlib.sha256() if payload_hash not in (UNSIGNED,) and not payload_hash.startswith("STREAMING") \
        else None
    remaining = request.content_length
    while remaining is None or remaining > 0:
        block = stream.read(1024 * 1024 if remaining is None else min(remaining, 1024 * 1024))
        if not block:
            break
        if remaining is not None:
            remaining -= len(block)
        if digest:
            digest.update(block)
        yield block
    if remaining:
        raise S3Error(400, "IncompleteBody", "You did not provide the number of bytes specified by the "
                                             "Content-Length HTTP header.")
    if digest and digest.hexdigest() != payload_hash:
        raise S3Error(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match "
                                                        "what was computed.")


def _user_metadata(headers):
    return {k[11:].lower(): v for k, v in headers.items() if k.lower().startswith("x-amz-meta-")}


class DiskS3App:
    def __init__(self, store: DiskStore, signatures: "Signatures") -> None:
        self.store, self.signatures = store, signatures

    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            response = self.dispatch(request)
        except S3Error as exc:
            response = self.error(exc, request)
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["x-amz-request-id"] = secrets.token_hex(8).upper()
        return response(environ, start_response)

    @staticmethod
    def error(exc: S3Error, request: Request) -> Response:
        extra = "".join(_tag(k, v) for k, v in exc.extra.items())
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error>{_tag("Code", exc.code)}{_tag("Message", exc.message)}'
                f'{extra}{_tag("Resource", request.path)}</Error>')
        return Response("" if request.method == "HEAD" else body, status=exc.status, content_type="application/xml")

    def dispatch(self, request: Request) -> Response:
        method = request.method
        if method == "OPTIONS":  # CORS preflight (a browser or WeChat DevTools' simulator)
            return Response(status=200, headers={
                "Access-Control-Allow-Methods": "GET, PUT, POST, HEAD, DELETE",
                "Access-Control-Allow-Headers": request.headers.get("Access-Control-Request-Headers", "*"),
                "Access-Control-Expose-Headers": "ETag", "Access-Control-Max-Age": "600"})
        raw_path = (request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or "/").split("?", 1)[0]
        segments = raw_path.lstrip("/").split("/", 1)
        bucket = unquote(segments[0]) if segments[0] else ""
        key = unquote(segments[1]) if len(segments) > 1 and segments[1] else ""
        args = request.args
        if method == "POST" and bucket and not key and "delete" not in args:
            return self.post_object(request, bucket)  # authorised by its policy, not by a request signature
        payload_hash = self.signatures.check_request(request)
        if not bucket:
            if method == "GET":
                return self.list_buckets()
            raise S3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
        if not key:
            return self.bucket_request(request, bucket, payload_hash)
        return self.object_request(request, bucket, key, payload_hash)

    # buckets
    def list_buckets(self) -> Response:
        inner = "".join(f"<Bucket>{_tag('Name', n)}{_tag('CreationDate', _iso(t))}</Bucket>"
                        for n, t in self.store.buckets())
        body = _xml("ListAllMyBucketsResult", f"<Owner>{_tag('ID', 'local')}</Owner><Buckets>{inner}</Buckets>")
        return Response(body, content_type="application/xml")

    def bucket_request(self, request: Request, bucket: str, payload_hash: str) -> Response:
        method, args = request.method, request.args
        if method == "PUT" and not args:
            self.store.create_bucket(bucket)
            return Response(status=200, headers={"Location": "/" + bucket})
        if method == "HEAD":
            self.store.existing_bucket(bucket)
            return Response(status=200)
        if method == "POST" and "delete" in args:
            return self.delete_objects(request, bucket, payload_hash)
        if method == "GET" and not set(args) - {"list-type", "prefix", "continuation-token", "max-keys",
                                                "start-after", "encoding-type", "delimiter", "marker"}:
            return self.list_objects(request, bucket)
        raise S3Error(501, "NotImplemented", "A parameter you provided implies functionality that is not "
                                             "implemented")

    def list_objects(self, request: Request, bucket: str) -> Response:
        args = request.args
        prefix = args.get("prefix", "")
        max_keys = min(int(args.get("max-keys", "1000") or 1000), 1000)
        after = args.get("continuation-token") or args.get("start-after") or args.get("marker") or ""
        keys = [k for k in self.store.keys(bucket) if k.startswith(prefix) and k > after]
        page, truncated = keys[:max_keys], len(keys) > max_keys
        contents = ""
        for k in page:
            try:
                meta = self.store.head(bucket, k)
            except S3Error:
                continue
            contents += (f"<Contents>{_tag('Key', k)}{_tag('LastModified', _iso(meta['modified']))}"
                         f"{_tag('ETag', chr(34) + meta['etag'] + chr(34))}{_tag('Size', meta['size'])}"
                         f"{_tag('StorageClass', 'STANDARD')}</Contents>")
        inner = (f"{_tag('Name', bucket)}{_tag('Prefix', prefix)}{_tag('MaxKeys', max_keys)}"
                 f"{_tag('KeyCount', len(page))}{_tag('IsTruncated', str(truncated).lower())}{contents}")
        if truncated:
            inner += _tag("NextContinuationToken", page[-1]) + _tag("NextMarker", page[-1])
        return Response(_xml("ListBucketResult", inner), content_type="application/xml")

    def delete_objects(self, request: Request, bucket: str, payload_hash: str) -> Response:
        import xml.etree.ElementTree as ET

        body = b"".join(_body_chunks(request, payload_hash))
        try:
            root = ET.fromstring(body)
        except ET.ParseError:
            raise S3Error(400, "MalformedXML", "The XML you provided was not well-formed or did not validate") from None
        keys = [el.text or "" for el in root.iter() if el.tag.endswith("Key") and not el.tag.endswith("VersionId")]
        quiet = any((el.text or "").lower() == "true" for el in root.iter() if el.tag.endswith("Quiet"))
        for key in keys:
            self.store.delete(bucket, key)
        inner = "" if quiet else "".join(f"<Deleted>{_tag('Key', k)}</Deleted>" for k in keys)
        return Response(_xml("DeleteResult", inner), content_type="application/xml")

    # objects
    def object_request(self, request: Request, bucket: str, key: str, payload_hash: str) -> Response:
        method, args = request.method, request.args
        if "uploadId" in args:
            upload_id = args["uploadId"]
            if method == "PUT":
                if "x-amz-copy-source" in request.headers:
                    raise S3Error(501, "NotImplemented", "UploadPartCopy is not implemented")
                try:
                    number = int(args.get("partNumber", ""))
                except ValueError:
                    number = 0
                if not 1 <= number <= 10000:
                    raise S3Error(400, "InvalidArgument", "Part number must be an integer between 1 and 10000, "
                                                          "inclusive")
                etag = self.store.put_part(bucket, key, upload_id, number, _body_chunks(request, payload_hash))
                return Response(status=200, headers={"ETag": f'"{etag}"'})
            if method == "GET":
                return self.list_parts(request, bucket, key, upload_id)
            if method == "POST":
                return self.complete(request, bucket, key, upload_id, payload_hash)
            if method == "DELETE":
                self.store.abort(bucket, key, upload_id)
                return Response(status=204)
        if method == "POST" and "uploads" in args:
            upload_id = self.store.start_upload(bucket, key, request.headers.get("Content-Type", ""),
                                                _user_metadata(request.headers))
            inner = f"{_tag('Bucket', bucket)}{_tag('Key', key)}{_tag('UploadId', upload_id)}"
            return Response(_xml("InitiateMultipartUploadResult", inner), content_type="application/xml")
        if {k for k in args if not k.startswith("X-Amz-")} - {"response-content-disposition", "response-content-type",
                                                             "response-cache-control", "x-id"}:
            raise S3Error(501, "NotImplemented", "A parameter you provided implies functionality that is not "
                                                 "implemented")
        if method == "PUT":
            if "x-amz-copy-source" in request.headers:
                raise S3Error(501, "NotImplemented", "CopyObject is not implemented")
            meta = self.store.put(bucket, key, _body_chunks(request, payload_hash),
                                  request.headers.get("Content-Type", ""), _user_metadata(request.headers))
            return Response(status=200, headers={"ETag": f'"{meta["etag"]}"'})
        if method in ("GET", "HEAD"):
            return self.get_object(request, bucket, key)
        if method == "DELETE":
            self.store.delete(bucket, key)
            return Response(status=204)
        raise S3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")

    def get_object(self, request: Request, bucket: str, key: str) -> Response:
        args = request.args
        meta, f = self.store.open(bucket, key)
        headers = {"ETag": f'"{meta["etag"]}"', "Last-Modified": formatdate(meta["modified"], usegmt=True),
                   "Accept-Ranges": "bytes"}
        headers.update({f"x-amz-meta-{k}": v for k, v in meta.get("metadata", {}).items()})
        content_type = args.get("response-content-type") or meta["contentType"]
        if args.get("response-content-disposition"):
            headers["Content-Disposition"] = args["response-content-disposition"]
        if args.get("response-cache-control"):
            headers["Cache-Control"] = args["response-cache-control"]
        size, status, start = meta["size"], 200, 0
        match = re.fullmatch(r"bytes=(\d*)-(\d*)", request.headers.get("Range", ""))
        if match and size and (match.group(1) or match.group(2)):
            first, last = match.groups()
            start = int(first) if first else max(0, size - int(last))
            end = min(size - 1, int(last)) if first and last else size - 1
            if start > end or start >= size:
                f.close()
                raise S3Error(416, "InvalidRange", "The requested range is not satisfiable")
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
            status, size = 206, end - start + 1
        headers["Content-Length"] = str(size)
        if request.method == "HEAD":
            f.close()
            return Response(status=status, headers=headers, content_type=content_type)
        f.seek(start, os.SEEK_CUR)

        def body(remaining=size):
            with f:
                while remaining > 0:
                    block = f.read(min(remaining, 1024 * 1024))
                    if not block:
                        return
                    remaining -= len(block)
                    yield block

        return Response(body(), status=status, headers=headers, content_type=content_type, direct_passthrough=True)

    def list_parts(self, request: Request, bucket: str, key: str, upload_id: str) -> Response:
        args = request.args
        marker = int(args.get("part-number-marker", "0") or 0)
        max_parts = min(int(args.get("max-parts", "1000") or 1000), 1000)
        parts = [p for p in self.store.parts(bucket, key, upload_id) if p["number"] > marker]
        page, truncated = parts[:max_parts], len(parts) > max_parts
        inner = (f"{_tag('Bucket', bucket)}{_tag('Key', key)}{_tag('UploadId', upload_id)}"
                 f"{_tag('PartNumberMarker', marker)}{_tag('MaxParts', max_parts)}"
                 f"{_tag('IsTruncated', str(truncated).lower())}")
        if page:
            inner += _tag("NextPartNumberMarker", page[-1]["number"])
        inner += "".join(f"<Part>{_tag('PartNumber', p['number'])}{_tag('LastModified', _iso(p['modified']))}"
                         f"{_tag('ETag', chr(34) + p['etag'] + chr(34))}{_tag('Size', p['size'])}</Part>"
                         for p in page)
        return Response(_xml("ListPartsResult", inner), content_type="application/xml")

    def complete(self, request: Request, bucket: str, key: str, upload_id: str, payload_hash: str) -> Response:
        import xml.etree.ElementTree as ET

        try:
            root = ET.fromstring(b"".join(_body_chunks(request, payload_hash)))
            requested = []
            for part in root:
                fields = {child.tag.split("}")[-1]: (child.text or "") for child in part}
                requested.append((int(fields["PartNumber"]), fields["ETag"]))
        except (ET.ParseError, KeyError, ValueError):
            raise S3Error(400, "MalformedXML", "The XML you provided was not well-formed or did not validate") from None
        meta = self.store.complete(bucket, key, upload_id, requested)
        inner = (f"{_tag('Location', request.host_url + bucket + '/' + quote(key))}{_tag('Bucket', bucket)}"
                 f"{_tag('Key', key)}{_tag('ETag', chr(34) + meta['etag'] + chr(34))}")
        return Response(_xml("CompleteMultipartUploadResult", inner), content_type="application/xml")

    def post_object(self, request: Request, bucket: str) -> Response:
        """A browser-form upload: every field is checked against the signed policy before the file is stored."""
        self.store.existing_bucket(bucket)
        if request.mimetype != "multipart/form-data":
            raise S3Error(412, "PreconditionFailed", "Bucket POST must be of the enclosure-type multipart/form-data")
        request.max_form_memory_size = 1024 * 1024
        form, files = request.form, request.files
        upload = files.get("file")
        if upload is None:
            raise S3Error(400, "InvalidArgument", "POST requires exactly one file upload per request.")
        fields = {k.lower(): v for k, v in form.items()}
        conditions = self.signatures.check_policy(fields)
        key = fields.get("key", "")
        if not key:
            raise S3Error(400, "InvalidArgument", "Bucket POST must contain a field named 'key'.")
        if "${filename}" in key:
            key = key.replace("${filename}", upload.filename or "")
        fields["key"] = key
        low, high = check_conditions(conditions, fields, bucket)
        upload.stream.seek(0, os.SEEK_END)
        size = upload.stream.tell()
        upload.stream.seek(0)
        if size > high:
            raise S3Error(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size",
                          ProposedSize=size, MaxSizeAllowed=high)
        if size < low:
            raise S3Error(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size",
                          ProposedSize=size, MinSizeAllowed=low)

        def chunks():
            while True:
                block = upload.stream.read(1024 * 1024)
                if not block:
                    return
                yield block

        metadata = {k[11:]: v for k, v in fields.items() if k.startswith("x-amz-meta-")}
        meta = self.store.put(bucket, key, chunks(), fields.get("content-type", ""), metadata)
        status = int(fields.get("success_action_status") or 204)
        headers = {"ETag": f'"{meta["etag"]}"', "Location": request.host_url + bucket + "/" + quote(key)}
        if status == 201:
            inner = (f"{_tag('Location', headers['Location'])}{_tag('Bucket', bucket)}{_tag('Key', key)}"
                     f"{_tag('ETag', headers['ETag'])}")
            return Response(_xml("PostResponse", inner), status=201, headers=headers, content_type="application/xml")
        return Response(status=200 if status == 200 else 204, headers=headers)


class DiskS3(LoopbackServer):
    """The disk S3 on `host`:`port`: `.url`, `.stop()`. `credentials` maps access keys to secrets."""

    def __init__(self, root: str, credentials: dict[str, str], host: str = "127.0.0.1", port: int = 0) -> None:
        self.store = DiskStore(root)
        app = DiskS3App(self.store, Signatures(credentials))
        server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
        server.daemon_threads = True
        super().__init__(server, "disk-s3")


def _quiet_handler():
    from werkzeug.serving import WSGIRequestHandler

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):
            pass

    return Quiet


_QuietHandler = _quiet_handler()
