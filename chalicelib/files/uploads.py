"""Upload tickets: every presigned upload is recorded before the client gets it, so no object is ever unaccounted for.

A ticket (`keys.upload_ticket(object key)`) says who may attach which object to which record field, and expires
after a day. Attaching a file to a record deletes its ticket in the record's own transaction (the condition
`attribute_exists` rejects names that were never issued, issued for another record, or already used). A ticket is
bound to whoever it was issued to (`user`: a user id, `admin:<name>`, or "" for a guest): only they can attach,
complete or abort it (admins may attach any upload), so a record id and file name seen in a shared link are no
use to anyone else. Tickets are
also filed under an hourly due bucket on gsi1, so the sweeper finds abandoned uploads with a Query (never a Scan)
and deletes their objects. Objects removed from records go through the same queue when S3 can't delete them at once.
"""
from __future__ import annotations

import time
from typing import Any, Protocol

from chalicelib.core import logs
from chalicelib.core.errors import invalid
from chalicelib.files import inline, names, thumbs
from chalicelib.store import keys, objects, table
from chalicelib.store.table import ConditionFailed


class FileField(Protocol):
    """A file field as uploads see it: its name and its options (maxSize, mimeTypes)."""

    @property
    def name(self) -> str: ...

    def opt(self, name: str, default: Any = None) -> Any: ...


TICKET_SECONDS = 24 * 3600
SINGLE_POST_MAX_BYTES = 10 * 1024 * 1024  # wx.uploadFile's practical ceiling; above it, multipart
PART_BYTES = 8 * 1024 * 1024
DEFAULT_MAX_BYTES = 5 * 1024 * 1024  # PocketBase's default file field maxSize
SWEEP_LOOKBACK_HOURS = 48


def check_declared_file(field: FileField, size: Any, content_type: str) -> int:
    """Size and type as declared by the client, against the field's options (checked again on the object)."""
    name = field.name
    max_bytes = int(field.opt("maxSize") or DEFAULT_MAX_BYTES)
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise invalid("size", "validation_invalid_size", "size must be a positive number of bytes.")
    if size > max_bytes:
        raise invalid(name, "validation_file_size_limit", f"The file is larger than {max_bytes} bytes.")
    allowed = field.opt("mimeTypes") or []
    if allowed and content_type not in allowed:
        raise invalid(name, "validation_invalid_mime_type",
                          f"{content_type or 'This type'} is not allowed; use one of {', '.join(allowed)}.")
    return max_bytes


def ticket_owner(user_id: str | None, admin: str | None = None, is_admin: bool = False) -> str:
    """Whom a ticket is bound to: the user's id, `admin:<name>` for an admin, "" for a guest."""
    if is_admin:
        return f"admin:{admin or ''}"
    return user_id or ""


def issue(owner: str, collection_id: str, record_id: str, field: FileField, filename: str, size: int,
          content_type: str) -> dict[str, Any]:
    """Record a ticket and return what the client needs to upload: a POST form or multipart part URLs."""
    max_bytes = check_declared_file(field, size, content_type)
    name = inline.stored_name_for(names.stored_name(filename), content_type)
    key = objects.object_key(collection_id, record_id, name)
    expires_at = int(time.time()) + TICKET_SECONDS
    ticket = {
        **keys.upload_ticket(key),
        **keys.upload_due(expires_at, key), "key": key,
        "user": owner, "collectionId": collection_id, "recordId": record_id, "field": field.name,
        "name": name, "size": size, "contentType": content_type, "exp": expires_at,
    }
    answer: dict[str, Any] = {"key": key, "name": name, "recordId": record_id, "field": field.name}
    if size <= SINGLE_POST_MAX_BYTES:
        table.put(ticket)
        answer.update(objects.presigned_post(key, content_type, max_bytes=min(max_bytes, size),
                                             disposition=inline.disposition_for(content_type)))
        answer["expiresIn"] = objects.UPLOAD_EXPIRES_SECONDS
        return answer
    upload_id = objects.start_multipart(key, content_type, inline.disposition_for(content_type))
    ticket["uploadId"] = upload_id
    table.put(ticket)
    count = objects.part_count(size, PART_BYTES)
    answer.update({"multipart": True, "uploadId": upload_id, "partSize": PART_BYTES,
                   "parts": objects.part_urls(key, upload_id, count), "expiresIn": objects.PART_URL_EXPIRES_SECONDS})
    return answer


def _ticket_for(owner: str, key: str, upload_id: str | None = None) -> dict[str, Any]:
    ticket = table.get(keys.upload_ticket(key))
    if ticket is None or ticket.get("user") != owner or (upload_id and ticket.get("uploadId") != upload_id):
        raise invalid("uploadId", "validation_invalid_value", "Unknown upload.", "No such upload.")
    return ticket


