"""Files of record file fields: who may upload to a record's field, the upload flow, and who may fetch a file.

An existing record needs its updateRule to take an upload (404 when denied, as PocketBase hides it); a new record
(no id, or an id not taken yet) needs the createRule, evaluated on a record whose owner-style relations are the
caller (400 when denied). The record write that attaches the file checks its rule again with the real body.
A file is public when the collection's viewRule is "" and the field is not `protected`; other files need the
viewRule to pass. An image that content security holds back (records/moderation/image_check.py) answers 404
except to admins.
"""
from __future__ import annotations

from typing import Any

from chalicelib.core import admins, auth_tokens, ids, validate
from chalicelib.core.errors import BadRequest, NotFound, Unauthorized, invalid
from chalicelib.files import download, uploads
from chalicelib.records import access, sessions, store
from chalicelib.records.layout import USER_TOKEN_KEY
from chalicelib.records.moderation import image_check
from chalicelib.records.schema.fields import field_type
from chalicelib.records.schema.model import Collection, Field
from chalicelib.records.write import file_fields, record_writes

MAX_FILENAME = 255
UPLOAD_BODY = validate.Body(
    validate.Text("collection", max_length=100), validate.Text("field", max_length=100),
    validate.Text("filename", max_length=MAX_FILENAME), validate.Integer("size", description="bytes"),
    validate.Text("contentType", max_length=255),
    validate.Text("recordId", required=False, max_length=64, description="absent for a record not created yet"),
)
MULTIPART_BODY = validate.Body(validate.Text("key"), validate.Text("uploadId"))


def upload_target(collection_name: str, record_id: str | None, field_name: str,
                  caller: access.Caller) -> tuple[Collection, Field, str]:
    """(collection, field, record id) when the caller may put a file into that record field."""
    collection = access.collection(collection_name)
    f = collection.fields.get(field_name)
    if f is None or not field_type(f).holds_files:
        raise invalid("field", "validation_invalid_value", "Not a file field of this collection.",
                      "field must name a file field of the collection.")
    existing = None
    if record_id in (None, ""):
        record_id = ids.new_id()
    elif not ids.is_valid_id(record_id):
        raise invalid("recordId", "validation_invalid_format", "Invalid record id.",
                      "recordId must be 15 characters of a-z and 0-9.")
    else:
        existing = store.get(collection.name, record_id)
    assert record_id is not None
    if existing is not None:
        rule = access.rule(collection, "updateRule", caller, caller.context(old=existing.data))
        if not access.allows(rule, existing, caller):
            raise NotFound()
        return collection, f, record_id
    access.require_rule(collection, "createRule", caller)
    body = {name: caller.user_id for name in record_writes.owner_fields(collection)} if caller.user_id else {}
    prospective = store.new(collection, body, record_id=record_id)
    rule = access.rule(collection, "createRule", caller, caller.context(body=body))
    if not access.allows(rule, prospective, caller):
        raise BadRequest("You are not allowed to upload files to this collection.")
    return collection, f, record_id


def start_upload(body: dict[str, Any], caller: access.Caller) -> dict[str, Any]:
    """A presigned POST (or multipart part URLs above 10 MB) for one file of one record field."""
    values = UPLOAD_BODY.read(body)
    collection, f, record_id = upload_target(values["collection"], values["recordId"], values["field"], caller)
    answer = uploads.issue(_owner(caller), collection.id, record_id, f, values["filename"], values["size"],
                           values["contentType"])
    answer["collectionId"] = collection.id
    return answer


def complete_upload(body: dict[str, Any], caller: access.Caller) -> dict[str, Any]:
    values = MULTIPART_BODY.read(body)
    return uploads.complete_multipart(_owner(caller), values["key"], values["uploadId"])


def abort_upload(body: dict[str, Any], caller: access.Caller) -> None:
    values = MULTIPART_BODY.read(body)
    uploads.abort_multipart(_owner(caller), values["key"], values["uploadId"])


def _owner(caller: access.Caller) -> str:
    return uploads.ticket_owner(caller.user_id, caller.admin, caller.is_admin)


def file_token(caller: access.Caller, presented: str) -> dict[str, str]:
    """A protected-file token: a user's is bound to their current token key (ended with their sessions); an admin's
    (`presented` being their key or session) to that key (ended when it is removed)."""
    if caller.is_admin:
        token = admins.issue_file_token(presented)
        if token is not None:
            return {"token": token}
    user = caller.auth.record() if caller.auth is not None else None
    if user is None:
        raise Unauthorized("The request requires a logged-in user or an admin.")
    return {"token": auth_tokens.issue_file_token(user.id, str(user.private.get(USER_TOKEN_KEY, "")))}


def token_caller(token: str) -> access.Caller | None:
    """Who a `?token=` on a file link speaks for: an admin (admin file token) or a user (user file token whose
    sessions were not ended since); None for an invalid or expired one (PocketBase then treats the request as a
    guest's)."""
    admin = admins.file_token_owner(token)
    if admin is not None:
        return access.Caller(is_admin=True, admin=admin, method="GET")
    try:
        return access.Caller(user_id=sessions.verify_file_token(token)["id"], method="GET")
    except Unauthorized:
        return None


def visible_file(collection_name: str, record_id: str, filename: str,
                 caller: access.Caller) -> tuple[Collection, Field, bool]:
    """(collection, field, public) for a file of a record; 404 unless the record holds that file and, for a
    non-public file, the caller passes the viewRule."""
    collection = access.collection(collection_name)
    found = store.get(collection.name, record_id, consistent=False)
    f = file_fields.field_holding(collection, found.data, filename) if found else None
    if found is None or f is None:
        raise NotFound()
    public = collection.rules["viewRule"] == "" and not f.opt("protected")
    if image_check.is_held(found.data, f.name, filename):  # risky or unchecked: not served until cleared
        if not caller.is_admin:
            raise NotFound()
        public = False  # moderators see it through a short-lived private link only
    if not public:
        rule = access.rule(collection, "viewRule", caller, caller.context())
        if not access.allows(rule, found, caller):
            raise NotFound()
    return collection, f, public


def download_target(collection_name: str, record_id: str, filename: str, params: dict[str, str],
                    caller: access.Caller) -> tuple[str, str]:
    """(url, cache-control) after the rules allow it; 404 for anything the caller may not see."""
    collection, f, public = visible_file(collection_name, record_id, filename, caller)
    return download.redirect_target(collection.id, record_id, filename, f, public, thumb=params.get("thumb"),
                                    download=params.get("download") in ("1", "true"))

