"""Files: upload tickets for record file fields, multipart completion, and where a file link sends the client."""
from chalicelib.core import auth_tokens
from chalicelib.core.errors import BadRequest, Unauthorized, field_error
from chalicelib.files import links, uploads
from chalicelib.records import service as records

MAX_FILENAME = 255


def _require(body, name, kind, max_length=None):
    value = body.get(name)
    ok = isinstance(value, kind) and not isinstance(value, bool) and value not in ("", None)
    if ok and max_length and isinstance(value, str) and len(value) > max_length:
        ok = False
    if not ok:
        raise BadRequest(f"{name} is missing or invalid.",
                         {name: field_error("validation_required" if value in (None, "") else "validation_invalid_value",
                                            "Missing or invalid value.")})
    return value


def start_upload(body, caller):
    """A presigned POST (or multipart part URLs above 10 MB) for one file of one record field."""
    collection_name = _require(body, "collection", str, 100)
    field_name = _require(body, "field", str, 100)
    filename = _require(body, "filename", str, MAX_FILENAME)
    size = _require(body, "size", int)
    content_type = _require(body, "contentType", str, 255)
    record_id = body.get("recordId")
    if record_id is not None and not isinstance(record_id, str):
        raise BadRequest("recordId must be a string.",
                         {"recordId": field_error("validation_invalid_value", "Must be a string.")})
    collection, field, record_id = records.file_upload_target(collection_name, record_id, field_name, caller)
    answer = uploads.issue(caller.user_id, collection.id, record_id, field, filename, size, content_type)
    answer["collectionId"] = collection.id
    return answer


def complete_upload(body, caller):
    key = _require(body, "key", str, 1024)
    upload_id = _require(body, "uploadId", str, 1024)
    return uploads.complete_multipart(caller.user_id, key, upload_id)


def abort_upload(body, caller):
    key = _require(body, "key", str, 1024)
    upload_id = _require(body, "uploadId", str, 1024)
    uploads.abort_multipart(caller.user_id, key, upload_id)


def file_token(caller):
    if caller.auth is None:
        raise Unauthorized("The request requires a logged-in user.")
    return {"token": auth_tokens.issue_file_token(caller.user_id)}


def download_target(collection_name, record_id, filename, params, caller):
    """(url, cache-control) after the rules allow it; 404 for anything the caller may not see."""
    collection, field, public = records.visible_file(collection_name, record_id, filename, caller)
    return links.redirect_target(collection.id, record_id, filename, field, public, thumb=params.get("thumb"),
                                 download=params.get("download") in ("1", "true"))
