"""Moderation of what content security flagged (`data["@review"]`): the queue, and clearing a flag (admins only).

Clearing is the moderator's approval: the flag goes, the review queue entry with it (records/store.Changes keeps
them together), and an image that was held back (risky or unchecked) is served again. Rejecting is an ordinary
edit or delete of the record through the records API.
"""
from __future__ import annotations

import base64
import json
import random
import time
from typing import Any

from chalicelib.core.errors import BadRequest, Conflict, NotFound
from chalicelib.records import access, render, store
from chalicelib.records.layout import REVIEW_FLAG as FLAG

MAX_ATTEMPTS = 8
MAX_PAGE = 200


def queue(per_page: int = 50, cursor: str | None = None) -> dict[str, Any]:
    """`{"items": [{collectionName, recordId, flags, flaggedAt}], "nextCursor"?}` in (collection, id) order."""
    start = None
    if cursor:
        try:
            start = json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())
            assert isinstance(start, dict) and set(start) == {"pk", "sk"}
        except (ValueError, AssertionError, UnicodeDecodeError):
            raise BadRequest("The cursor is not one this server issued.") from None
    items, last = store.review_queue(limit=max(1, min(per_page, MAX_PAGE)), start=start)
    page: dict[str, Any] = {"items": [{k: i.get(k) for k in ("collectionName", "recordId", "flags", "flaggedAt")}
                                      for i in items]}
    if last:
        page["nextCursor"] = base64.urlsafe_b64encode(json.dumps(last).encode()).decode()
    return page


def clear(collection_name: str, record_id: str, field: str | None = None) -> dict[str, Any]:
    """Remove the record's flag (one field's, or all); the record as admins see it afterwards."""
    collection = access.collection(collection_name)
    for attempt in range(MAX_ATTEMPTS):
        record = store.get(collection.name, record_id)
        flags = dict((record.data.get(FLAG) or {}) if record else {})
        if record is None or not flags or (field is not None and field not in flags):
            raise NotFound("The record has no content-security flag to clear." if record else None)
        remaining = {k: v for k, v in flags.items() if field is not None and k != field}
        data = {k: v for k, v in record.data.items() if k != FLAG}
        if remaining:
            data[FLAG] = remaining
        changes = store.Changes()
        updated = changes.update(collection, record, data)
        try:
            changes.commit()
        except store.WriteRejected:
            time.sleep(random.uniform(0, 0.01 * (2 ** attempt)))
            continue
        return render.render(updated, collection, is_admin=True)
    raise Conflict()