def complete_multipart(owner: str, key: str, upload_id: str) -> dict[str, Any]:
    ticket = _ticket_for(owner, key, upload_id)
    from botocore.exceptions import ClientError

    try:
        objects.complete_multipart(key, upload_id)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        raise invalid("uploadId", "validation_upload_incomplete", "Upload the missing parts and retry.",
                      f"The upload could not be completed ({code}); upload the missing parts and retry.") from None
    found = objects.head(key)
    if found is None or found["size"] != ticket["size"]:
        raise invalid("size", "validation_file_size_mismatch", "The uploaded size does not match the declared size.")
    return {"key": key, "name": ticket["name"], "size": found["size"]}


def abort_multipart(owner: str, key: str, upload_id: str) -> None:
    _ticket_for(owner, key, upload_id)
    objects.abort_multipart(key, upload_id)
    table.delete(keys.upload_ticket(key))


def verify_attachable(collection_id: str, record_id: str, field: FileField, name: str, owner: str,
                      is_admin: bool = False) -> dict:
    """400 unless `name` was uploaded for this record field by `owner` (any upload, for an admin) and the object
    matches the field's limits.

    Returns the transaction action that consumes the ticket (to run in the record's write)."""
    fname = field.name
    if not names.is_stored_name(name):
        raise invalid(fname, "validation_invalid_file", f"{name!r} is not an uploaded file name.")
    key = objects.object_key(collection_id, record_id, name)
    ticket = table.get(keys.upload_ticket(key))
    if ticket is None or ticket["field"] != fname or not (is_admin or ticket.get("user") == owner):
        raise invalid(fname, "validation_invalid_file", f"{name} was not uploaded for this field.")
    found = objects.head(key)
    if found is None:
        raise invalid(fname, "validation_invalid_file", f"{name} has not been uploaded yet.")
    max_bytes = min(int(field.opt("maxSize") or DEFAULT_MAX_BYTES), int(ticket.get("size") or 0) or 2 ** 62)
    if found["size"] > max_bytes:  # bigger than declared or allowed (the POST policy enforces this on AWS too)
        raise invalid(fname, "validation_file_size_limit", f"{name} is larger than {max_bytes} bytes.")
    allowed = field.opt("mimeTypes") or []
    if allowed and found["contentType"] not in allowed:
        raise invalid(fname, "validation_invalid_mime_type", f"{name} has a type this field does not allow.")
    return table.delete_op(keys.upload_ticket(key), condition="attribute_exists(pk) AND #u = :owner",
                           names={"#u": "user"}, values={":owner": ticket.get("user", "")})


def discard(collection_id: str, record_id: str, file_names: list[str]) -> None:
    """Delete objects no record refers to any more, with their thumbnails; what S3 refuses now is queued for the
    sweeper."""
    object_keys = [objects.object_key(collection_id, record_id, n) for n in file_names]
    if not object_keys:
        return
    try:
        made = [k for key in object_keys for k in objects.keys_under(thumbs.thumbs_prefix(key))]
        objects.delete(object_keys + made)
    except Exception as exc:  # S3 unavailable: keep a record of the orphans instead of losing them
        logs.event("files.delete_deferred", count=len(object_keys), reason=exc.__class__.__name__)
        now = int(time.time())
        for key in object_keys:
            table.put({**keys.upload_ticket(key), **keys.upload_due(now, key), "key": key, "user": "", "orphan": True,
                       "exp": now + TICKET_SECONDS})


def _object_key(ticket: dict[str, Any]) -> str | None:
    if ticket.get("key"):
        return ticket["key"]
    if ticket.get("collectionId") and ticket.get("recordId") and ticket.get("name"):
        return objects.object_key(ticket["collectionId"], ticket["recordId"], ticket["name"])
    return None


def sweep(now: float | None = None, lookback_hours: int = SWEEP_LOOKBACK_HOURS) -> int:
    """Delete objects of tickets that expired unattached; returns how many were removed."""
    now = int(now or time.time())
    removed = 0
    pk, sk = keys.gsi_attributes(keys.DUE_SLOT)
    for hour in range(lookback_hours, -1, -1):
        start = None
        while True:
            due, start = table.query(
                "#pk = :b AND #sk <= :now", names={"#pk": pk, "#sk": sk},
                values={":b": keys.upload_due_bucket(now - hour * 3600), ":now": f"{now:010d}~"},
                index=keys.gsi(keys.DUE_SLOT), start_key=start, limit=100)
            for ticket in due:
                key = _object_key(ticket)
                if ticket.get(keys.TTL_ATTRIBUTE, 0) > now or key is None:
                    continue
                if ticket.get("uploadId"):
                    try:
                        objects.abort_multipart(key, ticket["uploadId"])
                    except Exception:
                        pass  # already completed or aborted; the object delete below covers the rest
                objects.delete([key])
                try:
                    table.delete(keys.key_of(ticket), condition="#exp <= :now", names={"#exp": keys.TTL_ATTRIBUTE},
                                 values={":now": now})
                    removed += 1
                except ConditionFailed:
                    pass
            if not start:
                break
    if removed:
        logs.event("files.swept", removed=removed)
    return removed
