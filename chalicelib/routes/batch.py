"""PocketBase's batch API: POST /api/batch (records/write/batch.py does the work).

The JS SDK's `pb.createBatch().send()` always sends multipart/form-data: the requests as JSON in the `@jsonPayload`
field and any file under `requests.<index>.<field>`; plain JSON is taken too.
"""
from __future__ import annotations

from typing import Any

from chalice.app import Request

from chalicelib.core import json_input
from chalicelib.core.errors import BadRequest
from chalicelib.core.patterns import lazy
from chalicelib.routes import schemas
from chalicelib.routes.blueprint import ApiBlueprint
from chalicelib.routes.common import caller_from, raw_body

bp = ApiBlueprint(__name__)

_REQUEST = schemas.obj(("method", "url"), method={"enum": ["POST", "PATCH", "PUT", "DELETE"]},
                       url={"type": "string", "examples": ["/api/collections/posts/records"]},
                       body={"type": "object"}, headers={"type": "object", "additionalProperties": schemas.STRING})
_PAYLOAD = schemas.obj(("requests",), requests={"type": "array", "maxItems": 50, "items": _REQUEST})
BODY = {"required": True, "content": {
    "application/json": {"schema": _PAYLOAD},
    "multipart/form-data": {"schema": schemas.obj(("@jsonPayload",), **{
        "@jsonPayload": {"type": "string", "contentMediaType": "application/json"}})}}}
ANSWER = {"type": "array", "items": schemas.obj(("status", "body"), status=schemas.INTEGER,
                                                 body={"type": ["object", "null"]})}
_FILE_PART = lazy(r"^requests(?:\.(\d+)\.|\[(\d+)\]\.)(.+)$")


@bp.route("/api/batch", methods=["POST"], content_types=["application/json", "multipart/form-data"],
          body=BODY, responses={"200": ANSWER})
def batch():
    """Record creates, updates, deletes and upserts in one transaction (PocketBase's batch API)."""
    from chalicelib.records.write import batch as records_batch

    request = bp.current_request
    payload, files = _payload(request)
    return records_batch.run(payload, caller_from(request), files)


def _payload(request: Request) -> tuple[Any, dict[int, list[str]]]:
    """The batch as JSON, and the field names of the files sent per request index (multipart)."""
    body = raw_body(request)
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        return (json_input.loads(body) if body.strip() else None), {}
    from email.message import Message  # here: the email package is heavy, and only multipart batches need it
    from email.parser import BytesParser
    from email.policy import HTTP

    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    if not message.is_multipart():
        raise BadRequest("Failed to read the submitted batch data.")
    payload: Any = None
    files: dict[int, list[str]] = {}
    for part in message.iter_parts():
        assert isinstance(part, Message)
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        found = _FILE_PART.match(name)
        if found and part.get_filename() is not None:
            files.setdefault(int(found[1] or found[2]), []).append(found[3])
        elif name == "@jsonPayload":
            data = part.get_payload(decode=True)
            payload = json_input.loads(data if isinstance(data, (bytes, str)) else b"")
    return payload, files
