"""Imports: records written as another system had them, in batches, by an admin (the `wxbase import` command).

What the records API can't do and an import needs: a record keeps its id, its created and updated and its field
values exactly (a re-import of the same record is `unchanged`, of a changed one `updated`: never a second record);
owners named by WeChat openid become users as a first login makes them; files go straight to storage under their
record. Each batch is read with one BatchGetItem and written in transactions of up to 100 actions through
records/store.py (counters, index entries and unique markers move with the records as on any write). A batch whose
transaction fails on one record is written record by record, so each failure is named and the rest are written.

Imports run as admin: no rules, no before hooks, no content checks; after hooks and realtime events follow the
table's stream as for any write. Relations are written as given (a backup names records imported later).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from chalicelib.core import clock, ids, logs, validate
from chalicelib.core.errors import ApiError, BadRequest, field_error
from chalicelib.files import names, uploads
from chalicelib.records import access, store
from chalicelib.records.schema import fields
from chalicelib.records.schema.fields.field_date import parse_datetime
from chalicelib.records.schema.collections import USERS, Collection
from chalicelib.records.layout import USER_TOKEN_KEY
from chalicelib.store import audit, objects

MAX_RECORDS = 100  # per request: one BatchGetItem
MAX_OPENIDS = 100
SYSTEM_KEYS = ("id", "created", "updated", "collectionId", "collectionName", "expand")
DRY_RUN = validate.Checked("dryRun", {"type": "boolean", "description": "report only; write nothing"})
RECORDS_BODY = validate.Body(
    validate.Checked("records", {"type": "array", "minItems": 1, "maxItems": MAX_RECORDS,
                                 "items": {"type": "object"}}, required=True), DRY_RUN,
    description="Records as stored elsewhere: id (required), created, updated and field values.")
OPENIDS_BODY = validate.Body(
    validate.Text("appid", max_length=64, description="the mini-program the openids belong to"),
    validate.Checked("openids", {"type": "array", "minItems": 1, "maxItems": MAX_OPENIDS,
                                 "items": {"type": "string", "minLength": 1, "maxLength": 128}}, required=True),
    DRY_RUN)
FILE_BODY = validate.Body(
    validate.Text("recordId", max_length=ids.ID_LENGTH), validate.Text("field", max_length=100),
    validate.Text("name", max_length=255, description="the file's name where it came from"),
    validate.Integer("size", minimum=1), validate.Text("type", required=False, max_length=255),
    description="A file of an imported record: where it will be stored, and a form to upload it unless it is.")


def _dry_run(body: dict[str, Any]) -> bool:
    value = body.get("dryRun", False)
    if not isinstance(value, bool):
        raise BadRequest("Invalid dryRun.", {"dryRun": field_error("validation_invalid_value", "Must be a boolean.")})
    return value


@dataclass
class _Planned:
    index: int
    old: store.StoredRecord | None
    record: store.StoredRecord


def _date(raw: dict[str, Any], name: str, fallback: str) -> str:
    value = raw.get(name)
    if value in (None, ""):
        return fallback
    parsed = parse_datetime(value)
    if parsed is None:
        raise BadRequest("Failed to import record.", {name: field_error("validation_invalid_datetime",
                                                                        "Must be a valid datetime.")})
    return parsed


def _plan(collection: Collection, raw: dict[str, Any], old: store.StoredRecord | None) -> store.StoredRecord:
    """The record as it will be stored: every field as given (absent ones blank); a PocketBase export's password
    hash is no field here (the collection loads without one) and so is ignored like any unknown key."""
    body = {k: v for k, v in raw.items() if k not in SYSTEM_KEYS}
    data, _ = fields.apply(collection, body)
    now = clock.pb_datetime()
    created = _date(raw, "created", old.created if old else now)
    updated = _date(raw, "updated", old.updated if old else created)
    private = {USER_TOKEN_KEY: ids.random_token()} if collection.name == USERS and old is None else {}
    return store.StoredRecord(collection_id=collection.id, collection_name=collection.name, id=raw["id"],
                              data=data, created=created, updated=updated, private=private)


def _failure(index: int, record_id: Any, error: ApiError) -> dict[str, Any]:
    return {"index": index, "id": record_id if isinstance(record_id, str) else "", "message": error.message,
            "data": error.data}


def import_records(collection_name: str, body: dict[str, Any], admin: str) -> dict[str, Any]:
    """Write a batch of records as given: {created, updated, unchanged, failed: [{index, id, message, data}]}."""
    collection = access.collection(collection_name)
    raws = RECORDS_BODY.read(body)["records"]
    if not isinstance(raws, list) or not 1 <= len(raws) <= MAX_RECORDS or not all(isinstance(r, dict) for r in raws):
        raise BadRequest("Invalid records.", {"records": field_error(
            "validation_invalid_value", f"Must be a list of 1 to {MAX_RECORDS} objects.")})
    dry_run = _dry_run(body)
    wanted = list(dict.fromkeys(r.get("id") for r in raws if ids.is_valid_id(r.get("id"))))
    found = {r.id: r for r in store.get_many(((collection.name, i) for i in wanted), consistent=True)}
    report: dict[str, Any] = {"created": 0, "updated": 0, "unchanged": 0, "failed": []}
    planned: list[_Planned] = []
    seen: set[str] = set()
    for index, raw in enumerate(raws):
        record_id = raw.get("id")
        try:
            if not ids.is_valid_id(record_id) or record_id in seen:
                message = "Must be 15 characters of a-z and 0-9." if record_id not in seen else "Repeated in the batch."
                raise BadRequest("Failed to import record.", {"id": field_error("validation_invalid_value", message)})
            seen.add(record_id)
            old = found.get(record_id)
            record = _plan(collection, raw, old)
        except BadRequest as exc:
            report["failed"].append(_failure(index, record_id, exc))
            continue
        if old is not None and (old.data, old.created, old.updated) == (record.data, record.created, record.updated):
            report["unchanged"] += 1
            continue
        planned.append(_Planned(index, old, record))
    if not dry_run and planned:
        for failure in _write(collection, planned, admin):
            report["failed"].append(failure)
    failed = {f["index"] for f in report["failed"]}
    for p in planned:
        if p.index not in failed:
            report["updated" if p.old else "created"] += 1
    report["failed"].sort(key=lambda f: f["index"])
    logs.event("records_imported", collection=collection.name, dry_run=dry_run, created=report["created"],
               updated=report["updated"], unchanged=report["unchanged"], failed=len(report["failed"]))
    return {**report, "dryRun": dry_run}


def _add(changes: store.Changes, collection: Collection, p: _Planned) -> None:
    if p.old is None:
        changes.create(collection, p.record)
    else:
        changes.replace(collection, p.old, p.record)


def _write(collection: Collection, planned: list[_Planned], admin: str) -> list[dict[str, Any]]:
    """Commit in transactions as full as they go (one audit entry each); a rejected one goes record by record."""
    failures: list[dict[str, Any]] = []
    chunk: list[_Planned] = []
    changes = store.Changes()
    for p in planned:
        if chunk and len(changes) + changes.cost(collection, p.old, p.record) >= store.MAX_ACTIONS:
            failures += _commit(collection, changes, chunk, admin)
            chunk, changes = [], store.Changes()
        _add(changes, collection, p)
        chunk.append(p)
    if chunk:
        failures += _commit(collection, changes, chunk, admin)
    return failures


def _commit(collection: Collection, changes: store.Changes, chunk: list[_Planned], admin: str) -> list[dict[str, Any]]:
    changes.add(audit.put_op(audit.entry(admin, "import", collection.name, None, None, {"records": len(chunk)})))
    try:
        changes.commit()
        return []
    except store.WriteRejected as exc:
        if len(chunk) == 1:
            return [_failure(chunk[0].index, chunk[0].record.id, _rejection(changes, exc))]
    failures = []
    for p in chunk:
        single = store.Changes()
        _add(single, collection, p)
        failures += _commit(collection, single, [p], admin)
    return failures


def _rejection(changes: store.Changes, exc: store.WriteRejected) -> ApiError:
    """Why one record's write was refused: a unique value another record holds, or a change made meanwhile."""
    from chalicelib.records.write.record_writes import not_unique

    taken = changes.not_unique(exc.positions)
    if taken:
        return not_unique("Failed to import record.", taken)
    return BadRequest("Failed to import record: it was written by someone else meanwhile; run the import again.")


