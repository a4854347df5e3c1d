"""The review queue: records WeChat content security flagged for review (records/moderation/text_check.py), with approve
(the flag is cleared by a record write through records/store.Changes, which also removes the queue entry) and
reject (the record is deleted through the records service, as the admin). Hiding a record instead of deleting it
would need every list and view path to know about it, so reject deletes.
"""
from __future__ import annotations

from typing import Any

from chalicelib.admin import cursors
from chalicelib.core.errors import Conflict, NotFound
from chalicelib.records import access, store
from chalicelib.records.query import render
from chalicelib.records.write import record_writes
from chalicelib.records.schema.model import Collection
from chalicelib.records.layout import REVIEW_FLAG
from chalicelib.store import audit, keys

MAX_ATTEMPTS = 5


def queue(params: dict[str, str]) -> dict[str, Any]:
    """A page of the queue, each entry with the record as admins see it (None if it vanished meanwhile)."""
    limit = cursors.per_page(params, default=20, maximum=100)
    start = cursors.decode(params.get("cursor"), keys.TABLE_PK, keys.REVIEW_QUEUE)
    entries, last = store.review_queue(limit=limit, start=start)
    found = {(r.collection_name, r.id): r for r in store.get_many((e["collectionName"], e["recordId"])
                                                                   for e in entries)}
    items = []
    for e in entries:
        record = found.get((e["collectionName"], e["recordId"]))
        items.append({"collectionName": e["collectionName"], "recordId": e["recordId"], "flags": e.get("flags", {}),
                      "flaggedAt": e.get("flaggedAt", ""),
                      "record": render.render(record, is_admin=True) if record else None})
    return {"items": items, "nextCursor": cursors.encode(last)}


def _flagged(collection_name: str, record_id: str) -> tuple[Collection, store.StoredRecord]:
    collection = access.collection(collection_name)
    record = store.get(collection.name, record_id)
    if record is None or not record.data.get(REVIEW_FLAG):
        raise NotFound("This record is not awaiting review.")
    return collection, record


def approve(collection_name: str, record_id: str, admin: str, field: str | None = None) -> dict[str, Any]:
    """Clear the record's review flag, or one field's (conditional on its version; retried when it changed
    meanwhile). A held-back image (risky or unchecked: records/moderation/image_check.py) is served again."""
    for _ in range(MAX_ATTEMPTS):
        collection, record = _flagged(collection_name, record_id)
        flags = record.data[REVIEW_FLAG]
        if field is not None and field not in flags:
            raise NotFound("That field is not awaiting review.")
        remaining = {k: v for k, v in flags.items() if field is not None and k != field}
        data = {k: v for k, v in record.data.items() if k != REVIEW_FLAG}
        if remaining:
            data[REVIEW_FLAG] = remaining
        changes = store.Changes()
        cleared = changes.update(collection, record, data)
        changes.add(audit.put_op(audit.entry(admin, "approve", collection.name, record.id,
                                             sorted(flags) if field is None else [field])))
        try:
            changes.commit()
        except store.WriteRejected:
            continue
        return render.render(cleared, collection, is_admin=True)
    raise Conflict()


def reject(collection_name: str, record_id: str, admin: str) -> None:
    """Delete a flagged record as the admin: cascades, files and counters as any delete; audited as moderation."""
    collection, record = _flagged(collection_name, record_id)
    caller = access.Caller(is_admin=True, admin=admin, reason="moderation", method="DELETE")
    record_writes.delete(collection.name, record.id, caller)