def import_openids(body: dict[str, Any]) -> dict[str, Any]:
    """The users of openids in an app, created as first logins when new: {users: {openid: id}, created: [openid]}."""
    from chalicelib.users import service

    values = OPENIDS_BODY.read(body)
    openids = values["openids"]
    if not isinstance(openids, list) or not 1 <= len(openids) <= MAX_OPENIDS or not all(
            isinstance(o, str) and 0 < len(o) <= 128 for o in openids):
        raise BadRequest("Invalid openids.", {"openids": field_error(
            "validation_invalid_value", f"Must be a list of 1 to {MAX_OPENIDS} openids.")})
    dry_run = _dry_run(body)
    users, created = {}, []
    for openid in dict.fromkeys(openids):
        users[openid], is_new = service.user_for_openid(values["appid"], openid, write=not dry_run)
        if is_new:
            created.append(openid)
    return {"users": users, "created": created, "dryRun": dry_run}


def import_file(collection_name: str, body: dict[str, Any]) -> dict[str, Any]:
    """Where an imported record's file goes: {name, present} and, unless it is already stored with that size, an
    upload form. A name PocketBase stored keeps it; another gets a suffix derived from the record, field and name,
    so the same file imported again lands on the same object."""
    collection = access.collection(collection_name)
    values = FILE_BODY.read(body)
    f = collection.field(values["field"])
    if f is None or not fields.field_type(f).holds_files:
        raise BadRequest("Invalid field.", {"field": field_error("validation_invalid_value", "Not a file field.")})
    if not ids.is_valid_id(values["recordId"]):
        raise BadRequest("Invalid recordId.", {"recordId": field_error("validation_invalid_value",
                                                                       "Must be a record id.")})
    content_type = values["type"] or "application/octet-stream"
    max_bytes = uploads.check_declared_file(f, values["size"], content_type)
    name = values["name"] if names.is_stored_name(values["name"]) else _derived_name(values)
    key = objects.object_key(collection.id, values["recordId"], name)
    stored = objects.head(key)
    if stored is not None and stored["size"] == values["size"]:
        return {"name": name, "present": True}
    form = objects.presigned_post(key, content_type, max_bytes=min(max_bytes, values["size"]),
                                  min_bytes=values["size"])
    return {"name": name, "present": False, "upload": form}


def _derived_name(values: dict[str, Any]) -> str:
    stem = names.stored_name(values["name"]).rsplit("_", 1)
    ext = stem[1].partition(".")[2]
    digest = hashlib.sha256(f"{values['recordId']}/{values['field']}/{values['name']}".encode()).hexdigest()
    suffix = ids.derived_id(digest)[:names.SUFFIX_LENGTH]
    return f"{stem[0]}_{suffix}" + (f".{ext}" if ext else "")
